package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/go-telegram/bot/models"
)

// request is one message the bot decided to act on.
type request struct {
	updateID int64
	msg      *models.Message
	chatID   int64
	chatType string // private, group, supergroup
	userID   int64
	group    bool
	// cmd is the command without "/" and "@name", lower case; "" for a
	// question.
	cmd  string
	args string
	to   target
	// received is when the update arrived, for latency figures.
	received time.Time
}

// Outcomes recorded in the log and metrics.
const (
	outcomeIgnored     = "ignored"
	outcomeAnswered    = "answered"
	outcomeRefused     = "refused"
	outcomeTimeout     = "timeout"
	outcomeError       = "error"
	outcomeDenied      = "denied"
	outcomeRateLimited = "rate_limited"
	outcomeDone        = "done"
	outcomeStale       = "stale"
)

// handleUpdate routes one update and logs what came of it.
func (b *Bot) handleUpdate(ctx context.Context, in *incoming) {
	u := in.upd
	var (
		kind    = "other"
		outcome = outcomeIgnored
		chatID  int64
		userID  int64
	)
	switch {
	case u.Message != nil:
		kind = "message"
		chatID = u.Message.Chat.ID
		if u.Message.From != nil {
			userID = u.Message.From.ID
		}
		kind, outcome = b.handleMessage(ctx, in)
	case u.CallbackQuery != nil:
		kind = "callback"
		userID = u.CallbackQuery.From.ID
		chatID, _ = callbackMessage(u.CallbackQuery)
		outcome = b.handleCallback(ctx, u.CallbackQuery)
	}
	b.metrics.updates.WithLabelValues(kind, outcome).Inc()
	level := slog.LevelInfo
	if outcome == outcomeIgnored {
		level = slog.LevelDebug
	}
	b.log.Log(ctx, level, "update handled",
		"update_id", u.ID, "chat_id", chatID, "user_id", userID,
		"kind", kind, "outcome", outcome,
		"latency_ms", time.Since(in.received).Milliseconds())
}

