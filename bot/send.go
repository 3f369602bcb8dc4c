package bot

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const (
	// sendWindow bounds the retries of one Bot API call when the caller
	// set no budget of its own.
	sendWindow = 30 * time.Second
	// minSendTries sets the least time an answer gets for its delivery,
	// however long it took to prepare: SendBackoff times this.
	minSendTries = 20
	// maxBackoffFactor caps the pause between attempts, as a multiple of
	// SendBackoff.
	maxBackoffFactor = 20
)

// target is where a reply goes.
type target struct {
	chatID  int64
	thread  int // forum topic of the question; 0 for none
	replyTo int // message to reply to; 0 for none
}

// send delivers an HTML message, split into parts that fit, with the
// keyboard on the last part. It returns the first part's message.
func (b *Bot) send(ctx context.Context, to target, htmlText string, kb *models.InlineKeyboardMarkup) (*models.Message, error) {
	first, _, err := b.sendParts(ctx, to, htmlText, kb)
	return first, err
}

// sendParts is send that also returns the last part's message, which
// carries the keyboard.
func (b *Bot) sendParts(ctx context.Context, to target, htmlText string, kb *models.InlineKeyboardMarkup) (first, last *models.Message, err error) {
	if kb == nil || len(kb.InlineKeyboard) == 0 {
		return b.sendMarkup(ctx, to, htmlText, nil)
	}
	return b.sendMarkup(ctx, to, htmlText, kb)
}

// sendMarkup is sendParts with any reply markup (a keyboard, a forced
// reply).
func (b *Bot) sendMarkup(ctx context.Context, to target, htmlText string, markup models.ReplyMarkup) (first, last *models.Message, err error) {
	parts := splitHTML(htmlText, maxMessageLen)
	for i, p := range parts {
		params := &tg.SendMessageParams{
			ChatID:          to.chatID,
			MessageThreadID: to.thread,
			Text:            p,
			ParseMode:       models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{
				IsDisabled: tg.True(),
			},
		}
		if i == 0 && to.replyTo != 0 {
			params.ReplyParameters = &models.ReplyParameters{MessageID: to.replyTo, AllowSendingWithoutReply: true}
		}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		var msg *models.Message
		err := b.callAPI(ctx, to.chatID, func(ctx context.Context) error {
			var err error
			msg, err = b.api.SendMessage(ctx, params)
			return err
		})
		if err != nil {
			b.metrics.errors.WithLabelValues("telegram").Inc()
			noteUndelivered(ctx, err)
			return first, last, err
		}
		if first == nil {
			first = msg
		}
		last = msg
	}
	return first, last, nil
}

// edit replaces a message's text, retrying as callAPI does; "message is
// not modified" is success.
func (b *Bot) edit(ctx context.Context, chatID int64, msgID int, htmlText string, kb *models.InlineKeyboardMarkup) error {
	return b.callAPI(ctx, chatID, func(ctx context.Context) error { return b.editOnce(ctx, editParams(chatID, msgID, htmlText, kb)) })
}

func editParams(chatID int64, msgID int, htmlText string, kb *models.InlineKeyboardMarkup) *tg.EditMessageTextParams {
	params := &tg.EditMessageTextParams{
		ChatID:    chatID,
		MessageID: msgID,
		Text:      htmlText,
		ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{
			IsDisabled: tg.True(),
		},
	}
	if kb != nil && len(kb.InlineKeyboard) > 0 {
		params.ReplyMarkup = kb
	}
	return params
}

// editOnce makes one editMessageText call; "message is not modified" is
// success.
func (b *Bot) editOnce(ctx context.Context, params *tg.EditMessageTextParams) error {
	_, err := b.api.EditMessageText(ctx, params)
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return err
}

