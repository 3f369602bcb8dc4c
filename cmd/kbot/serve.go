package main

import (
	"fmt"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kbot/bot"
	"kbot/bot/store"
)

func cmdServe(e *env, args []string) error {
	fs := flagSet("serve")
	if _, err := e.parse(fs, args, `serve`); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.RequireTelegram(); err != nil {
		return err
	}
	log := e.logger(cfg, false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	writer, err := llmWriter(cfg, log, reg)
	if err != nil {
		return err
	}
	kb, err := e.openWith(cfg, log, writer, selfPDFExtractor())
	if err != nil {
		return err
	}
	rec := store.Start(filepath.Join(cfg.DataDir, store.FileName), recordOptions(cfg, log)...)
	defer func() {
		if err := rec.Close(); err != nil {
			log.Warn("close the question record", "err", err)
		}
	}()
	tg := cfg.Telegram
	b, err := bot.New(bot.Options{
		Record:           rec,
		Token:            tg.Token.Reveal(),
		APIURL:           tg.APIURL,
		Admins:           tg.Admins,
		AllowedChats:     tg.AllowedChats,
		AllowedUsers:     tg.AllowedUsers,
		RatePerMinute:    float64(tg.RateLimit),
		RateBurst:        tg.RateBurst,
		MaxConcurrent:    tg.MaxConcurrent,
		QuestionTimeout:  tg.QuestionTimeout,
		MaxDocumentBytes: tg.MaxDocumentBytes,
		PollTimeout:      tg.PollTimeout,
		WebhookURL:       tg.Webhook.URL,
		WebhookListen:    tg.Webhook.Listen,
		WebhookSecret:    tg.Webhook.SecretToken.Reveal(),
		HTTPAddr:         cfg.HTTPAddr,
		StateDir:         filepath.Join(cfg.DataDir, "telegram"),
		Registry:         reg,
		Logger:           log,
	}, kb)
	if err != nil {
		return fmt.Errorf("telegram bot: %w", err)
	}
	if cfg.HTTPAddr != "" {
		log.Info("operations endpoint", "addr", b.OpsAddr())
	}
	return b.Run(e.ctx)
}
