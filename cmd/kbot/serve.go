package main

import (
	"fmt"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kbot/bot"
	"kbot/bot/store"
	"kbot/knowledge"
	"kbot/knowledge/llm"
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
		ModelStatus:      modelStatus(writer),
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

// modelStatus tells /stats how the language model is doing, from its
// circuit breaker; nil without a model.
func modelStatus(w knowledge.Writer) func() string {
	lw, ok := w.(*llm.Writer)
	if !ok || lw == nil {
		return nil
	}
	return func() string {
		st := lw.Breaker()
		switch st.State {
		case llm.BreakerOpen:
			return fmt.Sprintf("连续失败 %d 次，暂停调用，%s 再试；期间直接引用原文回答", st.Failures, st.ProbeAt.Format("15:04:05"))
		case llm.BreakerClosed:
			if st.Failures > 0 {
				return fmt.Sprintf("正常（最近连续失败 %d 次）", st.Failures)
			}
			return "正常"
		}
		return "正在试探是否恢复"
	}
}
