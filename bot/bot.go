package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// DefaultAPIURL is the Bot API server used when Options.APIURL is empty.
const DefaultAPIURL = "https://api.telegram.org"

// Defaults applied by New to zero-valued options.
const (
	DefaultRatePerMinute    = 10
	DefaultRateBurst        = 5
	DefaultMaxConcurrent    = 8
	DefaultQuestionTimeout  = 30 * time.Second
	DefaultMaxDocumentBytes = 5 << 20
	DefaultPollTimeout      = 50 * time.Second
	DefaultWebhookListen    = "127.0.0.1:8443"
)

// Options configures a Bot. Only Token is required.
type Options struct {
	// Token is the bot token from @BotFather (KBOT_TELEGRAM_TOKEN).
	Token string
	// APIURL is the Bot API server (KBOT_TELEGRAM_API_URL); DefaultAPIURL
	// when empty.
	APIURL string

	// Admins are Telegram user IDs allowed to /reload, /stats and upload
	// documents (KBOT_ADMINS).
	Admins []int64
	// AllowedChats and AllowedUsers, when either is set, restrict the bot
	// to those chats and users (an update passes if its chat or its sender
	// is listed). Admins always pass.
	AllowedChats []int64
	AllowedUsers []int64

	// RatePerMinute and RateBurst bound each user's requests (a token
	// bucket). A negative RatePerMinute disables the limit.
	RatePerMinute float64
	RateBurst     int
	// MaxConcurrent bounds the answers computed at once.
	MaxConcurrent int
	// QuestionTimeout is the deadline for one answer, waiting included.
	QuestionTimeout time.Duration
	// MaxDocumentBytes bounds an uploaded document.
	MaxDocumentBytes int64

	// PollTimeout is the long-polling timeout of getUpdates.
	PollTimeout time.Duration
	// PollInterval is the pause after an empty getUpdates answer; it only
	// matters for servers that ignore the long-poll timeout. Default 250ms.
	PollInterval time.Duration

	// WebhookURL switches to webhook mode: the public HTTPS URL Telegram
	// posts updates to. Its path is served on WebhookListen.
	WebhookURL    string
	WebhookListen string
	// WebhookSecret is checked on every webhook request; a random one is
	// generated when empty.
	WebhookSecret string

	// HTTPAddr is the operations endpoint (/healthz, /readyz, /metrics);
	// empty turns it off. "127.0.0.1:0" picks a free port.
	HTTPAddr string
	// StateDir holds the update journal (offset and unfinished updates).
	// Required: without it a restart could lose or repeat updates.
	StateDir string

	// Registry receives the bot's metrics and is served on /metrics; one is
	// created (with Go and process collectors) when nil.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	// HTTPClient makes every Bot API call; its timeout must exceed
	// PollTimeout. The default keeps enough idle connections for every
	// update in flight.
	HTTPClient *http.Client
	// SendTimeout bounds one attempt of a Bot API call other than
	// getUpdates; failed attempts are retried (default 15s).
	SendTimeout time.Duration
	// SendBackoff is the first pause before retrying a failed call; it
	// doubles with each attempt (default 250ms).
	SendBackoff time.Duration
	// Record, when set, keeps the durable record of questions and votes
	// behind /gaps, /stats and the 👍/👎 buttons; without it answers carry
	// no vote buttons.
	Record Recorder
	// ModelStatus, when set, says in a short Chinese phrase how the
	// language model is doing (its circuit breaker), for /stats.
	ModelStatus func() string
	// Flood keeps outgoing messages within Telegram's limits.
	Flood FloodLimits
	// RedeliverAfter is the first pause before an update whose answer
	// could not be delivered is handled again; it doubles for each of
	// the maxRedeliveries (default 15s).
	RedeliverAfter time.Duration

	// StreamEditInterval is the least time between edits of a streamed
	// answer; default 1s.
	StreamEditInterval time.Duration
	// HistoryTurns and HistoryTTL bound the per-chat history passed as
	// Question.History; defaults 3 turns and 30 minutes.
	HistoryTurns int
	HistoryTTL   time.Duration
	// ShutdownGrace bounds how long Run waits for answers in flight after
	// ctx is cancelled; default QuestionTimeout plus 10s.
	ShutdownGrace time.Duration
}

