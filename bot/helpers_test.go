package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"kbot/knowledge"
)

// fakeKB is a Knowledge for unit tests. Ask answers with one citation per
// matching article unless askFn is set.
type fakeKB struct {
	mu       sync.Mutex
	articles []knowledge.Article
	chunks   map[string]knowledge.Chunk
	regions  []string
	ready    bool
	askFn    func(ctx context.Context, q knowledge.Question) (knowledge.Answer, error)
	asked    []knowledge.Question
	reloadFn func(ctx context.Context) (knowledge.Report, error)
	// addFn, when set, decides AddDocument's result after the document
	// is recorded in added.
	addFn func(name string, data []byte) (knowledge.Report, error)
	added map[string][]byte
	// previewed holds what PreviewDocument was given. Without previewFn
	// a preview fails with addFn's error, as Base's preview fails where
	// its AddDocument would.
	previewed map[string][]byte
	previewFn func(name string, data []byte) (knowledge.Preview, error)
	removed   []string
}

func newFakeKB() *fakeKB {
	arts := []knowledge.Article{
		{ID: "a1", Title: "抓党建促振兴", Author: "张三", AuthorPost: "永吉县委书记", Section: "特别策划", Regions: []string{"永吉县"}, Body: "永吉县以党建引领乡村振兴。各村成立合作社。"},
		{ID: "a2", Title: "社区治理<新>探索", Author: "李四", Section: "基层之窗", Regions: []string{"船营区"}, Body: "船营区推行网格化管理。"},
		{ID: "a3", Title: "新闻一则", Regions: []string{"永吉县"}, Body: "永吉县召开组织工作会议。"},
	}
	kb := &fakeKB{
		articles: arts,
		chunks: map[string]knowledge.Chunk{
			"c-a1-0": {ID: "c-a1-0", ArticleID: "a1", Text: "永吉县以党建引领乡村振兴。各村成立合作社。", Heading: "一、强化引领"},
			"c-a2-0": {ID: "c-a2-0", ArticleID: "a2", Text: "船营区推行网格化管理。"},
		},
		regions:   []string{"永吉县", "船营区"},
		ready:     true,
		added:     map[string][]byte{},
		previewed: map[string][]byte{},
	}
	return kb
}

func (k *fakeKB) Ask(ctx context.Context, q knowledge.Question) (knowledge.Answer, error) {
	k.mu.Lock()
	k.asked = append(k.asked, q)
	fn := k.askFn
	k.mu.Unlock()
	if fn != nil {
		return fn(ctx, q)
	}
	if strings.Contains(q.Text, "天气") {
		return knowledge.Answer{Text: "抱歉，知识库中没有相关内容。", Refused: true, Mode: "refusal", Nearest: k.articles[:1]}, nil
	}
	c := k.chunks["c-a1-0"]
	return knowledge.Answer{
		Text: "永吉县以党建引领乡村振兴[1]。", Mode: "extractive",
		Citations: []knowledge.Citation{{N: 1, ArticleID: "a1", ChunkID: c.ID, Title: "抓党建促振兴", Author: "张三", AuthorPost: "永吉县委书记", Text: c.Text,
			Issue: "2024年第1期", PageStart: 3, PageEnd: 4}},
	}, nil
}

func (k *fakeKB) Search(ctx context.Context, query string, opts knowledge.SearchOptions) ([]knowledge.Result, error) {
	var out []knowledge.Result
	for i := 0; i < 12 && len(out) < opts.K; i++ {
		a := k.articles[i%2]
		c := k.chunks["c-"+a.ID+"-0"]
		out = append(out, knowledge.Result{Rank: i + 1, Score: 1 / float64(i+1), Chunk: c, Article: a})
	}
	return out, nil
}

