package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"kbot/knowledge"
)

// maxQuestionRunes bounds a question's length, as the knowledge base does.
const maxQuestionRunes = knowledge.MaxQuestionRunes

// cmdQuestion answers a question: it waits for an answer slot, asks the
// knowledge base under the question deadline, streams partial text when
// the writer offers it, and sends the answer with its sources and
// buttons. The user always hears back: an answer, a timeout notice or an
// apology.
func (b *Bot) cmdQuestion(ctx context.Context, r *request) string {
	text := strings.TrimSpace(r.args)
	if text == "" {
		if r.group {
			b.askForQuestion(ctx, r)
		} else {
			b.say(ctx, r.to, "请直接发送您的问题，例如："+b.examples()[0])
		}
		return outcomeDone
	}
	if utf8.RuneCountInString(text) > maxQuestionRunes {
		b.say(ctx, r.to, fmt.Sprintf("问题太长了（%d 字），请精简到 %d 字以内再问。", utf8.RuneCountInString(text), maxQuestionRunes))
		return outcomeDone
	}
	b.log.Debug("question", "update_id", r.updateID, "chat_id", r.chatID, "text", text)
	// A chat's questions are answered concurrently, so answers may arrive
	// in another order than asked; quoting the question ties each answer
	// to it, in private chats as in groups.
	if r.to.replyTo == 0 && r.msg != nil {
		r.to.replyTo = r.msg.ID
	}

	scope := b.scopes.get(r.chatID)
	outcome, a, answerMsg := b.answer(ctx, r, text, scope)
	b.metrics.answered(outcome, time.Since(r.received).Seconds())
	if a.Region != "" {
		scope = a.Region // a county named in the question wins
	}
	b.recordQuestion(r, text, outcome, a, scope, answerMsg)
	return outcome
}

// answer answers a question within the chat's scope (a county, or "" for
// all) and returns the outcome, the answer and the message that carries
// its buttons (0 when none was delivered).
func (b *Bot) answer(ctx context.Context, r *request, text, scope string) (string, knowledge.Answer, int) {
	stopTyping := b.typing(ctx, r.chatID)
	defer stopTyping()

	qctx, cancel := context.WithTimeout(ctx, b.opts.QuestionTimeout)
	defer cancel()
	b.metrics.waiting.Inc()
	select {
	case b.answers <- struct{}{}:
		b.metrics.waiting.Dec()
	case <-qctx.Done():
		b.metrics.waiting.Dec()
		b.log.Warn("no answer slot before the question deadline", "update_id", r.updateID, "chat_id", r.chatID)
		b.say(ctx, r.to, "抱歉，现在提问的人比较多，请稍后再试。")
		return outcomeTimeout, knowledge.Answer{}, 0
	}

	st := b.newStream(ctx, r.to)
	q := knowledge.Question{
		Text:      text,
		Region:    scope,
		History:   b.history.recent(r.chatID, r.userID, time.Now()),
		OnPartial: st.partial,
	}
	type result struct {
		a   knowledge.Answer
		err error
	}
	done := make(chan result, 1)
	b.metrics.inflight.Inc()
	go func() {
		// The slot is held until Ask returns, even past the deadline, so
		// the bound on concurrent work holds for a slow knowledge base.
		defer func() {
			<-b.answers
			b.metrics.inflight.Dec()
		}()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("knowledge base panicked: %v", p)}
			}
		}()
		a, err := b.kb.Ask(qctx, q)
		done <- result{a, err}
	}()

	var res result
	select {
	case res = <-done:
	case <-qctx.Done():
		res.err = qctx.Err()
	}
	msgID, notBefore, partial := st.stop()

	switch {
	case res.err != nil && errors.Is(res.err, context.DeadlineExceeded) && qctx.Err() != nil:
		b.log.Warn("question deadline passed", "update_id", r.updateID, "chat_id", r.chatID, "timeout", b.opts.QuestionTimeout)
		msg := "抱歉，这个问题回答超时了，请稍后再试，或换个更具体的问法。"
		if msgID != 0 {
			b.finish(ctx, r.to, msgID, notBefore, esc(partial)+"\n\n<i>"+esc(msg)+"</i>", nil)
		} else {
			b.say(ctx, r.to, msg)
		}
		return outcomeTimeout, knowledge.Answer{}, 0
	case errors.Is(res.err, knowledge.ErrNotReady):
		b.log.Warn("question while the knowledge base is not loaded", "update_id", r.updateID, "chat_id", r.chatID)
		b.say(ctx, r.to, "知识库正在载入，请稍后再问。")
		return outcomeError, knowledge.Answer{}, 0
	case errors.Is(res.err, knowledge.ErrQuestionTooLong), errors.Is(res.err, knowledge.ErrEmptyQuestion):
		b.say(ctx, r.to, fmt.Sprintf("请用一句话提问（%d 字以内）。", maxQuestionRunes))
		return outcomeDone, knowledge.Answer{}, 0
	case res.err != nil:
		b.log.Error("answer failed", "update_id", r.updateID, "chat_id", r.chatID, b.errAttr(res.err))
		b.metrics.errors.WithLabelValues("knowledge").Inc()
		msg := "抱歉，暂时无法回答这个问题，请稍后再试。"
		if msgID != 0 {
			b.finish(ctx, r.to, msgID, notBefore, esc(msg), nil)
		} else {
			b.say(ctx, r.to, msg)
		}
		return outcomeError, knowledge.Answer{}, 0
	}

	a := res.a
	shown := scope
	if a.Region != "" {
		shown = a.Region
	}
	html := renderAnswer(a, b.sourceDetails(a.Citations), shown)
	kb := citationKeyboard(a.Citations)
	if b.opts.Record != nil {
		kb = withVotes(kb)
	}
	// Delivery is retried within the question deadline, and gets a
	// few seconds however long the answer took.
	budget := max(time.Until(r.received.Add(b.opts.QuestionTimeout)), minSendTries*b.opts.SendBackoff)
	dctx := withBudget(ctx, budget)
	// Remembered before it is sent, so that a /source sent the moment
	// the answer shows finds its sources.
	b.history.add(r.chatID, r.userID, knowledge.Turn{Question: text, Answer: a.Text}, a.Citations, time.Now())
	var err error
	var answerMsg int
	if msgID != 0 {
		answerMsg, err = b.finish(dctx, r.to, msgID, notBefore, html, kb)
	} else {
		var last *models.Message
		_, last, err = b.sendParts(dctx, r.to, html, kb)
		answerMsg = msgOf(last)
	}
	if err != nil {
		b.log.Error("send answer failed", "update_id", r.updateID, "chat_id", r.chatID, b.errAttr(err))
		return outcomeError, a, 0
	}
	if a.Refused {
		return outcomeRefused, a, answerMsg
	}
	return outcomeAnswered, a, answerMsg
}

