package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const (
	// maxUpdatesInFlight bounds updates being handled in webhook mode;
	// when reached, webhook requests wait and Telegram holds the rest.
	maxUpdatesInFlight = 256
	// pollQueueFactor sets how many updates long polling holds at most,
	// as a multiple of MaxConcurrent: those being answered, a short queue
	// so that the next answer starts without waiting for a getUpdates
	// round trip, and those whose answer is being sent. The rest wait at
	// Telegram, where they survive a restart, rather than in the bot.
	// Measured with BenchmarkBurst (1,000 questions, two cores, a local
	// Bot API): 3 kept the throughput of taking 100 at a time (about
	// 1,140 questions/s) while the median time from delivery to answer
	// fell from about 200 ms to about 17 ms; 2 lost about a tenth of the
	// throughput and 1 a fifth, to round trips. A distant Bot API makes
	// each slot last longer: with 50 ms per call, 3 allowed about 140
	// questions/s, still far more than Telegram lets a bot send.
	pollQueueFactor = 3
	getUpdatesLimit = 100
	maxWebhookBody  = 1 << 20
)

var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// errConflict means another getUpdates consumer or a webhook is active.
var errConflict = errors.New("telegram reports a conflict: another instance is polling with this token, or a webhook is set")

// poll takes updates by long polling until ctx is cancelled. Handlers run
// under hctx.
func (b *Bot) poll(ctx, hctx context.Context) error {
	// A webhook left over from an earlier deployment would make getUpdates
	// fail; pending updates are kept.
	if _, err := b.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{DropPendingUpdates: false}); err != nil && ctx.Err() == nil {
		b.log.Warn("deleteWebhook failed", b.errAttr(err))
	}
	b.log.Info("taking updates by long polling", "offset", b.journal.nextOffset())
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		// Take only as many updates as there are free slots: the rest
		// wait at Telegram, not in this process.
		held := b.reserveSlots(ctx)
		if held == 0 {
			return nil
		}
		offset := b.journal.offsetToSend()
		raws, err := b.getUpdates(ctx, offset, held, b.pollSeconds())
		if err != nil {
			b.releaseSlots(held)
			if ctx.Err() != nil {
				return nil
			}
			var tooMany *tg.TooManyRequestsError
			switch {
			case errors.Is(err, tg.ErrorUnauthorized):
				return fmt.Errorf("telegram rejected the bot token (check KBOT_TELEGRAM_TOKEN): %s", b.redact(err.Error()))
			case errors.As(err, &tooMany):
				backoff = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			default:
				backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			}
			b.log.Warn("getUpdates failed", b.errAttr(err), "retry_in", backoff)
			b.metrics.errors.WithLabelValues("telegram").Inc()
			continue
		}
		backoff = 0
		b.journal.confirm(offset)
		if len(raws) == 0 {
			b.releaseSlots(held)
			backoff = b.opts.PollInterval
			continue
		}
		before := b.journal.nextOffset()
		batch := make([]*incoming, 0, len(raws))
		for _, raw := range raws {
			in, err := decodeUpdate(raw)
			if err != nil {
				b.metrics.errors.WithLabelValues("decode").Inc()
				// Skip it past the offset, or getUpdates would return it
				// again at once, forever.
				id, ok := rawUpdateID(raw)
				if ok {
					b.journal.skip(id)
				}
				b.log.Warn("skipping undecodable update", "update_id", id, "err", err)
				continue
			}
			batch = append(batch, in)
		}
		fresh, reset := b.journal.receive(batch, true)
		b.noteReset(reset)
		if dups := len(batch) - len(fresh); dups > 0 {
			b.metrics.duplicates.Add(float64(dups))
			b.log.Info("skipping updates already handled", "count", dups)
		}
		// The next getUpdates call confirms these updates to Telegram, so
		// they must be on disk first.
		if err := b.journal.flush(); err != nil {
			b.log.Error("save update journal", "err", err)
			b.metrics.errors.WithLabelValues("state").Inc()
		}
		for _, in := range fresh {
			if held > 0 {
				held--
				b.start(hctx, in)
				continue
			}
			// More than the limit asked for: wait for slots as usual.
			if !b.dispatch(ctx, hctx, in) {
				return nil
			}
		}
		b.releaseSlots(held)
		if len(fresh) == 0 && b.journal.nextOffset() == before {
			// Nothing could be taken from this answer and the offset
			// did not move: do not ask again at once.
			backoff = 4 * b.opts.PollInterval
		}
	}
}

type incoming struct {
	upd *models.Update
	raw json.RawMessage
	// date is the message's date (Unix seconds), 0 when the update has
	// none of its own (a button press).
	date     int64
	key      updateKey // set when the journal accepts it
	received time.Time
	// redeliveries counts how often the update was handled again
	// because a message could not be delivered.
	redeliveries int
}

// rawUpdateID reads just the update_id of an update that does not decode
// as a whole.
func rawUpdateID(raw json.RawMessage) (int64, bool) {
	var head struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil {
		return 0, false
	}
	return *head.ID, true
}

