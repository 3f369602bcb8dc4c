package config_test

import (
	"fmt"

	"kbot/config"
)

func ExampleLoad() {
	// In main, pass os.Getenv and the path from a flag.
	env := map[string]string{
		"KBOT_LOG_LEVEL":      "debug",
		"KBOT_ADMINS":         "1001, 1002",
		"KBOT_TELEGRAM_TOKEN": "123456:example-token",
	}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Log.Level, cfg.Embed.Provider, cfg.Sources, cfg.Telegram.Admins)
	fmt.Println("token:", cfg.Telegram.Token)
	// Output:
	// debug local [bundled] [1001 1002]
	// token: REDACTED
}

func ExampleLoad_invalid() {
	env := map[string]string{
		"KBOT_EMBED_PROVIDER": "foo",
		"KBOT_ADMINS":         "alice",
	}
	_, err := config.Load("", func(k string) string { return env[k] })
	fmt.Println(err)
	// Output:
	// telegram.admins (KBOT_ADMINS): "alice" is not a whole number; Telegram IDs look like 123456789 (a user) or -1001234567890 (a group)
	// embed.provider (KBOT_EMBED_PROVIDER): "foo" is not allowed; use "local" or "openai"
}

func ExampleSecret() {
	key := config.Secret("sk-abc123")
	fmt.Printf("%v %q\n", key, key)
	fmt.Println(len(key.Reveal()))
	// Output:
	// REDACTED "REDACTED"
	// 9
}
