package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/config"
	"kbot/knowledge"
	"kbot/knowledge/llm"
)

// llmWriter returns the configured answer writer, or nil when no LLM is
// configured (answers are then extractive).
func llmWriter(cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (knowledge.Writer, error) {
	if !cfg.LLM.Enabled() {
		return nil, nil
	}
	w, err := llm.New(llm.Options{
		BaseURL:      cfg.LLM.BaseURL,
		Model:        cfg.LLM.Model,
		APIKey:       cfg.LLM.APIKey.Reveal(),
		Temperature:  float32(cfg.LLM.Temperature),
		MaxTokens:    cfg.LLM.MaxTokens,
		Timeout:      cfg.LLM.Timeout,
		MaxRetries:   retries(cfg.LLM.MaxRetries),
		SystemPrompt: cfg.LLM.SystemPrompt,
		Stream:       cfg.LLM.Stream,
		Registry:     reg,
		Logger:       log,

		FirstTokenTimeout: cfg.LLM.FirstTokenTimeout,
		RetryBudget:       cfg.LLM.RetryBudget,
		BreakerFailures:   retries(cfg.LLM.BreakerFailures), // 0 turns it off, as for retries
		BreakerCooldown:   cfg.LLM.BreakerCooldown,
	})
	if err != nil {
		return nil, fmt.Errorf("LLM: %w", err)
	}
	return w, nil
}

// retries maps a count from the config, where 0 turns the feature off, to
// the providers' convention (0 = their default, negative = off).
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