func decodeUpdate(raw json.RawMessage) (*incoming, error) {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, fmt.Errorf("decode update: %w", err)
	}
	in := &incoming{upd: &u, raw: raw, received: time.Now()}
	if u.Message != nil {
		in.date = int64(u.Message.Date)
	}
	return in, nil
}

// updateSlots is how many updates may be in flight at once (received
// and not yet handled). Questions hold their slot while they wait for an
// answer slot; commands and button presses hold theirs only for the
// milliseconds they take, and once taken they run at once, never queued
// behind questions.
func updateSlots(opts Options) int {
	if opts.WebhookURL != "" {
		return maxUpdatesInFlight
	}
	return min(max(pollQueueFactor*opts.MaxConcurrent, 1), maxUpdatesInFlight)
}

// reserveSlots waits until at least one update slot is free, then takes
// every free one, up to getUpdatesLimit, and returns how many it took: the
// limit for the next getUpdates call. It returns 0 when ctx is cancelled
// first. While polling, the poller is the only one taking slots, so none
// are taken from under it between the reservation and the dispatch.
func (b *Bot) reserveSlots(ctx context.Context) int {
	select {
	case b.slots <- struct{}{}:
	default:
		b.metrics.pollBlocked.Set(1)
		select {
		case b.slots <- struct{}{}:
			b.metrics.pollBlocked.Set(0)
		case <-ctx.Done():
			b.metrics.pollBlocked.Set(0)
			return 0
		}
	}
	n := 1
	for n < getUpdatesLimit {
		select {
		case b.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

func (b *Bot) releaseSlots(n int) {
	for range n {
		<-b.slots
	}
}

// dispatch runs the update's handler in its own goroutine, waiting for a
// slot first. It returns false when ctx was cancelled while waiting; the
// update then stays pending in the journal and is replayed on next start.
func (b *Bot) dispatch(ctx, hctx context.Context, in *incoming) bool {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		b.journal.abandon(in.key)
		return false
	}
	b.start(hctx, in)
	return true
}

// start runs the update's handler in its own goroutine, which frees the
// caller's slot when it returns.
func (b *Bot) start(hctx context.Context, in *incoming) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() { <-b.slots }()
		ctx, d := withDelivery(hctx)
		b.handleUpdate(ctx, in)
		if hctx.Err() != nil {
			// Cut off by the shutdown grace period: replay next time.
			b.journal.abandon(in.key)
			return
		}
		if d.failed.Load() && b.redeliver(hctx, in) {
			return
		}
		b.journal.finish(in.key)
	}()
}

// maxRedeliveries bounds how often an update is handled again because a
// message could not be delivered.
const maxRedeliveries = 4

// redeliver handles an update again later, after RedeliverAfter doubled
// for each earlier try, because a message it sent did not reach Telegram.
// The update stays pending meanwhile; if the bot stops first it is
// replayed on the next start. It returns false once the update has been
// tried maxRedeliveries times: it is then given up.
func (b *Bot) redeliver(hctx context.Context, in *incoming) bool {
	if in.redeliveries >= maxRedeliveries {
		b.log.Error("giving up on an update whose answer could not be delivered", "update_id", in.upd.ID, "tries", in.redeliveries+1)
		b.metrics.errors.WithLabelValues("undelivered").Inc()
		return false
	}
	wait := b.opts.RedeliverAfter << in.redeliveries
	in.redeliveries++
	b.log.Warn("an answer could not be delivered; handling the update again later", "update_id", in.upd.ID, "retry_in", wait)
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		select {
		case <-b.stopping.Done():
			b.journal.abandon(in.key)
		case <-time.After(wait):
			b.dispatch(b.stopping, hctx, in)
		}
	}()
	return true
}

// replayPending handles updates that an earlier run received but did not
// finish.
func (b *Bot) replayPending(hctx context.Context) {
	pending := b.journal.takePending()
	if len(pending) == 0 {
		return
	}
	b.log.Info("replaying unfinished updates from the last run", "count", len(pending))
	for _, in := range pending {
		b.dispatch(hctx, hctx, in)
	}
}

// noteReset logs a reset of Telegram's update numbering, once per reset.
func (b *Bot) noteReset(r *epochReset) {
	if r == nil {
		return
	}
	b.log.Warn("telegram numbers updates anew (update IDs restarted below the saved offset); starting a new epoch of the update journal",
		"epoch", r.epoch, "old_offset", r.oldOffset, "first_update_id", r.firstID)
	b.metrics.idResets.Inc()
}

// pollSeconds is the long-polling wait asked of getUpdates, in whole
// seconds, a little under the client's own PollTimeout.
func (b *Bot) pollSeconds() int {
	return int((b.opts.PollTimeout - 500*time.Millisecond) / time.Second)
}