// ErrNoToken is returned by New when Options.Token is empty.
var ErrNoToken = errors.New("telegram bot token missing: set KBOT_TELEGRAM_TOKEN to the token @BotFather gave you")

// Bot serves one Telegram bot. Create it with New and start it with Run.
type Bot struct {
	opts  Options
	kb    Knowledge
	api   *tg.Bot
	log   *slog.Logger
	token string

	me       atomic.Pointer[models.User]
	commands map[string]command
	admins   map[int64]bool
	chats    map[int64]bool
	users    map[int64]bool
	limiter  *rateLimiter
	answers  chan struct{} // semaphore bounding concurrent answers
	slots    chan struct{} // bounds updates in flight, for backpressure
	history  *historyStore
	pages    *pageStore
	journal  *journal
	metrics  *metrics
	registry *prometheus.Registry

	opsLn  net.Listener
	opsSrv *http.Server

	badSecrets sampler // webhook requests with a wrong secret
	pacer      *pacer
	scopes     *scopeStore
	uploads    *pendingStore[pendingUpload]
	removals   *pendingStore[string] // source names awaiting confirmation
	// stopping is Run's context: done once the bot stops taking updates.
	stopping context.Context
	inflight sync.WaitGroup
	reloadMu sync.Mutex // one reload or upload at a time
	started  time.Time
	ran      atomic.Bool
}