// handleMessage applies the chat rules and runs the command or question.
// It returns what kind of request it was and the outcome.
func (b *Bot) handleMessage(ctx context.Context, in *incoming) (kind, outcome string) {
	m := in.upd.Message
	if m.From == nil {
		return "message", outcomeIgnored
	}
	userID := m.From.ID
	if m.From.IsBot {
		// A group admin who posts anonymously appears as a bot, with the
		// group as the sender chat; the group stands in for the person.
		if m.SenderChat == nil || m.SenderChat.ID != m.Chat.ID {
			return "message", outcomeIgnored
		}
		userID = m.Chat.ID
	}
	r := &request{
		updateID: in.upd.ID,
		msg:      m,
		chatID:   m.Chat.ID,
		chatType: string(m.Chat.Type),
		userID:   userID,
		received: in.received,
		to:       target{chatID: m.Chat.ID},
	}
	if m.IsTopicMessage {
		r.to.thread = m.MessageThreadID
	}
	switch m.Chat.Type {
	case models.ChatTypePrivate:
	case models.ChatTypeGroup, models.ChatTypeSupergroup:
		r.group = true
		r.to.replyTo = m.ID
	default:
		return "message", outcomeIgnored
	}

	text := strings.TrimSpace(m.Text)
	if text == "" {
		text = strings.TrimSpace(m.Caption)
	}
	cmd, args, forUs, isCmd := b.parseCommand(text)
	switch {
	case isCmd && !forUs:
		return "command", outcomeIgnored // /cmd@OtherBot
	case isCmd:
		r.cmd, r.args = cmd, args
	case m.Document != nil && !r.group:
		r.cmd = "document"
	case r.group:
		q, addressed := b.addressed(m, text)
		if !addressed {
			return "message", outcomeIgnored
		}
		r.args = q
	default:
		r.args = text
	}
	kind = "question"
	if r.cmd != "" {
		kind = r.cmd
		if _, known := b.commands[r.cmd]; !known && r.cmd != "document" {
			kind = "unknown_command"
			if r.group && !strings.Contains(strings.Fields(text)[0], "@") {
				// A bare unknown command in a group may be meant for
				// another bot: stay quiet, and do not charge it to the
				// sender's rate limit or answer it with a refusal.
				return kind, outcomeIgnored
			}
		}
	}

	if !b.allowed(r.chatID, r.userID) {
		b.log.Warn("request from a chat or user not on the allow-list", "update_id", r.updateID, "chat_id", r.chatID, "user_id", r.userID, "kind", kind)
		b.say(ctx, r.to, "抱歉，您没有使用本机器人的权限。如需开通，请联系管理员。")
		return kind, outcomeDenied
	}
	// An update handled again because its answer was not delivered was
	// charged the first time.
	if !b.isAdmin(r.userID) && in.redeliveries == 0 {
		if ok, notify := b.limiter.allow(r.userID, time.Now()); !ok {
			b.metrics.limited()
			if notify {
				b.say(ctx, r.to, "您的提问太频繁了，请稍等一会儿再试。")
			}
			return kind, outcomeRateLimited
		}
	}

	switch r.cmd {
	case "":
		return kind, b.cmdQuestion(ctx, r)
	case "document":
		return kind, b.cmdDocument(ctx, r)
	}
	c, ok := b.commands[r.cmd]
	if !ok {
		b.say(ctx, r.to, "没有这个命令。发送 /help 查看用法。")
		return kind, outcomeDone
	}
	if c.admin && !b.isAdmin(r.userID) {
		b.log.Warn("admin command refused", "update_id", r.updateID, "chat_id", r.chatID, "user_id", r.userID, "command", r.cmd)
		b.say(ctx, r.to, "抱歉，该命令仅限管理员使用。")
		return kind, outcomeDenied
	}
	return kind, c.run(b, ctx, r)
}

// parseCommand recognises "/cmd args" and "/cmd@BotName args". forUs is
// false when the command names another bot.
func (b *Bot) parseCommand(text string) (cmd, args string, forUs, isCmd bool) {
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", "", false, false
	}
	head, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, rest = head[:i], head[i:]+" "+rest
	}
	name, at, hasAt := strings.Cut(head[1:], "@")
	if name == "" {
		return "", "", false, false
	}
	forUs = !hasAt || strings.EqualFold(at, b.username())
	return strings.ToLower(name), strings.TrimSpace(rest), forUs, true
}

// addressed reports whether a group message is meant for the bot (it
// mentions the bot or replies to one of its messages) and returns the
// question with the mention removed.
func (b *Bot) addressed(m *models.Message, text string) (string, bool) {
	name := b.username()
	mention := false
	if name != "" {
		at := "@" + name
		for _, e := range m.Entities {
			if e.Type == models.MessageEntityTypeTextMention && e.User != nil && e.User.ID == b.botID() {
				mention = true
			}
		}
		if i := indexFold(text, at); i >= 0 {
			mention = true
			text = text[:i] + text[i+len(at):]
		}
	}
	reply := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == b.botID() && b.botID() != 0
	return strings.TrimSpace(text), mention || reply
}

// indexFold finds an ASCII @mention in s, ignoring case, and not as the
// prefix of a longer username.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i] != sub[0] || !strings.EqualFold(s[i:i+len(sub)], sub) {
			continue
		}
		if j := i + len(sub); j < len(s) && isNameByte(s[j]) {
			continue
		}
		return i
	}
	return -1
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (b *Bot) isAdmin(userID int64) bool { return b.admins[userID] }

// allowed applies the optional allow-lists.
func (b *Bot) allowed(chatID, userID int64) bool {
	if len(b.chats) == 0 && len(b.users) == 0 {
		return true
	}
	return b.isAdmin(userID) || b.chats[chatID] || b.users[userID]
}
