package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"kbot/bot/store"
	"kbot/knowledge"
)

// Recorder keeps the durable record of questions and votes that admins
// read in /gaps and /stats. *store.Store satisfies it.
type Recorder interface {
	// RecordQuestion queues a question's record; it never waits for the
	// disk.
	RecordQuestion(store.Question) error
	// RecordVote records or changes a user's vote on an answer, waiting
	// for it while ctx lasts; store.ErrUnknownAnswer means the answer is
	// not on record.
	RecordVote(ctx context.Context, v store.Vote) error
	Gaps(ctx context.Context, since time.Time) ([]store.Gap, error)
	Stats(ctx context.Context, since time.Time) (store.Stats, error)
	Status() store.Status
}

// Vote buttons. Callback data:
//
//	v:u          👍 on the answer the button is under
//	v:d          👎, then the reasons are offered
//	v:d:<code>   👎 with a reason (store.Reason codes are short ASCII)
const kindVote = 'v'

// voteRow is the row of vote buttons under an answer; chosen marks the
// current vote (0 for none).
func voteRow(chosen store.Verdict) []models.InlineKeyboardButton {
	up, down := "👍 有帮助", "👎 没帮助"
	switch chosen {
	case store.ThumbsUp:
		up = "✅ 👍 有帮助"
	case store.ThumbsDown:
		down = "✅ 👎 没帮助"
	}
	return []models.InlineKeyboardButton{{Text: up, CallbackData: "v:u"}, {Text: down, CallbackData: "v:d"}}
}

// reasonRow offers the reasons for a 👎.
func reasonRow() []models.InlineKeyboardButton {
	var row []models.InlineKeyboardButton
	for _, r := range store.Reasons() {
		row = append(row, models.InlineKeyboardButton{Text: r.Label(), CallbackData: "v:d:" + string(r)})
	}
	return row
}

// withVotes adds the vote row to an answer's keyboard.
func withVotes(kb *models.InlineKeyboardMarkup) *models.InlineKeyboardMarkup {
	if kb == nil {
		kb = &models.InlineKeyboardMarkup{}
	}
	kb.InlineKeyboard = append(kb.InlineKeyboard, voteRow(0))
	return kb
}

// replaceVoteRows returns the keyboard of a message with its vote or
// reason rows replaced by row.
func replaceVoteRows(old models.InlineKeyboardMarkup, row []models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	kb := &models.InlineKeyboardMarkup{}
	for _, r := range old.InlineKeyboard {
		if len(r) > 0 && strings.HasPrefix(r[0].CallbackData, "v:") {
			continue
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	kb.InlineKeyboard = append(kb.InlineKeyboard, row)
	return kb
}

// recordQuestion writes what became of a question to the record, if
// there is one. answerMsg is the message that carries the vote buttons.
func (b *Bot) recordQuestion(r *request, text string, outcome string, a knowledge.Answer, scope string, answerMsg int) {
	if b.opts.Record == nil {
		return
	}
	q := store.Question{
		At:       r.received,
		Text:     text,
		ChatType: store.ChatType(r.chatType),
		County:   scope,
		Mode:     string(a.Mode),
		Answer:   store.AnswerRef{ChatID: r.chatID, MessageID: answerMsg},
	}
	switch outcome {
	case outcomeAnswered:
		q.Outcome = store.Answered
	case outcomeRefused:
		q.Outcome = store.Refused
		q.Reason = refusalReason(a)
	default:
		q.Outcome = store.Failed
		q.Reason = outcome
	}
	seen := map[string]bool{}
	for _, c := range a.Citations {
		if c.ArticleID == "" || seen[c.ArticleID] {
			continue
		}
		seen[c.ArticleID] = true
		art := store.Article{ID: c.ArticleID, Title: c.Title}
		if _, full, ok := b.kb.Chunk(c.ChunkID); ok && len(full.Regions) > 0 {
			art.County = full.Regions[0]
		}
		q.Articles = append(q.Articles, art)
	}
	if err := b.opts.Record.RecordQuestion(q); err != nil {
		b.log.Warn("record question", "chat_id", r.chatID, "err", err)
		b.metrics.errors.WithLabelValues("record").Inc()
	}
}

// refusalReason says in a few words why an answer is a refusal.
func refusalReason(a knowledge.Answer) string {
	if a.Reason != "" {
		return string(a.Reason)
	}
	return "no relevant passage"
}

// handleVote records a vote pressed under an answer and updates the
// buttons: after 👎 the reasons are offered, one tap each.
func (b *Bot) handleVote(ctx context.Context, q *models.CallbackQuery, arg string) (notice, outcome string) {
	m := q.Message.Message
	if b.opts.Record == nil || m == nil {
		return "这个回答已无法评价。", outcomeStale
	}
	v := store.Vote{Answer: store.AnswerRef{ChatID: m.Chat.ID, MessageID: m.ID}, UserID: q.From.ID, At: time.Now()}
	var row []models.InlineKeyboardButton
	switch {
	case arg == "u":
		v.Verdict = store.ThumbsUp
		notice, row = "谢谢您的反馈！", voteRow(store.ThumbsUp)
	case arg == "d":
		v.Verdict = store.ThumbsDown
		notice, row = "谢谢反馈。可以再点一下原因，帮助我们改进。", reasonRow()
	case strings.HasPrefix(arg, "d:"):
		reason, err := store.ParseReason(strings.TrimPrefix(arg, "d:"))
		if err != nil {
			return "这个按钮已过期，请重新提问。", outcomeStale
		}
		v.Verdict, v.Reason = store.ThumbsDown, reason
		notice, row = "已记录："+reason.Label()+"。谢谢！", voteRow(store.ThumbsDown)
	default:
		return "这个按钮已过期，请重新提问。", outcomeStale
	}
	vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := b.opts.Record.RecordVote(vctx, v)
	switch {
	case errors.Is(err, store.ErrUnknownAnswer):
		return "这个回答已无法评价。", outcomeStale
	case err != nil:
		b.log.Warn("record vote", "chat_id", m.Chat.ID, "err", err)
		b.metrics.errors.WithLabelValues("record").Inc()
		return "反馈暂时无法保存，请稍后再试。", outcomeError
	}
	b.metrics.votes.WithLabelValues(voteLabel(v)).Inc()
	var old models.InlineKeyboardMarkup
	if m.ReplyMarkup != nil {
		old = *m.ReplyMarkup
	}
	kb := replaceVoteRows(old, row)
	if err := b.callAPI(ctx, m.Chat.ID, func(ctx context.Context) error {
		_, err := b.api.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: m.Chat.ID, MessageID: m.ID, ReplyMarkup: kb})
		return err
	}); err != nil && !strings.Contains(err.Error(), "message is not modified") {
		b.log.Debug("update vote buttons failed", "chat_id", m.Chat.ID, b.errAttr(err))
	}
	return notice, outcomeDone
}

func voteLabel(v store.Vote) string {
	if v.Verdict == store.ThumbsUp {
		return "up"
	}
	if v.Reason != "" {
		return "down_" + string(v.Reason)
	}
	return "down"
}
