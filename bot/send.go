package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// maxSendAttempts bounds retries of one Bot API call after 429 answers.
const maxSendAttempts = 3

// target is where a reply goes.
type target struct {
	chatID  int64
	replyTo int // message to reply to; 0 for none
}

// send delivers an HTML message, split into parts that fit, with the
// keyboard on the last part. It returns the first part's message.
func (b *Bot) send(ctx context.Context, to target, htmlText string, kb *models.InlineKeyboardMarkup) (*models.Message, error) {
	parts := splitHTML(htmlText, maxMessageLen)
	var first *models.Message
	for i, p := range parts {
		params := &tg.SendMessageParams{
			ChatID:    to.chatID,
			Text:      p,
			ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{
				IsDisabled: tg.True(),
			},
		}
		if i == 0 && to.replyTo != 0 {
			params.ReplyParameters = &models.ReplyParameters{MessageID: to.replyTo, AllowSendingWithoutReply: true}
		}
		if i == len(parts)-1 && kb != nil && len(kb.InlineKeyboard) > 0 {
			params.ReplyMarkup = kb
		}
		var msg *models.Message
		err := b.retry429(ctx, func() error {
			var err error
			msg, err = b.api.SendMessage(ctx, params)
			return err
		})
		if err != nil {
			b.metrics.errors.WithLabelValues("telegram").Inc()
			return first, err
		}
		if first == nil {
			first = msg
		}
	}
	return first, nil
}

// edit replaces a message's text; "message is not modified" is success.
func (b *Bot) edit(ctx context.Context, chatID int64, msgID int, htmlText string, kb *models.InlineKeyboardMarkup) error {
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
	_, err := b.api.EditMessageText(ctx, params)
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	return err
}

// retry429 runs call, waiting out Telegram's retry_after on 429 answers.
func (b *Bot) retry429(ctx context.Context, call func() error) error {
	var err error
	for attempt := 0; attempt < maxSendAttempts; attempt++ {
		err = call()
		var tooMany *tg.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			return err
		}
		b.metrics.errors.WithLabelValues("rate_limited_by_telegram").Inc()
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		b.log.Warn("telegram asked to slow down", "retry_after_s", tooMany.RetryAfter)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	return err
}

// say sends a short plain message (escaped here) and logs a failure.
func (b *Bot) say(ctx context.Context, to target, text string) {
	if _, err := b.send(ctx, to, esc(text), nil); err != nil {
		b.log.Warn("send message failed", "chat_id", to.chatID, b.errAttr(err))
	}
}

// typing shows "typing…" until the returned function is called. Failures
// are harmless (some servers do not support the call) and only logged at
// debug level.
func (b *Bot) typing(ctx context.Context, chatID int64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := b.api.SendChatAction(cctx, &tg.SendChatActionParams{ChatID: chatID, Action: models.ChatActionTyping})
			ccancel()
			if err != nil && ctx.Err() == nil {
				b.log.Debug("sendChatAction failed", "chat_id", chatID, b.errAttr(err))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(4500 * time.Millisecond):
			}
		}
	}()
	return func() { cancel(); <-done }
}
