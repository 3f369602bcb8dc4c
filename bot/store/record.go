package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Limits on what a record keeps; longer values are cut.
const (
	MaxTextRunes   = 500 // question text
	maxShortRunes  = 200 // reasons, titles, article IDs
	maxArticles    = 20  // cited articles per answer
	hashBytes      = 16
	chatHashDomain = "chat"
	userHashDomain = "user"
)

// ChatType is the type of the Telegram chat a question came from.
type ChatType string

// Telegram's chat types.
const (
	ChatPrivate    ChatType = "private"
	ChatGroup      ChatType = "group"
	ChatSupergroup ChatType = "supergroup"
	ChatChannel    ChatType = "channel"
)

func (t ChatType) valid() bool {
	switch t {
	case ChatPrivate, ChatGroup, ChatSupergroup, ChatChannel:
		return true
	}
	return false
}

// Outcome is what became of a question.
type Outcome string

// Outcomes.
const (
	Answered Outcome = "answered"
	Refused  Outcome = "refused" // the knowledge base held nothing relevant enough
	Failed   Outcome = "error"   // kbot could not answer (a model or Bot API failure)
)

func (o Outcome) valid() bool {
	switch o {
	case Answered, Refused, Failed:
		return true
	}
	return false
}

// AnswerRef names the Telegram message that carries an answer and its vote
// buttons. Only a keyed hash of ChatID is stored.
type AnswerRef struct {
	ChatID    int64
	MessageID int // 0 when no message carries the answer
}

// Article is a cited article as the statistics name it.
type Article struct {
	ID     string
	Title  string
	County string
}

// Question is one question put to kbot and what became of it.
type Question struct {
	At       time.Time // when it was asked; zero means now
	Text     string    // as the user wrote it; whitespace is collapsed
	ChatType ChatType
	County   string // the county the answer was scoped to; "" for all
	Outcome  Outcome
	// Reason says why a question was refused or failed, in a few words
	// (the knowledge base's refusal reason, an error kind). It must not
	// carry secrets or a provider's raw error.
	Reason   string
	Mode     string    // how the answer was made: extractive, llm, catalog…
	Articles []Article // cited, in the answer's order; repeats are dropped
	Answer   AnswerRef
}

// Verdict is a vote's direction.
type Verdict int8

// Verdicts.
const (
	ThumbsUp   Verdict = 1
	ThumbsDown Verdict = -1
)

// Reason is why a user marked an answer 👎. Its value is a short ASCII code,
// fit for callback data; Label gives the Chinese a user sees.
type Reason string

// Reasons a user can give after 👎.
const (
	ReasonOffTopic    Reason = "off_topic"    // 答非所问
	ReasonIncomplete  Reason = "incomplete"   // 不完整
	ReasonBadCitation Reason = "bad_citation" // 引用有误
	ReasonNotFound    Reason = "not_found"    // 没找到
)

var reasonLabels = map[Reason]string{
	ReasonOffTopic:    "答非所问",
	ReasonIncomplete:  "不完整",
	ReasonBadCitation: "引用有误",
	ReasonNotFound:    "没找到",
}

// Reasons returns the reasons in the order a keyboard shows them.
func Reasons() []Reason {
	return []Reason{ReasonOffTopic, ReasonIncomplete, ReasonBadCitation, ReasonNotFound}
}

// Label returns the reason in Chinese, or the code itself when unknown.
func (r Reason) Label() string {
	if l, ok := reasonLabels[r]; ok {
		return l
	}
	return string(r)
}

