package bot

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// loadQuestions are questions members might ask about the bundled issue:
// its counties and districts, villages, communities and news items. The
// load cycles through them, numbering each so that no two are alike.
var loadQuestions = []string{
	"永吉县委组织部怎样推动新时代党的组织路线落地见效？",
	"磐石市在贯彻党的组织路线上有哪些具体做法？",
	"蛟河市如何开创组织工作新局面？",
	"桦甸市用什么办法激励干部担当作为？",
	"船营区怎样厚植党的执政根基？",
	"哈达湾街道绿地·筑石红社区如何构建管理服务新格局？",
	"幸福里社区的“五位一体”包括哪些方面？",
	"九站街道化纤社区党委为居民办了哪些实事？",
	"口前镇党委是怎样固阵地、强堡垒的？",
	"三梁村如何靠产业带动脱贫致富？",
	"夹信子村党支部的六项措施是什么？",
	"人才“组团式”帮扶新模式帮扶了哪些地方？",
	"驻村第一书记协会第一届会员大会在哪里召开？",
	"永吉县有多少名党员领导干部完成了联系点对接？",
	"舒兰市软弱涣散党组织整顿推进会部署了什么？",
	"磐石市“党课开讲啦”微党课大赛是什么时候举办的？",
	"蛟河市青创空间举办了什么培训？",
	"桦甸市“引凤还巢”活动是和哪个部门联合开展的？",
	"昌邑区在加强党支部建设方面做了什么？",
	"丰满区为什么发出招募社区志愿者的倡议书？",
	"龙潭区干部档案室举办了什么培训班？",
}

var (
	// loadKBDir holds the shared knowledge base's index; TestMain removes it.
	loadKBDir string
	// loadKB is the real knowledge base over the bundled issue with the
	// offline embedder, built once per process and shared.
	loadKB = sync.OnceValues(func() (*knowledge.Base, error) {
		dir, err := os.MkdirTemp("", "kbot-load-")
		if err != nil {
			return nil, err
		}
		loadKBDir = dir
		em := embeddings.Local()
		return knowledge.Open(context.Background(), knowledge.Options{
			DataDir: dir, Load: magazine.Load, Vectors: chromem.New,
			Embedder: knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
		})
	})
)

func TestMain(m *testing.M) {
	// The bot's tests spend their time waiting on loopback calls, not
	// computing, so they run eight at a time unless -parallel says
	// otherwise, however few the cores.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", "8"); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	if loadKBDir != "" {
		os.RemoveAll(loadKBDir)
	}
	os.Exit(code)
}

type loadResult struct {
	took time.Duration
	// p50 and p99 run from the update's delivery in a getUpdates answer
	// to its sendMessage; userP50 and userP99 from when the user sent the
	// message (the fake API queued it), so they include the time the
	// update waited at Telegram.
	p50, p99          time.Duration
	userP50, userP99  time.Duration
	heapInuseMB       float64
	conversations     int
	answered, refused int
	// journalHeld counts updates the journal still holds as pending or
	// running; busy counts answers in flight or waiting for a slot.
	journalHeld, busy int
	// conns counts the TCP connections the bot opened to the fake API.
	conns int64
	// duplicates counts answers sent twice (only with faults injected).
	duplicates int
}

// startLoadBot runs a bot over the fake Bot API, answering from the real
// knowledge base, with deadline as its QuestionTimeout. stop ends Run,
// which must return nil; cleanup calls it if the caller did not.
func startLoadBot(tb testing.TB, deadline time.Duration, edit func(*Options)) (api *fakeAPI, b *Bot, stop func()) {
	tb.Helper()
	kb, err := loadKB()
	if err != nil {
		tb.Fatalf("open the knowledge base: %v", err)
	}
	api = newFakeAPI(tb)
	opts := Options{
		Token: testToken, APIURL: api.URL(), RatePerMinute: -1,
		PollTimeout: time.Second, PollInterval: 5 * time.Millisecond,
		HTTPAddr: "127.0.0.1:0", StateDir: tb.TempDir(), Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The last of a burst waits for all before it; the deadline
		// bounds the whole run instead, so that a slow machine (or -race)
		// measures slowness rather than timeouts.
		QuestionTimeout: deadline,
		Flood:           FloodLimits{PerChat: time.Microsecond, PerGroup: 1_000_000, GroupWindow: time.Second, PerSecond: 1_000_000},
	}
	if edit != nil {
		edit(&opts)
	}
	b, err = New(opts, kb)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	tb.Cleanup(stop)
	api.waitCalls("getUpdates", 1)
	return api, b, stop
}

