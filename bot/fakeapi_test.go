package bot

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testToken    = "123456:TEST-secret-token_value"
	testBotID    = 999
	testBotName  = "kbot_test_bot"
	testAdminID  = 42
	testUserID   = 7
	testGroupID  = -1001
	testChatOfMe = 7 // private chat ID equals the user's ID
)

// call is one Bot API request the fake received.
type call struct {
	method string
	params map[string]string
	at     time.Time
	// failed is set when an override answered the call with an error.
	failed bool
	// msgID is the message a successful sendMessage created.
	msgID int
}

// fakeAPI is an httptest Bot API server with Telegram's getUpdates
// semantics: updates below the requested offset are confirmed and dropped.
type fakeAPI struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	updates  []json.RawMessage // not yet confirmed
	nextID   int64
	msgID    int
	calls    []call
	files    map[string][]byte
	override map[string]func(params map[string]string) (int, string) // method -> status, body
	// ignoreOffset makes getUpdates deliver every unconfirmed update each
	// time, as a buggy or restarted server might.
	ignoreOffset bool
	// returnBelowOffset makes getUpdates confirm only updates it already
	// delivered and deliver new ones whatever their ID, as a server that
	// numbers updates anew may; otherwise updates numbered below the
	// offset are dropped unseen.
	returnBelowOffset bool
	// renumbered is set once renumber was called: the queue is no longer
	// in update_id order.
	renumbered bool
	// later is added to the dates of messages pushed after renumber: the
	// week without updates that precedes a reset.
	later time.Duration
	// enqueued is when push queued each update (when the user sent it);
	// delivered is when a getUpdates answer first carried it.
	enqueued  map[int64]time.Time
	delivered map[int64]time.Time
	// conns counts the TCP connections the bot opened.
	conns atomic.Int64
	// overriding counts calls an override is deciding on (it may hang).
	overriding atomic.Int64
	// flood, when set, makes the fake refuse messages past these limits
	// with 429, as Telegram does; tooMany counts the refusals.
	flood   *FloodLimits
	sentAt  map[int64][]time.Time // by chat, when flood is set
	tooMany atomic.Int64
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{t: t, nextID: 1, msgID: 1000, files: map[string][]byte{}, override: map[string]func(map[string]string) (int, string){}, enqueued: map[int64]time.Time{}, delivered: map[int64]time.Time{}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL }

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot"+testToken+"/") {
		f.mu.Lock()
		data, ok := f.files[strings.TrimPrefix(r.URL.Path, "/file/bot"+testToken+"/")]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
		return
	}
	prefix := "/bot" + testToken + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, prefix)
	params := parseParams(f.t, r)
	f.mu.Lock()
	f.calls = append(f.calls, call{method: method, params: params, at: time.Now()})
	n := len(f.calls) - 1
	ov := f.override[method]
	f.mu.Unlock()
	if ov != nil {
		f.overriding.Add(1)
		status, body := ov(params)
		f.overriding.Add(-1)
		if status != 0 {
			f.mu.Lock()
			f.calls[n].failed = true
			f.mu.Unlock()
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if (method == "sendMessage" || method == "editMessageText") && !f.withinFloodLimits(params["chat_id"]) {
		f.tooMany.Add(1)
		f.mu.Lock()
		f.calls[n].failed = true
		f.mu.Unlock()
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		return
	}
	switch method {
	case "getMe":
		ok(w, map[string]any{"id": testBotID, "is_bot": true, "first_name": "kbot", "username": testBotName})
	case "getUpdates":
		f.getUpdates(w, r, params)
	case "sendMessage", "sendDocument":
		f.mu.Lock()
		f.msgID++
		id := f.msgID
		f.calls[n].msgID = id
		f.mu.Unlock()
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		ok(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"},
			"from": map[string]any{"id": testBotID, "is_bot": true, "first_name": "kbot"}, "text": params["text"]})
	case "editMessageText", "editMessageReplyMarkup":
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		id, _ := strconv.Atoi(params["message_id"])
		ok(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": params["text"]})
	case "getFile":
		fid := params["file_id"]
		f.mu.Lock()
		data, exists := f.files[fid]
		f.mu.Unlock()
		if !exists {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}`)
			return
		}
		ok(w, map[string]any{"file_id": fid, "file_unique_id": fid, "file_size": len(data), "file_path": fid})
	default: // setMyCommands, sendChatAction, answerCallbackQuery, deleteWebhook, setWebhook
		ok(w, true)
	}
}

func ok(w http.ResponseWriter, result any) {
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func parseParams(t testing.TB, r *http.Request) map[string]string {
	params := map[string]string{}
	ct, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, mp["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			params[p.FormName()] = string(data)
		}
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("fake API: bad JSON body: %v", err)
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				params[k] = v
			default:
				b, _ := json.Marshal(v)
				params[k] = string(b)
			}
		}
	}
	return params
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(params["timeout"])
	limit, _ := strconv.Atoi(params["limit"])
	if limit <= 0 {
		limit = 100
	}
	deadline := time.Now().Add(time.Duration(min(timeout, 1)) * time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		// Confirm: drop updates below offset. The queue is in update_id
		// order, as at Telegram, so the confirmed ones are a prefix; not
		// decoding the rest on every call keeps the fake's own work from
		// weighing on benchmarks that poll often.
		switch {
		case f.ignoreOffset:
		case f.renumbered || f.returnBelowOffset:
			kept := f.updates[:0]
			for _, u := range f.updates {
				id := updateID(u)
				_, seen := f.delivered[id]
				if id >= offset || f.returnBelowOffset && !seen {
					kept = append(kept, u)
				}
			}
			f.updates = kept
		default:
			n := 0
			for n < len(f.updates) && updateID(f.updates[n]) < offset {
				n++
			}
			f.updates = f.updates[n:]
		}
		if len(f.updates) > 0 || time.Now().After(deadline) || r.Context().Err() != nil {
			break
		}
		f.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		f.mu.Lock()
	}
	out := f.updates[:min(limit, len(f.updates))]
	now := time.Now()
	for _, u := range out {
		if _, seen := f.delivered[updateID(u)]; !seen {
			f.delivered[updateID(u)] = now
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": out})
}

func updateID(raw json.RawMessage) int64 {
	var h struct {
		ID int64 `json:"update_id"`
	}
	json.Unmarshal(raw, &h)
	return h.ID
}

// withinFloodLimits records a message to chat and reports whether it
// keeps the flood limits, judged by arrival times with a tenth of slack.
// The bot sends one chat's messages one at a time, so their arrivals keep
// its pace; calls to different chats run at once and arrive with jitter
// on a busy machine, so the limit on all chats is judged over half a
// second.
func (f *fakeAPI) withinFloodLimits(chat string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.flood == nil {
		return true
	}
	l := f.flood
	id, _ := strconv.ParseInt(chat, 10, 64)
	now := time.Now()
	slack := func(d time.Duration) time.Duration { return d * 9 / 10 }
	count := func(times []time.Time, window time.Duration) int {
		n := 0
		for _, at := range times {
			if now.Sub(at) < slack(window) {
				n++
			}
		}
		return n
	}
	mine := f.sentAt[id]
	ok := len(mine) == 0 || now.Sub(mine[len(mine)-1]) >= slack(l.PerChat)
	if id < 0 && count(mine, l.GroupWindow) >= l.PerGroup {
		ok = false
	}
	var all int
	for _, times := range f.sentAt {
		all += count(times, time.Second*5/9)
	}
	if all >= l.PerSecond {
		ok = false
	}
	if ok {
		f.sentAt[id] = append(mine, now)
	}
	return ok
}

// allDelivered reports whether every queued update was delivered at
// least once.
func (f *fakeAPI) allDelivered() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.updates {
		if _, ok := f.delivered[updateID(u)]; !ok {
			return false
		}
	}
	return true
}

// renumber makes the next update's ID next, as Telegram may after a
// week without updates. Delivery records are forgotten: the IDs mean
// other updates now.
func (f *fakeAPI) renumber(next int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID = next
	f.renumbered = true
	f.later += 7 * 24 * time.Hour
	f.delivered = map[int64]time.Time{}
	f.enqueued = map[int64]time.Time{}
}

// push queues an update; the "update_id" is assigned.
func (f *fakeAPI) push(u map[string]any) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	u["update_id"] = id
	if m, ok := u["message"].(map[string]any); ok && f.later > 0 {
		if d, ok := m["date"].(int64); ok {
			m["date"] = d + int64(f.later/time.Second)
		}
	}
	raw, _ := json.Marshal(u)
	f.updates = append(f.updates, raw)
	f.enqueued[id] = time.Now()
	return id
}

var fakeMsgID struct {
	sync.Mutex
	n int
}

func nextUserMsgID() int {
	fakeMsgID.Lock()
	defer fakeMsgID.Unlock()
	fakeMsgID.n++
	return fakeMsgID.n
}

// private queues a private-chat text message from user.
func (f *fakeAPI) private(user int64, text string) int64 {
	return f.push(map[string]any{"message": msg(user, user, "private", text)})
}

// group queues a group message; extra fields are merged into the message.
func (f *fakeAPI) group(user int64, text string, extra map[string]any) int64 {
	m := msg(user, testGroupID, "supergroup", text)
	for k, v := range extra {
		m[k] = v
	}
	return f.push(map[string]any{"message": m})
}

func msg(user, chat int64, typ, text string) map[string]any {
	return map[string]any{
		"message_id": nextUserMsgID(),
		"date":       time.Now().Unix(),
		"from":       map[string]any{"id": user, "is_bot": false, "first_name": "用户"},
		"chat":       map[string]any{"id": chat, "type": typ},
		"text":       text,
	}
}

// press queues a button press on message msgID in chat.
func (f *fakeAPI) press(user, chat int64, msgID int, data string) int64 {
	typ := "private"
	if chat < 0 {
		typ = "supergroup"
	}
	m := map[string]any{"message_id": msgID, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": typ}}
	// As at Telegram, the message carries its text and current keyboard.
	f.mu.Lock()
	for _, c := range f.calls {
		if c.msgID == msgID && c.msgID != 0 {
			m["text"] = c.params["text"]
			if kb := c.params["reply_markup"]; kb != "" {
				m["reply_markup"] = json.RawMessage(kb)
			}
		}
	}
	for _, c := range f.calls {
		if (c.method == "editMessageReplyMarkup" || c.method == "editMessageText") && c.params["message_id"] == strconv.Itoa(msgID) && c.params["reply_markup"] != "" {
			m["reply_markup"] = json.RawMessage(c.params["reply_markup"])
		}
	}
	f.mu.Unlock()
	return f.push(map[string]any{"callback_query": map[string]any{
		"id":            fmt.Sprintf("cb%d", nextUserMsgID()),
		"from":          map[string]any{"id": user, "is_bot": false, "first_name": "用户"},
		"message":       m,
		"chat_instance": "x",
		"data":          data,
	}})
}

// callsTo returns the calls of one method so far.
func (f *fakeAPI) callsTo(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

// succeeded returns the calls of one method that were not failed.
func (f *fakeAPI) succeeded(method string) []call {
	var out []call
	for _, c := range f.callsTo(method) {
		if !c.failed {
			out = append(out, c)
		}
	}
	return out
}

// sent returns the sendMessage calls to chat that succeeded.
func (f *fakeAPI) sent(chat int64) []call {
	var out []call
	for _, c := range f.callsTo("sendMessage") {
		if c.params["chat_id"] == strconv.FormatInt(chat, 10) && !c.failed {
			out = append(out, c)
		}
	}
	return out
}

// waitSent waits until chat received n messages and returns them.
func (f *fakeAPI) waitSent(chat int64, n int) []call {
	f.t.Helper()
	var got []call
	waitFor(f.t, fmt.Sprintf("%d messages to chat %d", n, chat), func() bool {
		got = f.sent(chat)
		return len(got) >= n
	})
	return got
}

func (f *fakeAPI) waitCalls(method string, n int) []call {
	f.t.Helper()
	var got []call
	waitFor(f.t, fmt.Sprintf("%d %s calls", n, method), func() bool {
		got = f.callsTo(method)
		return len(got) >= n
	})
	return got
}

func (f *fakeAPI) setOverride(method string, fn func(params map[string]string) (int, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override[method] = fn
}

func (f *fakeAPI) addFile(id string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[id] = data
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