// callAPI runs one Bot API call until it succeeds, Telegram refuses it
// for good (a 4xx other than 429), ctx is cancelled, or its time budget
// (withBudget; sendWindow by default) is spent. A call that sends to a
// chat (chatID not 0) first waits for its turn under the flood limits;
// that wait does not count against the budget. Each attempt has
// SendTimeout. A 429 waits out its retry_after; 5xx answers, timeouts,
// connection errors and answers that do not decode are retried after a
// growing pause with jitter. Retrying a call that timed out may deliver a
// message twice, which beats never delivering it.
func (b *Bot) callAPI(ctx context.Context, chatID int64, call func(ctx context.Context) error) error {
	budget := sendWindow
	if d, ok := ctx.Value(budgetKey{}).(time.Duration); ok {
		budget = d
	}
	deadline := time.Now().Add(budget)
	backoff := b.opts.SendBackoff
	for {
		done := func() {}
		if chatID != 0 {
			waited, release, err := b.pacer.wait(ctx, chatID)
			if err != nil {
				return err
			}
			deadline = deadline.Add(waited)
			done = release
		}
		actx, cancel := context.WithTimeout(ctx, b.opts.SendTimeout)
		err := call(actx)
		cancel()
		done()
		if err == nil || permanent(err) || ctx.Err() != nil {
			return err
		}
		wait := backoff + rand.N(backoff)
		backoff = min(2*backoff, maxBackoffFactor*b.opts.SendBackoff)
		var tooMany *tg.TooManyRequestsError
		if errors.As(err, &tooMany) {
			b.metrics.errors.WithLabelValues("rate_limited_by_telegram").Inc()
			wait = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			b.log.Warn("telegram asked to slow down", "chat_id", chatID, "retry_after_s", tooMany.RetryAfter)
		} else {
			b.metrics.errors.WithLabelValues("telegram_retry").Inc()
			b.log.Warn("bot API call failed; retrying", "chat_id", chatID, b.errAttr(err), "retry_in", wait)
		}
		if time.Until(deadline) < wait {
			return err // no time left for another attempt
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

type budgetKey struct{}

// withBudget sets how long callAPI may keep retrying the calls made under
// ctx, not counting waits for the flood limits.
func withBudget(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, budgetKey{}, d)
}

// permanent reports whether Telegram refused a call for good: retrying
// the same call cannot succeed.
func permanent(err error) bool {
	var migrate *tg.MigrateError
	return errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorForbidden) ||
		errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) ||
		errors.Is(err, tg.ErrorConflict) || errors.As(err, &migrate)
}

// delivery records, for one update, whether a message failed to reach
// Telegram for a reason that may pass (the update is then handled again
// later); it travels in the handler's context.
type delivery struct{ failed atomic.Bool }

type deliveryKey struct{}

func withDelivery(ctx context.Context) (context.Context, *delivery) {
	d := &delivery{}
	return context.WithValue(ctx, deliveryKey{}, d), d
}

// noteUndelivered marks the update being handled undelivered, unless
// Telegram refused the message for good.
func noteUndelivered(ctx context.Context, err error) {
	if d, ok := ctx.Value(deliveryKey{}).(*delivery); ok && !permanent(err) {
		d.failed.Store(true)
	}
}

// say sends a short plain message (escaped here) and logs a failure.
func (b *Bot) say(ctx context.Context, to target, text string) {
	if _, err := b.send(ctx, to, esc(text), nil); err != nil {
		b.log.Warn("send message failed", "chat_id", to.chatID, b.errAttr(err))
	}
}

// typing shows "typing…" until the returned function is called. Failures
// are harmless (some servers do not support the call) and only logged at
// debug level. A call in flight is let finish rather than cancelled, which
// would cost the connection it uses.
func (b *Bot) typing(ctx context.Context, chatID int64) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, err := b.api.SendChatAction(cctx, &tg.SendChatActionParams{ChatID: chatID, Action: models.ChatActionTyping})
			ccancel()
			if err != nil {
				b.log.Debug("sendChatAction failed", "chat_id", chatID, b.errAttr(err))
			}
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-time.After(4500 * time.Millisecond):
			}
		}
	}()
	return func() { close(quit); <-done }
}