// sourceDetails says where each cited passage stands (its issue and
// pages, when known), by citation number, as " · 2020年7—8月 第5–8页".
func (b *Bot) sourceDetails(cites []knowledge.Citation) map[int]string {
	out := map[int]string{}
	for _, c := range cites {
		if w := c.Where(); w != "" {
			out[c.N] = " · " + w
		}
	}
	return out
}

// citationKeyboard has one 查看原文 button per cited passage.
func citationKeyboard(cites []knowledge.Citation) *models.InlineKeyboardMarkup {
	var rows [][]models.InlineKeyboardButton
	var row []models.InlineKeyboardButton
	seen := map[int]bool{}
	for _, c := range cites {
		if c.ChunkID == "" || seen[c.N] {
			continue
		}
		seen[c.N] = true
		row = append(row, models.InlineKeyboardButton{Text: fmt.Sprintf("查看原文 [%d]", c.N), CallbackData: passageData(c.N, c.ChunkID)})
		if len(row) == 3 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// finish replaces a streamed message with the final text: the first part
// by an edit (after any retry_after Telegram asked for), the rest as new
// messages. If the edit fails the whole text is sent anew. It returns the
// message that carries the keyboard.
func (b *Bot) finish(ctx context.Context, to target, msgID int, notBefore time.Time, html string, kb *models.InlineKeyboardMarkup) (int, error) {
	if d := time.Until(notBefore); d > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	parts := splitHTML(html, maxMessageLen)
	firstKB := kb
	if len(parts) > 1 {
		firstKB = nil
	}
	err := b.edit(ctx, to.chatID, msgID, parts[0], firstKB)
	if err != nil {
		b.log.Warn("final edit failed; sending the answer as a new message", "chat_id", to.chatID, b.errAttr(err))
		_, last, err := b.sendParts(ctx, to, html, kb)
		return msgOf(last), err
	}
	if len(parts) > 1 {
		_, last, err := b.sendParts(ctx, target{chatID: to.chatID, thread: to.thread}, strings.Join(parts[1:], "\n"), kb)
		return msgOf(last), err
	}
	return msgID, nil
}

// msgOf is a message's ID, 0 for none.
func msgOf(m *models.Message) int {
	if m == nil {
		return 0
	}
	return m.ID
}

// stream shows an answer while a streaming writer produces it: the first
// partial text is sent at once, later ones edit that message at most once
// per StreamEditInterval, and a 429 pauses edits for retry_after.
type stream struct {
	b        *Bot
	ctx      context.Context
	to       target
	interval time.Duration

	mu        sync.Mutex
	text      string
	started   bool
	stopped   bool
	msgID     int
	notBefore time.Time
	lastCall  time.Time // when the last send or edit returned

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	// paceCtx ends when the stream stops, so no wait for a turn under
	// the flood limits outlasts it.
	paceCtx    context.Context
	stopPacing context.CancelFunc
}

func (b *Bot) newStream(ctx context.Context, to target) *stream {
	pctx, cancel := context.WithCancel(ctx)
	return &stream{
		b: b, ctx: ctx, to: to, interval: b.opts.StreamEditInterval,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		paceCtx: pctx, stopPacing: cancel,
	}
}

// partial is Question.OnPartial. It never blocks the writer.
func (s *stream) partial(text string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.text = text
	if !s.started {
		s.started = true
		go s.loop()
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stop ends streaming and returns the streamed message (0 if none), the
// time before which Telegram asked not to be called, and the last text.
func (s *stream) stop() (msgID int, notBefore time.Time, text string) {
	s.mu.Lock()
	s.stopped = true
	started := s.started
	s.mu.Unlock()
	if started {
		close(s.quit)
		s.stopPacing()
		<-s.done
	}
	s.stopPacing()
	s.mu.Lock()
	defer s.mu.Unlock()
	// The final edit keeps the pace of the streamed ones.
	notBefore = s.notBefore
	if s.msgID != 0 && s.lastCall.Add(s.interval).After(notBefore) {
		notBefore = s.lastCall.Add(s.interval)
	}
	return s.msgID, notBefore, s.text
}

func (s *stream) loop() {
	defer close(s.done)
	shown := ""
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		at := s.notBefore
		if s.msgID != 0 && s.lastCall.Add(s.interval).After(at) {
			at = s.lastCall.Add(s.interval)
		}
		s.mu.Unlock()
		if d := time.Until(at); d > 0 {
			select {
			case <-s.quit:
				return
			case <-time.After(d):
			}
		}
		s.mu.Lock()
		text, msgID := s.text, s.msgID
		s.mu.Unlock()
		// A partial longer than one message is shown cut; the final
		// answer replaces it in full. Once cut, longer partials look
		// the same and are not sent again (Telegram refuses an edit
		// that changes nothing).
		html := esc(cutRunes(text, 3500)) + " …"
		if html == shown {
			continue
		}
		_, paced, err := s.b.pacer.wait(s.paceCtx, s.to.chatID)
		if err != nil {
			return // stopped, or the chat is too busy: the final answer still goes out
		}
		if msgID == 0 {
			params := &tg.SendMessageParams{ChatID: s.to.chatID, MessageThreadID: s.to.thread, Text: html, ParseMode: models.ParseModeHTML}
			if s.to.replyTo != 0 {
				params.ReplyParameters = &models.ReplyParameters{MessageID: s.to.replyTo, AllowSendingWithoutReply: true}
			}
			var msg *models.Message
			actx, cancel := context.WithTimeout(s.ctx, s.b.opts.SendTimeout)
			msg, err = s.b.api.SendMessage(actx, params)
			cancel()
			if err == nil && msg != nil {
				s.mu.Lock()
				s.msgID = msg.ID
				s.mu.Unlock()
			}
		} else {
			// One attempt: a failed partial is overtaken by the next.
			actx, cancel := context.WithTimeout(s.ctx, s.b.opts.SendTimeout)
			err = s.b.editOnce(actx, editParams(s.to.chatID, msgID, html, nil))
			cancel()
		}
		paced()
		s.mu.Lock()
		s.lastCall = time.Now()
		s.mu.Unlock()
		var tooMany *tg.TooManyRequestsError
		switch {
		case err == nil:
			shown = html
		case errors.As(err, &tooMany):
			s.b.log.Warn("telegram asked to slow down while streaming", "chat_id", s.to.chatID, "retry_after_s", tooMany.RetryAfter)
			s.b.metrics.errors.WithLabelValues("rate_limited_by_telegram").Inc()
			s.mu.Lock()
			s.notBefore = time.Now().Add(time.Duration(max(tooMany.RetryAfter, 1)) * time.Second)
			s.mu.Unlock()
			select { // try again with the latest text once allowed
			case s.wake <- struct{}{}:
			default:
			}
		default:
			s.b.log.Warn("streaming update failed", "chat_id", s.to.chatID, s.b.errAttr(err))
		}
	}
}
