package bot

import (
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/bot/store"
)

// metrics are the bot's Prometheus series, plus plain counters for /stats.
type metrics struct {
	questions   prometheus.Counter
	refusals    prometheus.Counter
	latency     prometheus.Histogram
	reloads     *prometheus.CounterVec
	errors      *prometheus.CounterVec
	updates     *prometheus.CounterVec
	rateLimited prometheus.Counter
	duplicates  prometheus.Counter
	idResets    prometheus.Counter
	votes       *prometheus.CounterVec
	inflight    prometheus.Gauge
	waiting     prometheus.Gauge
	pollBlocked prometheus.Gauge

	nQuestions, nRefusals, nTimeouts, nFailures, nRateLimited atomic.Int64
}

type counts struct {
	questions, refusals, timeouts, failures, rateLimited int64
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		questions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_questions_total", Help: "Questions received from Telegram users.",
		}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_refusals_total", Help: "Questions answered with a refusal (nothing relevant in the knowledge base).",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kbot_answer_seconds",
			Help:    "Time from receiving a question to sending its answer.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_reloads_total", Help: "Knowledge base reloads and uploads from the chat, by result.",
		}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_errors_total", Help: "Errors by kind (telegram, knowledge, timeout, state, reload, upload, decode, webhook, ...).",
		}, []string{"kind"}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_telegram_updates_total", Help: "Telegram updates handled, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_rate_limited_total", Help: "Requests refused by the per-user rate limit.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_telegram_duplicate_updates_total", Help: "Updates skipped because they were already handled.",
		}),
		idResets: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_telegram_update_id_resets_total", Help: "Times Telegram restarted its update numbering below the saved offset (a new journal epoch).",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kbot_answers_in_flight", Help: "Answers being computed now.",
		}),
		votes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_votes_total", Help: "Votes on answers, by verdict and 👎 reason (up, down, down_<reason>).",
		}, []string{"vote"}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kbot_answers_waiting", Help: "Questions waiting for an answer slot.",
		}),
		pollBlocked: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kbot_telegram_polling_blocked", Help: "1 while long polling waits for a free update slot: the bot is taking all it can answer soon.",
		}),
	}
	for _, c := range []prometheus.Collector{m.questions, m.refusals, m.latency, m.reloads, m.errors, m.updates, m.rateLimited, m.duplicates, m.idResets, m.votes, m.inflight, m.waiting, m.pollBlocked} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register bot metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) snapshot() counts {
	return counts{
		questions:   m.nQuestions.Load(),
		refusals:    m.nRefusals.Load(),
		timeouts:    m.nTimeouts.Load(),
		failures:    m.nFailures.Load(),
		rateLimited: m.nRateLimited.Load(),
	}
}

// limited records a request refused by the rate limit.
func (m *metrics) limited() {
	m.rateLimited.Inc()
	m.nRateLimited.Add(1)
}

// answered records a question's outcome and, when it was answered, the
// time from receipt to the answer.
func (m *metrics) answered(outcome string, seconds float64) {
	m.questions.Inc()
	m.nQuestions.Add(1)
	switch outcome {
	case outcomeAnswered:
		m.latency.Observe(seconds)
	case outcomeRefused:
		m.latency.Observe(seconds)
		m.refusals.Inc()
		m.nRefusals.Add(1)
	case outcomeTimeout:
		m.errors.WithLabelValues("timeout").Inc()
		m.nTimeouts.Add(1)
	default:
		m.nFailures.Add(1)
	}
}

// registerRecordMetrics exposes the question record's state, read at
// each scrape: whether it can be written, and how many records it wrote,
// dropped (queue full) and failed.
func registerRecordMetrics(reg prometheus.Registerer, rec Recorder) error {
	gauge := func(name, help string, f func(s store.Status) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(rec.Status()) })
	}
	for _, c := range []prometheus.Collector{
		gauge("kbot_record_open", "1 while the question record can be written.", func(s store.Status) float64 {
			if s.Open {
				return 1
			}
			return 0
		}),
		gauge("kbot_record_queued", "Records waiting to be written.", func(s store.Status) float64 { return float64(s.Queued) }),
		gauge("kbot_record_written", "Records written since the start.", func(s store.Status) float64 { return float64(s.Written) }),
		gauge("kbot_record_dropped", "Records dropped because the queue was full.", func(s store.Status) float64 { return float64(s.Dropped) }),
		gauge("kbot_record_failed", "Records that could not be written.", func(s store.Status) float64 { return float64(s.Failed) }),
	} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register record metrics: %w", err)
		}
	}
	return nil
}