// loadQuestion is the k-th question of a load: the list cycled through,
// numbered from the second round on so that no two are alike.
func loadQuestion(k int) string {
	q := loadQuestions[k%len(loadQuestions)]
	if k >= len(loadQuestions) {
		q += "（" + strconv.Itoa(k/len(loadQuestions)+1) + "）"
	}
	return q
}

// runLoad has users send perUser private questions each, all in one burst
// through the fake Bot API, answered by the real knowledge base. It fails
// unless every question is answered exactly once, by an answer quoting it
// in its own chat, with no other message, within deadline.
func runLoad(tb testing.TB, users, perUser int, deadline time.Duration) loadResult {
	return runLoadWith(tb, users, perUser, deadline, nil, nil)
}

// runLoadWith is runLoad with the bot's options edited and faults (may be
// nil) injected into sendMessage: it returns a status and body to fail
// the call with, or 0 to let it through.
func runLoadWith(tb testing.TB, users, perUser int, deadline time.Duration, edit func(*Options), faults func() (int, string)) loadResult {
	tb.Helper()
	api, b, stop := startLoadBot(tb, deadline, edit)
	defer stop()
	if faults != nil {
		api.setOverride("sendMessage", func(map[string]string) (int, string) { return faults() })
	}

	type asked struct {
		chat     int64
		updateID int64
	}
	total := users * perUser
	questions := make(map[int]asked, total) // by message_id
	begin := time.Now()
	for k := range total {
		user := int64(10000 + k%users)
		m := msg(user, user, "private", loadQuestion(k))
		id := api.push(map[string]any{"message": m})
		questions[m["message_id"].(int)] = asked{chat: user, updateID: id}
	}
	// quoting counts the questions that got a message quoting them.
	quoting := func() int {
		quoted := map[string]bool{}
		for _, c := range api.succeeded("sendMessage") {
			quoted[c.params["reply_parameters"]] = true
		}
		return len(quoted)
	}
	giveUp := time.Now().Add(deadline)
	for quoting() < total {
		if time.Now().After(giveUp) {
			tb.Fatalf("only %d of %d questions answered after %v", quoting(), total, deadline)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(begin)
	settle(tb, b, api)

	// A send retried after its time limit may have reached Telegram
	// already: with faults injected that is the price of never losing an
	// answer, and it is counted; without faults it must not happen.
	sends := api.succeeded("sendMessage")
	duplicates := len(sends) - total
	if duplicates > 0 && faults == nil {
		tb.Fatalf("%d messages sent for %d questions", len(sends), total)
	}
	seen := map[int]bool{}
	lat := make([]time.Duration, 0, total)
	userLat := make([]time.Duration, 0, total)
	api.mu.Lock()
	for _, c := range sends {
		var rp struct {
			MessageID int `json:"message_id"`
		}
		if err := json.Unmarshal([]byte(c.params["reply_parameters"]), &rp); err != nil {
			api.mu.Unlock()
			tb.Fatalf("a message to chat %s quotes no question: %v", c.params["chat_id"], c.params)
		}
		q, ok := questions[rp.MessageID]
		switch {
		case !ok:
			api.mu.Unlock()
			tb.Fatalf("a message quotes message %d, which is no question", rp.MessageID)
		case seen[rp.MessageID] && faults != nil:
			continue
		case seen[rp.MessageID]:
			api.mu.Unlock()
			tb.Fatalf("question %d answered twice", rp.MessageID)
		case c.params["chat_id"] != strconv.FormatInt(q.chat, 10):
			api.mu.Unlock()
			tb.Fatalf("question %d from chat %d answered in chat %s", rp.MessageID, q.chat, c.params["chat_id"])
		}
		seen[rp.MessageID] = true
		lat = append(lat, c.at.Sub(api.delivered[q.updateID]))
		userLat = append(userLat, c.at.Sub(api.enqueued[q.updateID]))
	}
	api.mu.Unlock()

	// Apologies (timeouts, failures) are messages too; only answers and
	// refusals count.
	n := b.metrics.snapshot()
	if n.questions != int64(total) || n.timeouts != 0 || n.failures != 0 {
		tb.Fatalf("%d questions counted for %d sent; %d timed out, %d failed", n.questions, total, n.timeouts, n.failures)
	}
	refused := int(n.refusals)
	answered := total - refused
	slices.Sort(lat)
	slices.Sort(userLat)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return loadResult{
		took:          took,
		p50:           lat[len(lat)/2],
		p99:           lat[len(lat)*99/100],
		userP50:       userLat[len(userLat)/2],
		userP99:       userLat[len(userLat)*99/100],
		heapInuseMB:   float64(ms.HeapInuse) / (1 << 20),
		journalHeld:   b.journal.held(),
		duplicates:    duplicates,
		conns:         api.conns.Load(),
		busy:          int(gaugeValue(b.metrics.inflight) + gaugeValue(b.metrics.waiting)),
		conversations: b.history.size(),
		answered:      answered,
		refused:       refused,
	}
}

// TestBurstIsAnsweredExactlyOnce: 10 users send 30 questions at once.
// The deadline only stops a hung run; speed and the heap in use are
// measured by BenchmarkBurst, which sends 1,000.
func TestBurstIsAnsweredExactlyOnce(t *testing.T) {
	t.Parallel()
	const users, perUser = 10, 3
	r := runLoad(t, users, perUser, 2*time.Minute)
	t.Logf("%d questions in %v: %d answered, %d refused; from delivery p50 %v, p99 %v; from sending p50 %v, p99 %v",
		users*perUser, r.took.Round(time.Millisecond), r.answered, r.refused, r.p50, r.p99, r.userP50, r.userP99)
	if r.conversations != users {
		t.Errorf("history holds %d conversations, want %d", r.conversations, users)
	}
	if r.refused > r.answered {
		t.Errorf("%d of %d questions about the issue were refused", r.refused, users*perUser)
	}
	// Nothing is kept per question once it is answered, beyond the
	// bounded history checked above.
	if r.journalHeld != 0 || r.busy != 0 {
		t.Errorf("after the burst the journal holds %d updates and %d answers are busy, want none", r.journalHeld, r.busy)
	}
}

// BenchmarkBurst: 100 users send 1,000 questions at once, answered by the
// real knowledge base offline. It reports throughput, the heap in use
// afterwards and two latencies: p50_ms/p99_ms from the update's delivery
// to the bot (in a getUpdates answer) to its answer, which is the time it
// spent inside the bot; p50_user_ms/p99_user_ms from when the user sent
// it, which adds the time it waited at Telegram and is what users see.
func BenchmarkBurst(b *testing.B) {
	if _, err := loadKB(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := runLoad(b, 100, 10, 2*time.Minute)
		b.ReportMetric(1000/r.took.Seconds(), "questions/s")
		b.ReportMetric(millis(r.p50), "p50_ms")
		b.ReportMetric(millis(r.p99), "p99_ms")
		b.ReportMetric(millis(r.userP50), "p50_user_ms")
		b.ReportMetric(millis(r.userP99), "p99_user_ms")
		b.ReportMetric(r.heapInuseMB, "heap_inuse_MB")
	}
}

// BenchmarkBurstWithFaults: 50 users send 500 questions at once while
// Telegram fails some sendMessage calls — with 502, or by hanging past the
// bot's time limit for a call. The run fails unless every question is
// answered; it reports the questions per second, the TCP connections the
// bot opened, and the answers sent twice because a send that timed out
// had reached Telegram after all.
func BenchmarkBurstWithFaults(b *testing.B) {
	if _, err := loadKB(); err != nil {
		b.Fatal(err)
	}
	for _, fault := range []struct {
		name  string
		share float64
		fail  func() (int, string)
	}{
		{"502_5pct", 0.05, func() (int, string) {
			return http.StatusBadGateway, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`
		}},
		{"hang_2pct", 0.02, func() (int, string) {
			time.Sleep(10 * time.Second) // past the SendTimeout below
			return http.StatusGatewayTimeout, `{"ok":false,"error_code":504,"description":"Gateway Timeout"}`
		}},
	} {
		b.Run(fault.name, func(b *testing.B) {
			var rng = rand.New(rand.NewPCG(1, 2))
			var mu sync.Mutex
			faults := func() (int, string) {
				mu.Lock()
				hit := rng.Float64() < fault.share
				mu.Unlock()
				if hit {
					return fault.fail()
				}
				return 0, ""
			}
			for b.Loop() {
				r := runLoadWith(b, 50, 10, 2*time.Minute, func(o *Options) { o.SendTimeout = 3 * time.Second }, faults)
				b.ReportMetric(500/r.took.Seconds(), "questions/s")
				b.ReportMetric(float64(r.conns), "tcp_conns")
				b.ReportMetric(float64(r.duplicates), "sent_twice")
			}
		})
	}
}

// BenchmarkSingleQuestion: one user asks questions one after another, each
// sent when the previous was answered, through the fake Bot API and the
// real knowledge base. Its latencies (from sending to the answer, and from
// delivery to the answer) are the floor a burst is compared with; the
// fake API looks for new updates every 5 ms, which the first includes.
func BenchmarkSingleQuestion(b *testing.B) {
	const perRun = 50
	if _, err := loadKB(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		api, _, stop := startLoadBot(b, time.Minute, nil)
		const user = 20000
		var lat, userLat []time.Duration
		for k := range perRun {
			id := api.private(user, loadQuestion(k))
			sent := api.waitSent(user, k+1)
			api.mu.Lock()
			at := sent[k].at
			lat = append(lat, at.Sub(api.delivered[id]))
			userLat = append(userLat, at.Sub(api.enqueued[id]))
			api.mu.Unlock()
		}
		stop()
		slices.Sort(lat)
		slices.Sort(userLat)
		b.ReportMetric(millis(lat[len(lat)/2]), "p50_ms")
		b.ReportMetric(millis(lat[len(lat)*99/100]), "p99_ms")
		b.ReportMetric(millis(userLat[len(userLat)/2]), "p50_user_ms")
		b.ReportMetric(millis(userLat[len(userLat)*99/100]), "p99_user_ms")
	}
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkBurstGroups: 20 groups ask 5 questions each at once, against a
// fake Bot API that refuses messages past Telegram's limits (a message a
// second in a chat, 20 a minute in a group, 30 a second in all) with 429.
// The bot keeps Telegram's real limits, so each group's answers queue. It
// reports how many messages Telegram refused (the run fails unless every
// question is answered) and how long the last group waited.
func BenchmarkBurstGroups(b *testing.B) {
	if _, err := loadKB(); err != nil {
		b.Fatal(err)
	}
	const groups, perGroup = 20, 5
	for b.Loop() {
		real := FloodLimits{}
		real.setDefaults()
		api, _, stop := startLoadBot(b, 2*time.Minute, func(o *Options) { o.Flood = real })
		api.mu.Lock()
		api.flood = &real
		api.sentAt = map[int64][]time.Time{}
		api.mu.Unlock()
		begin := time.Now()
		for i := range perGroup {
			for g := range groups {
				m := msg(int64(30000+g), int64(-30000-g), "supergroup", "/ask "+loadQuestion(i*groups+g))
				api.push(map[string]any{"message": m})
			}
		}
		for g := range groups {
			api.waitSent(int64(-30000-g), perGroup)
		}
		took := time.Since(begin)
		stop()
		b.ReportMetric(float64(api.tooMany.Load()), "refused_429")
		b.ReportMetric(took.Seconds(), "s_to_last_answer")
	}
}
