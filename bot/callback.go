package bot

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Callback data is at most 64 bytes. Formats:
//
//	c:<n>:<chunkID>     show cited passage n (chunk IDs are ≤ 24 bytes)
//	s:<page>:<query>    search page, query inline when it fits
//	S:<page>:<token>    search page, query kept in memory (lost on restart)
//	r:<page>:<region>   region page; R:<page>:<token> likewise
//	a:<page>            article list page
//	v:…                 a vote on the answer (see record.go)
//	u:ok|no:<token>     入库 or 取消 under an upload preview (admins)
//	x:<token>           remove an upload; X:ok|no:<token> confirms (admins)
//	k:<articleID>       the article's card
//
// Everything needed is inline except long queries, so most buttons keep
// working after a restart; the others get a polite "expired" answer.
const maxCallbackData = 64

const (
	kindPassage  = 'c'
	kindSearch   = 's'
	kindRegion   = 'r'
	kindArticles = 'a'
	// maxStoredQueries bounds the queries kept for long-query buttons.
	maxStoredQueries = 1000
)

func passageData(n int, chunkID string) string {
	d := "c:" + strconv.Itoa(n) + ":" + chunkID
	if len(d) > maxCallbackData {
		d = d[:maxCallbackData] // cannot happen with IDs ≤ 24 bytes; the lookup then fails politely
	}
	return d
}

// pageData encodes a paging button, storing the argument in memory when
// it does not fit.
func (b *Bot) pageData(kind byte, page int, arg string) string {
	head := string(kind) + ":" + strconv.Itoa(page)
	if arg == "" && kind == kindArticles {
		return head
	}
	if d := head + ":" + arg; len(d) <= maxCallbackData {
		return d
	}
	return strings.ToUpper(string(kind)) + ":" + strconv.Itoa(page) + ":" + b.pages.put(arg)
}

// callbackMessage returns the chat and message a button was pressed on.
func callbackMessage(q *models.CallbackQuery) (chatID int64, msgID int) {
	switch {
	case q.Message.Message != nil:
		return q.Message.Message.Chat.ID, q.Message.Message.ID
	case q.Message.InaccessibleMessage != nil:
		return q.Message.InaccessibleMessage.Chat.ID, q.Message.InaccessibleMessage.MessageID
	}
	return q.From.ID, 0
}

// handleCallback answers a button press. Every press gets an
// answerCallbackQuery so the client stops its spinner; a stale or unknown
// button gets a short explanation.
func (b *Bot) handleCallback(ctx context.Context, q *models.CallbackQuery) string {
	chatID, msgID := callbackMessage(q)
	to := target{chatID: chatID}
	if chatID < 0 && msgID != 0 {
		to.replyTo = msgID
	}
	if m := q.Message.Message; m != nil && m.IsTopicMessage {
		to.thread = m.MessageThreadID
	}
	notice := ""
	outcome := outcomeDone
	defer func() {
		params := &tg.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: notice}
		if _, err := b.api.AnswerCallbackQuery(ctx, params); err != nil {
			b.log.Debug("answerCallbackQuery failed", "chat_id", chatID, b.errAttr(err))
		}
	}()
	if !b.allowed(chatID, q.From.ID) {
		b.log.Warn("button press from a chat or user not on the allow-list", "chat_id", chatID, "user_id", q.From.ID)
		notice = "抱歉，您没有使用本机器人的权限。"
		return outcomeDenied
	}

	kind, rest, _ := strings.Cut(q.Data, ":")
	pageStr, arg, _ := strings.Cut(rest, ":")
	page, perr := strconv.Atoi(pageStr)
	stale := func() string {
		notice = "这个按钮已过期，请重新发送命令或提问。"
		return outcomeStale
	}
	switch kind {
	case string(kindVote):
		notice, outcome = b.handleVote(ctx, q, rest)
		return outcome
	case "u", "x", "X":
		notice, outcome = b.handleAdminButton(ctx, q, to, kind, rest)
		return outcome
	case "k":
		return b.showCard(ctx, to, rest)
	case string(kindPassage):
		if perr != nil || arg == "" {
			return stale()
		}
		chunk, art, ok := b.kb.Chunk(arg)
		if !ok {
			notice = "知识库已更新，这段原文已不在了，请重新提问。"
			return outcomeStale
		}
		if _, err := b.send(ctx, to, renderPassage(page, "", art, chunk), passageKeyboard(art.ID)); err != nil {
			b.log.Warn("send passage failed", "chat_id", chatID, b.errAttr(err))
			notice = "发送失败，请稍后再试。"
			return outcomeError
		}
		return outcome
	case "s", "S", "r", "R":
		if perr != nil || page < 0 || page >= searchMaxPages*10 {
			return stale()
		}
		if kind == "S" || kind == "R" {
			var ok bool
			if arg, ok = b.pages.get(arg); !ok {
				return stale()
			}
		}
		if arg == "" {
			return stale()
		}
		if ok, _ := b.limiter.allow(q.From.ID, time.Now()); !ok && !b.isAdmin(q.From.ID) {
			b.metrics.limited()
			notice = "操作太频繁了，请稍等一会儿再试。"
			return outcomeRateLimited
		}
		if strings.EqualFold(kind, "s") {
			if page >= searchMaxPages {
				return stale()
			}
			outcome = b.showSearch(ctx, to, arg, page)
		} else {
			outcome = b.showRegion(ctx, to, arg, page, "")
		}
	case string(kindArticles):
		if perr != nil || page < 0 {
			return stale()
		}
		outcome = b.showArticles(ctx, to, page)
	default:
		return stale()
	}
	if outcome == outcomeStale {
		notice = "内容已更新，请重新发送命令。"
	}
	return outcome
}

// pageStore keeps long paging arguments behind short random tokens, least
// recently used first out.
type pageStore struct {
	mu    sync.Mutex
	max   int
	order *list.List // of token, front = newest
	items map[string]pageItem
}

type pageItem struct {
	arg string
	el  *list.Element
}

func newPageStore(max int) *pageStore {
	return &pageStore{max: max, order: list.New(), items: map[string]pageItem{}}
}

func (p *pageStore) put(arg string) string {
	var buf [9]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails on supported platforms
	tok := base64.RawURLEncoding.EncodeToString(buf[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	p.items[tok] = pageItem{arg: arg, el: p.order.PushFront(tok)}
	for p.order.Len() > p.max {
		old := p.order.Back()
		p.order.Remove(old)
		delete(p.items, old.Value.(string))
	}
	return tok
}

func (p *pageStore) get(tok string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[tok]
	if !ok {
		return "", false
	}
	p.order.MoveToFront(it.el)
	return it.arg, true
}