// New checks the options, opens the state journal and binds the operations
// endpoint, if any. It makes no Bot API call. It returns ErrNoToken when the token
// is missing. Run serves the endpoint and closes it on return; call Close
// instead when Run is never called.
func New(opts Options, kb Knowledge) (*Bot, error) {
	opts.Token = strings.TrimSpace(opts.Token)
	if opts.Token == "" {
		return nil, ErrNoToken
	}
	if kb == nil {
		return nil, errors.New("bot: knowledge base is nil")
	}
	if opts.StateDir == "" {
		return nil, errors.New("bot: state directory is empty; it holds the update offset that prevents lost or repeated updates")
	}
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	if opts.WebhookURL != "" && opts.WebhookSecret == "" {
		var buf [24]byte
		if _, err := rand.Read(buf[:]); err != nil {
			return nil, fmt.Errorf("generate webhook secret: %w", err)
		}
		opts.WebhookSecret = hex.EncodeToString(buf[:])
	}

	b := &Bot{
		opts:    opts,
		kb:      kb,
		token:   opts.Token,
		log:     opts.Logger.With("component", "telegram"),
		admins:  idSet(opts.Admins),
		chats:   idSet(opts.AllowedChats),
		users:   idSet(opts.AllowedUsers),
		limiter: newRateLimiter(opts.RatePerMinute, opts.RateBurst),
		answers: make(chan struct{}, opts.MaxConcurrent),
		slots:   make(chan struct{}, updateSlots(opts)),
		history: newHistoryStore(opts.HistoryTurns, opts.HistoryTTL, maxHistoryChats),
		pages:   newPageStore(maxStoredQueries),
	}
	b.badSecrets.interval = time.Minute
	b.pacer = newPacer(opts.Flood)
	b.uploads = newPendingStore[pendingUpload](time.Hour, 20)
	b.removals = newPendingStore[string](time.Hour, 100)
	b.commands = commandTable()

	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	b.registry = reg
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	b.metrics = m
	if opts.Record != nil {
		if err := registerRecordMetrics(reg, opts.Record); err != nil {
			return nil, err
		}
	}

	api, err := tg.New(opts.Token,
		tg.WithSkipGetMe(),
		tg.WithServerURL(opts.APIURL),
		tg.WithHTTPClient(opts.PollTimeout, opts.HTTPClient),
		tg.WithErrorsHandler(func(err error) {
			b.log.Warn("telegram client error", b.errAttr(err))
		}),
		tg.WithDefaultHandler(func(context.Context, *tg.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("create telegram client: %s", b.redact(err.Error()))
	}
	b.api = api

	j, err := openJournal(opts.StateDir, b.log)
	if err != nil {
		return nil, err
	}
	b.journal = j
	if b.scopes, err = openScopes(opts.StateDir); err != nil {
		b.log.Warn("chat scopes could not be read; every chat starts unscoped", "err", err)
	}

	if opts.HTTPAddr != "" {
		ln, err := net.Listen("tcp", opts.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("listen on operations address %s: %w", opts.HTTPAddr, err)
		}
		b.opsLn = ln
		b.opsSrv = &http.Server{Handler: b.opsHandler(), ReadHeaderTimeout: 5 * time.Second}
	}
	return b, nil
}

func (o *Options) setDefaults() error {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	o.APIURL = strings.TrimRight(o.APIURL, "/")
	if u, err := url.Parse(o.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bot: Bot API URL %q is not an http(s) URL (KBOT_TELEGRAM_API_URL)", o.APIURL)
	}
	if o.WebhookURL != "" {
		u, err := url.Parse(o.WebhookURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("bot: webhook URL %q is not an http(s) URL", o.WebhookURL)
		}
		if o.WebhookListen == "" {
			o.WebhookListen = DefaultWebhookListen
		}
	}
	if o.RatePerMinute == 0 {
		o.RatePerMinute = DefaultRatePerMinute
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.QuestionTimeout <= 0 {
		o.QuestionTimeout = DefaultQuestionTimeout
	}
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = DefaultPollTimeout
	}
	if o.PollTimeout < time.Second {
		o.PollTimeout = time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = maxConns(*o)
		tr.MaxIdleConnsPerHost = maxConns(*o)
		tr.MaxConnsPerHost = maxConns(*o)
		o.HTTPClient = &http.Client{Timeout: o.PollTimeout + 15*time.Second, Transport: tr}
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 15 * time.Second
	}
	if o.SendBackoff <= 0 {
		o.SendBackoff = 250 * time.Millisecond
	}
	if o.RedeliverAfter <= 0 {
		o.RedeliverAfter = 15 * time.Second
	}
	if o.StreamEditInterval <= 0 {
		o.StreamEditInterval = time.Second
	}
	if o.HistoryTurns <= 0 {
		o.HistoryTurns = 3
	}
	if o.HistoryTTL <= 0 {
		o.HistoryTTL = 30 * time.Minute
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = o.QuestionTimeout + 10*time.Second
	}
	return nil
}

// maxConns is how many connections the default HTTP client keeps to the
// Bot API: every update in flight may be sending a message and showing
// "typing…" at once, and polling needs one more. Keeping them all open
// saves a TCP and TLS handshake per call.
func maxConns(o Options) int { return 2*updateSlots(o) + 2 }

// OpsAddr returns the address the operations endpoint listens on, or ""
// when it is off.
func (b *Bot) OpsAddr() string {
	if b.opsLn == nil {
		return ""
	}
	return b.opsLn.Addr().String()
}

// Close releases what New acquired. It is only needed when Run is not
// called; Run releases everything itself.
func (b *Bot) Close() error {
	if b.ran.Load() || b.opsLn == nil {
		return nil
	}
	return b.opsLn.Close()
}

// Run serves the bot until ctx is cancelled: it learns the bot's name,
// registers the command menu, replays updates left unfinished by the last
// run, then takes updates by long polling or webhook and serves the
// operations endpoint. When ctx is cancelled it stops taking updates,
// finishes the answers in flight (up to ShutdownGrace), saves the journal
// and returns nil. It returns an error when the bot cannot start, e.g. when
// Telegram rejects the token.
func (b *Bot) Run(ctx context.Context) error {
	if !b.ran.CompareAndSwap(false, true) {
		return errors.New("bot: Run called twice")
	}
	b.started = time.Now()
	b.stopping = ctx
	if b.opsSrv != nil {
		opsDone := make(chan error, 1)
		go func() { opsDone <- b.opsSrv.Serve(b.opsLn) }()
		b.log.Info("operations endpoint listening", "addr", b.OpsAddr())
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := b.opsSrv.Shutdown(sctx); err != nil {
				b.log.Warn("operations endpoint shutdown", "err", err)
			}
			if err := <-opsDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
				b.log.Warn("operations endpoint stopped", "err", err)
			}
		}()
	}

	if err := b.identify(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// The menu and descriptions are a convenience: set them beside
	// answering, so that a Bot API that is slow to take them does not
	// delay the first answer.
	menuDone := make(chan struct{})
	go func() {
		defer close(menuDone)
		b.registerCommands(ctx)
	}()
	defer func() { <-menuDone }()

	// Handlers must outlive ctx so that answers in flight are finished
	// after a shutdown signal; ShutdownGrace bounds them instead.
	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()

	stopFlusher := b.journal.startFlusher(flushEvery, b.log, b.metrics)
	b.replayPending(hctx)

	var err error
	if b.opts.WebhookURL != "" {
		err = b.serveWebhook(ctx, hctx)
	} else {
		if err = b.poll(ctx, hctx); err == nil {
			b.confirmReceived()
		}
	}

	b.log.Info("stopped taking updates; finishing answers in flight")
	drained := make(chan struct{})
	go func() { b.inflight.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(b.opts.ShutdownGrace):
		b.log.Error("answers still in flight after the shutdown grace period; they will be replayed on the next start", "grace", b.opts.ShutdownGrace)
		cancelHandlers()
		<-drained
	}
	stopFlusher()
	if ferr := b.journal.flush(); ferr != nil {
		b.log.Error("save update journal", "err", ferr)
		b.metrics.errors.WithLabelValues("state").Inc()
	}
	b.log.Info("telegram bot stopped")
	return err
}

// confirmReceived tells Telegram, on the way out, that every update the
// journal holds was received, so the next run need not send an offset
// (see journal.offsetToSend) and still sees updates numbered anew while
// it was down. An update this call returns stays unconfirmed and comes
// again next time.
func (b *Bot) confirmReceived() {
	offset := b.journal.offsetToSend()
	if offset == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := b.getUpdates(ctx, offset, 1, 0); err != nil {
		b.log.Warn("could not confirm the last updates to telegram; the next start will", b.errAttr(err))
		return
	}
	b.journal.confirm(offset)
}

// identify calls getMe, retrying transient failures, to learn the bot's
// username (needed to recognise @mentions and /cmd@name).
func (b *Bot) identify(ctx context.Context) error {
	wait := 500 * time.Millisecond
	for {
		me, err := b.api.GetMe(ctx)
		if err == nil {
			b.me.Store(me)
			b.log.Info("connected to telegram", "bot_id", me.ID, "username", me.Username)
			return nil
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return fmt.Errorf("telegram rejected the bot token (check KBOT_TELEGRAM_TOKEN): %s", b.redact(err.Error()))
		}
		b.log.Warn("getMe failed; retrying", b.errAttr(err), "retry_in", wait)
		b.metrics.errors.WithLabelValues("telegram").Inc()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// username returns the bot's username without "@", or "" before getMe.
func (b *Bot) username() string {
	if me := b.me.Load(); me != nil {
		return me.Username
	}
	return ""
}

func (b *Bot) botID() int64 {
	if me := b.me.Load(); me != nil {
		return me.ID
	}
	return 0
}

// redact removes the token from text that may contain a Bot API URL.
func (b *Bot) redact(s string) string {
	if b.token == "" {
		return s
	}
	return strings.ReplaceAll(s, b.token, "REDACTED")
}

// errAttr is the log attribute for an error, with the token removed.
func (b *Bot) errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	return slog.String("err", b.redact(err.Error()))
}

func idSet(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