// getUpdates asks the Bot API for at most limit (1 to 100) updates from
// offset on (from the earliest unconfirmed one when offset is 0), waiting
// up to wait seconds for one. The library keeps its own polling loop
// private and confirms updates before they are handled, so kbot makes
// this one call itself.
func (b *Bot) getUpdates(ctx context.Context, offset int64, limit, wait int) ([]json.RawMessage, error) {
	params := map[string]any{
		"limit":           min(max(limit, 1), getUpdatesLimit),
		"timeout":         wait,
		"allowed_updates": allowedUpdates,
	}
	if offset != 0 {
		params["offset"] = offset
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode getUpdates: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.opts.APIURL+"/bot"+b.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", b.redact(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.opts.HTTPClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = b.redact(uerr.URL)
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read response: %w", err)
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, undecodable response: %w", resp.StatusCode, err)
	}
	if !r.OK {
		switch r.ErrorCode {
		case http.StatusUnauthorized:
			return nil, fmt.Errorf("getUpdates: %w, %s", tg.ErrorUnauthorized, r.Description)
		case http.StatusConflict:
			return nil, fmt.Errorf("getUpdates: %w (%s)", errConflict, r.Description)
		case http.StatusTooManyRequests:
			return nil, &tg.TooManyRequestsError{Message: "getUpdates: " + r.Description, RetryAfter: r.Parameters.RetryAfter}
		}
		return nil, fmt.Errorf("getUpdates: HTTP %d, error %d: %s", resp.StatusCode, r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

// serveWebhook registers the webhook and serves it until ctx is cancelled.
func (b *Bot) serveWebhook(ctx, hctx context.Context) error {
	u, err := url.Parse(b.opts.WebhookURL)
	if err != nil {
		return fmt.Errorf("parse webhook URL: %w", err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	ln, err := net.Listen("tcp", b.opts.WebhookListen)
	if err != nil {
		return fmt.Errorf("listen for webhook on %s: %w", b.opts.WebhookListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle(path, b.webhookHandler(ctx, hctx))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if _, err := b.api.SetWebhook(ctx, &tg.SetWebhookParams{
		URL:            b.opts.WebhookURL,
		SecretToken:    b.opts.WebhookSecret,
		AllowedUpdates: allowedUpdates,
		MaxConnections: maxUpdatesInFlight / 4,
	}); err != nil && ctx.Err() == nil {
		shutdownServer(srv)
		<-served
		return fmt.Errorf("register webhook: %s", b.redact(err.Error()))
	}
	b.log.Info("taking updates by webhook", "listen", ln.Addr().String(), "path", path)

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("webhook server: %w", err)
	}
	shutdownServer(srv)
	<-served
	return nil
}

func shutdownServer(srv *http.Server) {
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // the graceful path failed; drop what is left
	}
}

// webhookHandler accepts updates posted by Telegram. It answers 200 only
// after the update is in the journal, so Telegram retries anything not
// safely recorded; bad requests get a 4xx. An update that carries an
// update_id but does not decode is recorded as done and answered 200:
// retrying it could never succeed.
func (b *Bot) webhookHandler(ctx, hctx context.Context) http.Handler {
	secret := []byte(b.opts.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if subtle.ConstantTimeCompare(got, secret) != 1 {
			// Anyone can send these; one line a minute tells the
			// operator without filling the disk.
			if skipped, ok := b.badSecrets.allow(time.Now()); ok {
				b.log.Warn("webhook request with a wrong secret token", "remote", r.RemoteAddr, "not_logged_since_last", skipped)
			}
			b.metrics.errors.WithLabelValues("webhook").Inc()
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		in, err := decodeUpdate(data)
		if err != nil {
			if id, ok := rawUpdateID(data); ok && id > 0 {
				b.skipWebhookUpdate(w, id, err)
				return
			}
		}
		if err != nil || in.upd.ID <= 0 {
			b.metrics.errors.WithLabelValues("webhook").Inc()
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		fresh, reset := b.journal.receive([]*incoming{in}, false)
		b.noteReset(reset)
		if len(fresh) == 0 {
			b.metrics.duplicates.Inc()
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := b.journal.flush(); err != nil {
			b.journal.forget(in.key)
			b.log.Error("save update journal", "err", err)
			b.metrics.errors.WithLabelValues("state").Inc()
			http.Error(w, "cannot record update", http.StatusServiceUnavailable)
			return
		}
		if !b.dispatch(ctx, hctx, in) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// sampler lets an event be logged at most once per interval and counts
// the occurrences it held back.
type sampler struct {
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	held     int
}

// allow reports whether to log now, and how many were held back since
// the last line.
func (s *sampler) allow(now time.Time) (held int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.last.IsZero() && now.Sub(s.last) < s.interval {
		s.held++
		return 0, false
	}
	held, s.held, s.last = s.held, 0, now
	return held, true
}

// skipWebhookUpdate records a posted update that does not decode as done
// and answers 200, so that Telegram stops sending it. Failing to save the
// journal loses nothing here: the update cannot be handled either way.
func (b *Bot) skipWebhookUpdate(w http.ResponseWriter, id int64, err error) {
	b.metrics.errors.WithLabelValues("decode").Inc()
	b.log.Warn("skipping undecodable update", "update_id", id, "err", err)
	b.journal.skip(id)
	if ferr := b.journal.flush(); ferr != nil {
		b.log.Error("save update journal", "err", ferr)
		b.metrics.errors.WithLabelValues("state").Inc()
	}
	w.WriteHeader(http.StatusOK)
}
