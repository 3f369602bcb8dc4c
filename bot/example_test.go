package bot_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"kbot/bot"
	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// Wiring kbot's Telegram bot by hand, as cmd/kbot does: open the knowledge
// base, create the bot, run it until SIGINT or SIGTERM.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	em := embeddings.Local()
	kb, err := knowledge.Open(ctx, knowledge.Options{
		DataDir: "/var/lib/kbot", Sources: []string{knowledge.BundledSource}, Load: magazine.Load, Vectors: chromem.New,
		Embedder: knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
	})
	if err != nil {
		log.Fatal(err)
	}
	b, err := bot.New(bot.Options{
		Token:    os.Getenv("KBOT_TELEGRAM_TOKEN"),
		Admins:   []int64{123456789},
		HTTPAddr: "127.0.0.1:9090",
		StateDir: "/var/lib/kbot/telegram",
	}, kb)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("metrics on http://%s/metrics", b.OpsAddr())
	if err := b.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// A missing token is reported with the setting to fix.
func ExampleNew() {
	_, err := bot.New(bot.Options{StateDir: os.TempDir()}, nil)
	fmt.Println(err)
	// Output: telegram bot token missing: set KBOT_TELEGRAM_TOKEN to the token @BotFather gave you
}
