package llm

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the writer's Prometheus collectors. Two writers registered on
// one registry share the collectors.
type metrics struct {
	requests   *prometheus.CounterVec   // op, outcome
	latency    *prometheus.HistogramVec // op, outcome: one per attempt
	firstText  prometheus.Histogram
	tokens     *prometheus.CounterVec // op, kind
	retries    *prometheus.CounterVec // op, kind
	failures   *prometheus.CounterVec // op, kind
	fallbacks  prometheus.Counter
	citDropped *prometheus.CounterVec // reason
	breaker    *prometheus.GaugeVec   // state
	opens      prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_llm_requests_total",
			Help: "Write and Rewrite calls that reached the model, by outcome (ok or error).",
		}, []string{"op", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kbot_llm_request_duration_seconds",
			Help:    "Duration of one chat completion attempt, streamed ones until the last token.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120},
		}, []string{"op", "outcome"}),
		firstText: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kbot_llm_first_text_seconds",
			Help:    "Time from the start of a streamed attempt to its first text.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30},
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_llm_tokens_total",
			Help: "Tokens reported by the model server, by kind (prompt or completion).",
		}, []string{"op", "kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_llm_retries_total",
			Help: "Attempts repeated after a retryable failure, by the failure's kind.",
		}, []string{"op", "kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_llm_failures_total",
			Help: "Write and Rewrite calls that failed, by kind of failure.",
		}, []string{"op", "kind"}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_llm_fallbacks_total",
			Help: "Write calls that returned an error, so the answer fell back to extraction.",
		}),
		citDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kbot_llm_citations_dropped_total",
			Help: "Citation markers removed from model answers, by reason (out_of_range or quote).",
		}, []string{"reason"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kbot_llm_breaker_state",
			Help: "State of the model's circuit breaker: 1 for the current state (closed, open or probing), 0 for the others.",
		}, []string{"state"}),
		opens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kbot_llm_breaker_opens_total",
			Help: "Times the circuit breaker opened because the model failed too often in a row.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.requests = register(reg, m.requests, &err)
	m.latency = register(reg, m.latency, &err)
	m.firstText = register(reg, m.firstText, &err)
	m.tokens = register(reg, m.tokens, &err)
	m.retries = register(reg, m.retries, &err)
	m.failures = register(reg, m.failures, &err)
	m.fallbacks = register(reg, m.fallbacks, &err)
	m.citDropped = register(reg, m.citDropped, &err)
	m.breaker = register(reg, m.breaker, &err)
	m.opens = register(reg, m.opens, &err)
	return m, err
}

// register registers c, or returns the collector already registered under
// the same description. The first other error is kept in *errp.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	if *errp == nil {
		*errp = err
	}
	return c
}

// breakerState records the breaker's new state.
func (m *metrics) breakerState(to BreakerState) {
	for _, s := range []BreakerState{BreakerClosed, BreakerOpen, BreakerProbing} {
		v := 0.0
		if s == to {
			v = 1
		}
		m.breaker.WithLabelValues(string(s)).Set(v)
	}
}