func (k *fakeKB) Articles(region string) []knowledge.Article {
	if region == "" {
		var many []knowledge.Article
		for i := 0; i < 25; i++ {
			a := k.articles[i%len(k.articles)]
			a.Title = fmt.Sprintf("%s%d", a.Title, i+1)
			many = append(many, a)
		}
		return many
	}
	var out []knowledge.Article
	for _, a := range k.articles {
		for _, r := range a.Regions {
			if strings.HasPrefix(r, region) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func (k *fakeKB) Regions() []string { return k.regions }

func (k *fakeKB) Chunk(id string) (knowledge.Chunk, knowledge.Article, bool) {
	c, ok := k.chunks[id]
	if !ok {
		return knowledge.Chunk{}, knowledge.Article{}, false
	}
	for _, a := range k.articles {
		if a.ID == c.ArticleID {
			return c, a, true
		}
	}
	return knowledge.Chunk{}, knowledge.Article{}, false
}

func (k *fakeKB) Reload(ctx context.Context) (knowledge.Report, error) {
	if k.reloadFn != nil {
		return k.reloadFn(ctx)
	}
	return knowledge.Report{ArticlesAdded: []string{"新文章"}, Articles: 4, Chunks: 9, ChunksEmbedded: 2, ChunksCached: 7, Took: 1500 * time.Millisecond}, nil
}

func (k *fakeKB) AddDocument(ctx context.Context, name string, data []byte) (knowledge.Report, error) {
	k.mu.Lock()
	k.added[name] = data
	fn := k.addFn
	k.mu.Unlock()
	if fn != nil {
		return fn(name, data)
	}
	return knowledge.Report{ArticlesAdded: []string{"《上传的文章》"}, Articles: 4, Chunks: 10, ChunksEmbedded: 1, ChunksCached: 9, Took: time.Second}, nil
}

func (k *fakeKB) PreviewDocument(ctx context.Context, name string, data []byte) (knowledge.Preview, error) {
	k.mu.Lock()
	k.previewed[name] = data
	pfn, afn := k.previewFn, k.addFn
	k.mu.Unlock()
	if pfn != nil {
		return pfn(name, data)
	}
	if afn != nil {
		if _, err := afn(name, data); err != nil {
			return knowledge.Preview{}, err
		}
	}
	return knowledge.Preview{Name: name, Data: data, Articles: []knowledge.Article{
		{ID: "up1", Title: "上传的文章", Author: "王五", AuthorPost: "船营区委组织部部长", Regions: []string{"船营区"}},
	}}, nil
}

func (k *fakeKB) RemoveDocument(ctx context.Context, name string) (knowledge.Report, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.added[name]; !ok {
		return knowledge.Report{}, fmt.Errorf("remove document %q: %w", name, knowledge.ErrNoSuchUpload)
	}
	delete(k.added, name)
	k.removed = append(k.removed, name)
	return knowledge.Report{ArticlesRemoved: []string{"上传的文章"}, Articles: 3}, nil
}

func (k *fakeKB) Sources() []knowledge.SourceInfo {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := []knowledge.SourceInfo{{Name: "issue.txt", Articles: 3}}
	for name := range k.added {
		out = append(out, knowledge.SourceInfo{Name: name, Articles: 1, Uploaded: true})
	}
	return out
}

func (k *fakeKB) Article(id string) (knowledge.Article, []knowledge.Chunk, bool) {
	for _, a := range k.articles {
		if a.ID == id {
			var chunks []knowledge.Chunk
			for _, c := range k.chunks {
				if c.ArticleID == id {
					chunks = append(chunks, c)
				}
			}
			return a, chunks, true
		}
	}
	return knowledge.Article{}, nil, false
}

func (k *fakeKB) Stats() knowledge.Stats {
	return knowledge.Stats{Articles: 3, Chunks: 2, Sources: []string{"issue.txt"}, Embedder: "hash", Dims: 256, IssueName: "江城组工 2024年第1期", Regions: k.regions}
}

func (k *fakeKB) Ready() bool { return k.ready }

func (k *fakeKB) questions() []knowledge.Question {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]knowledge.Question(nil), k.asked...)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs a Bot against a fake API until the test ends.
type harness struct {
	t      *testing.T
	api    *fakeAPI
	kb     *fakeKB
	bot    *Bot
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func testOptions(api *fakeAPI, stateDir string, logs *syncBuffer) Options {
	return Options{
		Token:              testToken,
		APIURL:             api.URL(),
		Admins:             []int64{testAdminID},
		RatePerMinute:      -1,
		PollTimeout:        time.Second,
		PollInterval:       10 * time.Millisecond,
		HTTPAddr:           "127.0.0.1:0",
		StateDir:           stateDir,
		Registry:           prometheus.NewRegistry(),
		Logger:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		QuestionTimeout:    5 * time.Second,
		StreamEditInterval: 100 * time.Millisecond,
		SendBackoff:        10 * time.Millisecond,
		// Tests that keep Telegram's real pace set it themselves.
		Flood: FloodLimits{PerChat: time.Microsecond, PerGroup: 1_000_000, GroupWindow: time.Second, PerSecond: 1_000_000},
	}
}

// start runs a bot; edit adjusts the options first.
func start(t *testing.T, api *fakeAPI, kb *fakeKB, stateDir string, edit func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, api: api, kb: kb, logs: &syncBuffer{}, done: make(chan error, 1)}
	opts := testOptions(api, stateDir, h.logs)
	if edit != nil {
		edit(&opts)
	}
	b, err := New(opts, kb)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	api.waitCalls("getUpdates", 1)
	return h
}

// stop cancels Run and returns its error; later calls return nil.
func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if strings.Contains(h.logs.String(), testToken) {
			h.t.Errorf("the bot token appeared in the log")
		}
		return err
	case <-time.After(20 * time.Second):
		h.t.Fatal("Run did not return after cancel")
		return errors.New("timeout")
	}
}

// handled reports whether the bot finished an update.
func (h *harness) handled(id int64) bool {
	h.bot.journal.mu.Lock()
	defer h.bot.journal.mu.Unlock()
	return h.bot.journal.doneSet[id]
}

// settle waits until the bot has done all it will do with what the fake
// API holds: every queued update delivered, every update it took
// finished, and — when polling — one more getUpdates call made after
// that, so an update delivered again has been received by then and, if
// the bot failed to recognise it, answered.
func (h *harness) settle() {
	h.t.Helper()
	settle(h.t, h.bot, h.api)
}

func settle(t testing.TB, b *Bot, api *fakeAPI) {
	t.Helper()
	idle := func() bool { return b.journal.idle() && api.allDelivered() && api.overriding.Load() == 0 }
	waitFor(t, "the bot to finish every update", idle)
	if b.opts.WebhookURL != "" {
		return
	}
	api.waitCalls("getUpdates", len(api.callsTo("getUpdates"))+1)
	waitFor(t, "the bot to finish every update", idle)
}

// gaugeValue reads a gauge's current value.
func gaugeValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		panic(err)
	}
	return m.GetGauge().GetValue()
}

var testMe = models.User{ID: testBotID, IsBot: true, FirstName: "kbot", Username: testBotName}
