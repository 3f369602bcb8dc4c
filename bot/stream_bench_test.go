package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/knowledge"
)

// startBenchBot runs a bot answering from kb over a fake Bot API, with the
// production stream settings, until the benchmark ends.
func startBenchBot(b *testing.B, kb Knowledge) *fakeAPI {
	b.Helper()
	api := newFakeAPI(b)
	bot, err := New(Options{
		Token: testToken, APIURL: api.URL(), RatePerMinute: -1,
		PollTimeout: time.Second, PollInterval: 5 * time.Millisecond,
		HTTPAddr: "127.0.0.1:0", StateDir: b.TempDir(), Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler),
	}, kb)
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("Run: %v", err)
		}
	})
	api.waitCalls("getUpdates", 1)
	return api
}

// textCalls returns the sendMessage and editMessageText calls to chat, in
// the order the fake received them.
func (f *fakeAPI) textCalls(chat int64) []call {
	id := strconv.FormatInt(chat, 10)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if (c.method == "sendMessage" || c.method == "editMessageText") && c.params["chat_id"] == id {
			out = append(out, c)
		}
	}
	return out
}

// waitFinal waits for the message carrying the answer's sources (its
// keyboard) in chat and returns the text calls to chat up to it.
func (f *fakeAPI) waitFinal(chat int64) []call {
	f.t.Helper()
	var got []call
	waitFor(f.t, fmt.Sprintf("the final answer in chat %d", chat), func() bool {
		got = f.textCalls(chat)
		return len(got) > 0 && got[len(got)-1].params["reply_markup"] != ""
	})
	return got
}

// streamKB is a Knowledge whose Ask streams pieces after firstDelay,
// pause apart, then returns them as an answer citing one passage. It
// records when Ask began and when it first called OnPartial, by question.
type streamKB struct {
	*fakeKB
	firstDelay, pause time.Duration
	pieces            []string
	// hold, when set, is waited on after the last piece, before Ask
	// returns.
	hold <-chan struct{}

	mu        sync.Mutex
	askedAt   map[string]time.Time
	partialAt map[string]time.Time
}

func newStreamKB(firstDelay, pause time.Duration, pieces []string) *streamKB {
	k := &streamKB{fakeKB: newFakeKB(), firstDelay: firstDelay, pause: pause, pieces: pieces,
		askedAt: map[string]time.Time{}, partialAt: map[string]time.Time{}}
	k.fakeKB.askFn = k.ask
	return k
}

func (k *streamKB) ask(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
	k.mu.Lock()
	k.askedAt[q.Text] = time.Now()
	k.mu.Unlock()
	wait := func(d time.Duration) error {
		if d <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
			return nil
		}
	}
	if err := wait(k.firstDelay); err != nil {
		return knowledge.Answer{}, err
	}
	text := ""
	for i, p := range k.pieces {
		if i > 0 {
			if err := wait(k.pause); err != nil {
				return knowledge.Answer{}, err
			}
		}
		text += p
		if i == 0 {
			k.mu.Lock()
			k.partialAt[q.Text] = time.Now()
			k.mu.Unlock()
		}
		q.OnPartial(text)
	}
	if k.hold != nil {
		select {
		case <-ctx.Done():
			return knowledge.Answer{}, ctx.Err()
		case <-k.hold:
		}
	}
	c := k.chunks["c-a1-0"]
	return knowledge.Answer{
		Text: text + "[1]", Mode: "llm",
		Citations: []knowledge.Citation{{N: 1, ArticleID: "a1", ChunkID: c.ID, Title: "抓党建促振兴", Author: "张三", Text: c.Text}},
	}, nil
}

func (k *streamKB) times(q string) (asked, partial time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.askedAt[q], k.partialAt[q]
}

// streamPieces are the tokens of a streamed answer.
var streamPieces = []string{"永吉县", "以党建", "引领", "乡村振兴，", "各村", "成立", "合作社，", "带动", "农户", "增收。",
	"全县", "建立", "联系点", "制度，", "党员", "领导", "干部", "下沉", "一线", "。"}