// ParseReason accepts a reason's code or its Chinese label.
func ParseReason(s string) (Reason, error) {
	for r, l := range reasonLabels {
		if s == string(r) || s == l {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: unknown vote reason %q", ErrInvalid, s)
}

// Vote is one user's judgement of one answer.
type Vote struct {
	Answer  AnswerRef
	UserID  int64 // stored only as a keyed hash
	Verdict Verdict
	Reason  Reason    // only with ThumbsDown; "" for none
	At      time.Time // zero means now
}

// RecordQuestion queues q for the writer and returns at once, without
// waiting for the disk: it is meant for the answer path. It returns an error
// wrapping ErrInvalid for a question that cannot be stored, ErrQueueFull
// when the queue has no room (q is dropped and counted), and ErrClosed after
// Close. A queued question that later cannot be written is counted in
// Status and logged. Recording the same answer message twice keeps the
// first record.
func (s *Store) RecordQuestion(q Question) error {
	row, err := s.questionRow(q)
	if err != nil {
		return err
	}
	return s.submit(&item{apply: func(w *writeTx) error { return w.insertQuestion(row) }, record: true})
}

// RecordVote stores v, replacing the user's earlier vote on the same
// answer — except that a 👎 without a reason keeps the reason of an
// earlier 👎 (pressing 👎 again, or a late delivery of the first press,
// does not take the reason back) — and waits for the commit while ctx lasts, so that the voter can be
// told whether it counted. When ctx ends first the vote stays queued and
// the error wraps ctx's. Besides RecordQuestion's errors it returns
// ErrUnknownAnswer when no recorded question carries the voted message
// (never recorded, or deleted by retention). Votes are queued behind the
// questions before them, so a vote on an answer just recorded finds it.
func (s *Store) RecordVote(ctx context.Context, v Vote) error {
	if v.Answer.MessageID <= 0 {
		return fmt.Errorf("%w: vote without an answer message", ErrInvalid)
	}
	if v.Verdict != ThumbsUp && v.Verdict != ThumbsDown {
		return fmt.Errorf("%w: vote verdict %d", ErrInvalid, v.Verdict)
	}
	if v.Reason != "" {
		if _, ok := reasonLabels[v.Reason]; !ok {
			return fmt.Errorf("%w: unknown vote reason %q", ErrInvalid, v.Reason)
		}
		if v.Verdict != ThumbsDown {
			return fmt.Errorf("%w: a reason goes with 👎 only", ErrInvalid)
		}
	}
	if v.At.IsZero() {
		v.At = s.cfg.now()
	}
	return s.do(ctx, true, func(w *writeTx) error { return w.upsertVote(v) })
}

// itemError reports whether err concerns one record only, so that the
// batch it was written in can still commit.
func itemError(err error) bool {
	return errors.Is(err, ErrUnknownAnswer)
}

// questionRow is a validated, cleaned question ready to insert.
type questionRow struct {
	Question
	text string
}

func (s *Store) questionRow(q Question) (questionRow, error) {
	text := clean(q.Text, MaxTextRunes)
	if text == "" {
		return questionRow{}, fmt.Errorf("%w: question without text", ErrInvalid)
	}
	if !q.ChatType.valid() {
		return questionRow{}, fmt.Errorf("%w: chat type %q", ErrInvalid, q.ChatType)
	}
	if !q.Outcome.valid() {
		return questionRow{}, fmt.Errorf("%w: outcome %q", ErrInvalid, q.Outcome)
	}
	if q.Answer.MessageID < 0 {
		return questionRow{}, fmt.Errorf("%w: message ID %d", ErrInvalid, q.Answer.MessageID)
	}
	if q.At.IsZero() {
		q.At = s.cfg.now()
	}
	q.County = clean(q.County, maxShortRunes)
	q.Reason = clean(q.Reason, maxShortRunes)
	q.Mode = clean(q.Mode, maxShortRunes)
	seen := make(map[string]bool, len(q.Articles))
	arts := make([]Article, 0, len(q.Articles))
	for _, a := range q.Articles {
		a = Article{ID: clean(a.ID, maxShortRunes), Title: clean(a.Title, maxShortRunes), County: clean(a.County, maxShortRunes)}
		if a.ID == "" || seen[a.ID] || len(arts) == maxArticles {
			continue
		}
		seen[a.ID] = true
		arts = append(arts, a)
	}
	q.Articles = arts
	return questionRow{Question: q, text: text}, nil
}

func (w *writeTx) insertQuestion(q questionRow) error {
	res, err := w.exec(w.h.insertQuestion,
		q.At.UnixMilli(), string(q.ChatType), hashID(w.h.salt, chatHashDomain, q.Answer.ChatID), q.Answer.MessageID,
		q.text, q.County, string(q.Outcome), q.Reason, q.Mode)
	if err != nil {
		return fmt.Errorf("insert question: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert question: %w", err)
	}
	if n == 0 {
		return nil // this answer message is on record already
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert question: %w", err)
	}
	for i, a := range q.Articles {
		if _, err := w.exec(w.h.insertCitation, id, i, a.ID, a.Title, a.County); err != nil {
			return fmt.Errorf("insert citation %q: %w", a.ID, err)
		}
	}
	return nil
}

func (w *writeTx) upsertVote(v Vote) error {
	var qid int64
	err := w.tx.StmtContext(w.ctx, w.h.findAnswer).QueryRowContext(w.ctx,
		hashID(w.h.salt, chatHashDomain, v.Answer.ChatID), v.Answer.MessageID).Scan(&qid)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrUnknownAnswer
	}
	if err != nil {
		return fmt.Errorf("find voted answer: %w", err)
	}
	_, err = w.exec(w.h.upsertVote, qid, hashID(w.h.salt, userHashDomain, v.UserID), int(v.Verdict), string(v.Reason), v.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("upsert vote: %w", err)
	}
	return nil
}

// hashID is the stored form of a Telegram ID: HMAC-SHA-256 keyed with the
// database's salt, over the domain and the ID, cut to 16 bytes. The domain
// keeps a user's hash apart from the hash of their private chat.
func hashID(salt []byte, domain string, id int64) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(domain))
	m.Write([]byte{':'})
	m.Write(strconv.AppendInt(nil, id, 10))
	return m.Sum(nil)[:hashBytes]
}

// clean collapses runs of white space to one space, drops control
// characters and cuts s to max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			continue
		}
		if n == max {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
			if n == max {
				break
			}
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