// BenchmarkStreamFirstVisibleText: a member asks, and the writer's first
// token comes 500 ms later, then more every 50 ms. It measures the time
// from the question (the fake Bot API queued the user's message) until the
// fake receives the first sendMessage or editMessageText carrying answer
// text, which is when the member sees it. Target: at most 600 ms.
// after_partial_ms is the bot's own share: from the first OnPartial call
// to that Bot API call.
func BenchmarkStreamFirstVisibleText(b *testing.B) {
	kb := newStreamKB(500*time.Millisecond, 50*time.Millisecond, streamPieces)
	api := startBenchBot(b, kb)
	var first, afterPartial []time.Duration
	i := 0
	for b.Loop() {
		chat := int64(40000 + i)
		q := fmt.Sprintf("永吉县怎样抓党建促振兴？（%d）", i)
		i++
		id := api.private(chat, q)
		calls := api.waitFinal(chat)
		api.mu.Lock()
		asked := api.enqueued[id]
		api.mu.Unlock()
		_, partial := kb.times(q)
		var shown time.Time
		for _, c := range calls {
			if strings.Contains(c.params["text"], streamPieces[0]) {
				shown = c.at
				break
			}
		}
		if shown.IsZero() || partial.IsZero() {
			b.Fatalf("question %d: no answer text reached the chat: %v", i, calls)
		}
		first = append(first, shown.Sub(asked))
		afterPartial = append(afterPartial, shown.Sub(partial))
	}
	reportLatencies(b, first, "first_text")
	reportLatencies(b, afterPartial, "after_partial")
}

// BenchmarkStreamedAnswerPath measures what the bot spends on a streamed
// answer when the model costs nothing: the writer streams 20 partials at
// once and returns as soon as the partial message has reached the fake Bot
// API (returning sooner would often spare the bot that message, and the
// edit, which a real model never does). ms/answer runs from the bot's Ask
// call to the final answer (text, sources and buttons) arriving at the
// fake Bot API: the partials, the partial message, rendering and the final
// edit. delivery_ms runs from the update's delivery to the bot instead,
// adding decoding, the journal and routing. calls/answer counts the Bot
// API calls that carried text.
func BenchmarkStreamedAnswerPath(b *testing.B) {
	kb := newStreamKB(0, 0, streamPieces)
	shown := make(chan struct{}, 1)
	kb.hold = shown
	api := startBenchBot(b, kb)
	api.setOverride("sendMessage", func(params map[string]string) (int, string) {
		if strings.HasSuffix(params["text"], " …") {
			select { // the partial message, sent while the answer streams
			case shown <- struct{}{}:
			default:
			}
		}
		return 0, ""
	})
	var path, delivery []time.Duration
	calls := 0
	i := 0
	for b.Loop() {
		chat := int64(50000 + i)
		q := fmt.Sprintf("永吉县怎样抓党建促振兴？（%d）", i)
		i++
		id := api.private(chat, q)
		got := api.waitFinal(chat)
		final := got[len(got)-1]
		if !strings.Contains(final.params["text"], "增收。") || !strings.Contains(final.params["text"], "[1]") {
			b.Fatalf("final answer %q lacks the text or its citation", final.params["text"])
		}
		api.mu.Lock()
		delivered := api.delivered[id]
		api.mu.Unlock()
		asked, _ := kb.times(q)
		path = append(path, final.at.Sub(asked))
		delivery = append(delivery, final.at.Sub(delivered))
		calls += len(got)
	}
	slices.Sort(path)
	var sum time.Duration
	for _, d := range path {
		sum += d
	}
	b.ReportMetric(millis(sum)/float64(len(path)), "ms/answer")
	b.ReportMetric(millis(path[len(path)*99/100]), "p99_ms")
	reportLatencies(b, delivery, "delivery")
	b.ReportMetric(float64(calls)/float64(len(path)), "calls/answer")
}

// reportLatencies reports the median and the worst of ds as name_ms and
// name_max_ms.
func reportLatencies(b *testing.B, ds []time.Duration, name string) {
	slices.Sort(ds)
	b.ReportMetric(millis(ds[len(ds)/2]), name+"_ms")
	b.ReportMetric(millis(ds[len(ds)-1]), name+"_max_ms")
}
