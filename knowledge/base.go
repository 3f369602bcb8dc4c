package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Report says what an ingest or reload changed.
type Report struct {
	ArticlesAdded   []string      `json:"articles_added"`
	ArticlesChanged []string      `json:"articles_changed"`
	ArticlesRemoved []string      `json:"articles_removed"`
	Articles        int           `json:"articles"`
	Chunks          int           `json:"chunks"`
	ChunksEmbedded  int           `json:"chunks_embedded"`
	ChunksCached    int           `json:"chunks_cached"`
	Took            time.Duration `json:"took_ns"`
	// Warnings name sources that were skipped, or read with a note (a
	// conversion, an issue worked out from dates), and say why.
	Warnings []string `json:"warnings,omitempty"`
}

// Stats describes the serving index.
type Stats struct {
	Articles  int       `json:"articles"`
	Chunks    int       `json:"chunks"`
	Sources   []string  `json:"sources"`
	Embedder  string    `json:"embedder"`
	Dims      int       `json:"dims"`
	LoadedAt  time.Time `json:"loaded_at"`
	Regions   []string  `json:"regions"`
	IssueName string    `json:"issue_name"`
}

// Options configure a Base.
type Options struct {
	// DataDir holds the persisted index and the uploaded documents (kbot
	// keeps its embedding cache there too).
	DataDir string
	// Sources are files, folders or BundledSource.
	Sources []string
	// Load reads the sources into articles (magazine.Load in kbot). It
	// is required.
	Load LoadFunc
	// Vectors builds the vector index of each Index (chromem.New in
	// kbot). It is required.
	Vectors VectorIndexFunc
	// Embedder embeds passages and questions. It is required.
	Embedder Embedder
	// Cache, when set, embeds the passages of a build, keeping vectors
	// across builds (embeddings.PassageCache in kbot); without it every
	// build embeds every passage with Embedder.
	Cache PassageCache
	Chunk ChunkOptions
	// K is how many passages a question retrieves (default 5).
	K int
	// MinCoverage is the refusal threshold: the probability (0–1) the
	// answerability model (answerable.go) must give some passage for the
	// question to be answered. Zero means DefaultMinCoverage.
	MinCoverage float64
	// Writer, when set, writes answers (an LLM); otherwise answers are
	// extractive.
	Writer Writer
	Logger *slog.Logger
	// Progress, when set, is told how many chunks are embedded so far.
	Progress func(done, total int)
	// ExtractPDF reads the text of an uploaded PDF, returning errors that
	// wrap ErrPDFEncrypted, ErrPDFCorrupt, ErrPDFNoText or ErrPDFTooLarge
	// (package knowledge/pdf reads PDFs; kbot serve runs it in a child
	// process with a time limit, so that a hostile file can neither hang
	// nor crash the bot). Nil means PDFs cannot be added.
	ExtractPDF func(ctx context.Context, data []byte) (string, error)
}

// DefaultMinCoverage is the refusal threshold the answerability model
// was fitted for.
const DefaultMinCoverage = answerThreshold

// MaxQuestionRunes bounds a question; longer ones are declined with
// ErrQuestionTooLong rather than searched.
const MaxQuestionRunes = 500

// Errors for questions that cannot be asked.
var (
	ErrEmptyQuestion   = errors.New("question is empty")
	ErrQuestionTooLong = fmt.Errorf("question is longer than %d characters", MaxQuestionRunes)
	ErrNotReady        = errors.New("the knowledge base is not loaded")
)

// errNoPDFReader refuses a PDF when Options.ExtractPDF is not set.
var errNoPDFReader = errors.New("PDFs cannot be added: no PDF reader is configured")

const (
	indexFile  = "index.kbot"
	uploadsDir = "uploads"
)

// Base is the knowledge base kbot serves: it owns the current Index and
// replaces it whole on reload, so queries never see a half-built index.
type Base struct {
	opts   Options
	log    *slog.Logger
	cur    atomic.Pointer[Index]
	reload sync.Mutex
	// built is the report of the build Open did, if it did one.
	built *Report
}

// Open loads the persisted index from opts.DataDir when it was built from
// the same sources with the same embedder and chunking, and otherwise
// builds it (and persists it). A corrupted index file is rebuilt, never
// served. It returns an error when no index can be had, e.g. a source
// path is missing.
func Open(ctx context.Context, opts Options) (*Base, error) {
	if opts.Chunk.Size == 0 {
		opts.Chunk = DefaultChunkOptions
	}
	if opts.K <= 0 {
		opts.K = 5
	}
	if opts.MinCoverage == 0 {
		opts.MinCoverage = DefaultMinCoverage
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.Sources) == 0 {
		opts.Sources = []string{BundledSource}
	}
	if opts.DataDir == "" {
		return nil, errors.New("open knowledge base: no data directory")
	}
	if opts.Load == nil {
		return nil, errors.New("open knowledge base: no source loader (Options.Load)")
	}
	if opts.Vectors == nil {
		return nil, errors.New("open knowledge base: no vector index (Options.Vectors)")
	}
	if opts.Embedder.Embed == nil || opts.Embedder.ID == "" {
		return nil, errors.New("open knowledge base: no embedder (Options.Embedder)")
	}
	if opts.Cache == nil {
		opts.Cache = uncached(opts.Embedder.Embed)
	}
	b := &Base{opts: opts, log: opts.Logger.With("component", "knowledge")}

	fp, err := b.fingerprint()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(opts.DataDir, indexFile)
	idx, err := loadIndex(ctx, path, opts.Vectors)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		b.log.Info("no index yet, building it", "path", path)
	case err != nil:
		b.log.Warn("index file unusable, rebuilding from sources", "path", path, "err", err)
	case idx.embedderID != b.opts.Embedder.ID:
		b.log.Warn("embedding model changed, rebuilding the index", "was", idx.embedderID, "now", b.opts.Embedder.ID)
		// Not served (its vectors are of another model), but the
		// rebuild's report of changed articles is relative to it.
		b.cur.Store(idx)
	case idx.fingerprint != fp:
		b.log.Info("sources changed, rebuilding the index")
		b.cur.Store(idx)
	default:
		b.cur.Store(idx)
		return b, nil
	}
	rep, err := b.Reload(ctx)
	if err != nil {
		return nil, err
	}
	b.built = &rep
	return b, nil
}

// Built returns the report of the build Open had to do, and false when
// Open loaded a persisted index instead.
func (b *Base) Built() (Report, bool) {
	if b.built == nil {
		return Report{}, false
	}
	return *b.built, true
}

// sources returns the configured sources plus uploaded documents.
func (b *Base) sources() []string {
	src := slices.Clone(b.opts.Sources)
	up := filepath.Join(b.opts.DataDir, uploadsDir)
	if st, err := os.Stat(up); err == nil && st.IsDir() {
		src = append(src, up)
	}
	return src
}

// fingerprint hashes everything an index depends on: the bytes of every
// source file, the chunking and the embedder.
func (b *Base) fingerprint() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%d|%d\n", snapshotMagic, b.opts.Embedder.ID, b.opts.Chunk.Size, b.opts.Chunk.Overlap)
	for _, src := range b.sources() {
		if src == BundledSource {
			name, data := Bundled()
			fmt.Fprintf(h, "bundled %s %d\n", name, len(data))
			h.Write(data)
			continue
		}
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", path, len(data))
			h.Write(data)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("read source %s: %w", src, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Reload re-reads the sources and builds a new index beside the serving
// one, then swaps it in one step. Queries meanwhile are answered from the
// old index; when the rebuild fails, the old index stays and the error
// says why. Reloads run one at a time.
func (b *Base) Reload(ctx context.Context) (Report, error) {
	b.reload.Lock()
	defer b.reload.Unlock()
	start := time.Now()
	var rep Report
	fp, err := b.fingerprint()
	if err != nil {
		return rep, err
	}
	articles, warnings, err := b.opts.Load(b.sources())
	rep.Warnings = warnings
	for _, w := range warnings {
		b.log.Warn("source not read as is", "warning", w)
	}
	if err != nil {
		return rep, fmt.Errorf("load sources: %w", err)
	}
	if len(articles) == 0 {
		return rep, errors.New("load sources: no articles found in any source")
	}
	idx, st, err := buildIndex(ctx, articles, b.opts.Embedder, b.opts.Cache, b.opts.Vectors, b.opts.Chunk, b.opts.Progress)
	if err != nil {
		return rep, fmt.Errorf("build index: %w", err)
	}
	idx.fingerprint = fp
	if err := b.opts.Cache.Commit(); err != nil {
		// The cache only saves work: the new index is still good.
		b.log.Warn("save embedding cache", "err", err)
	}
	if err := idx.save(filepath.Join(b.opts.DataDir, indexFile)); err != nil {
		return rep, fmt.Errorf("save index: %w", err)
	}
	old := b.cur.Swap(idx)
	rep.ArticlesAdded, rep.ArticlesChanged, rep.ArticlesRemoved = diffArticles(old, idx)
	rep.Articles, rep.Chunks = len(idx.articles), len(idx.chunks)
	rep.ChunksEmbedded, rep.ChunksCached = st.embedded, st.cached
	rep.Took = time.Since(start)
	b.log.Info("index built", "articles", rep.Articles, "chunks", rep.Chunks,
		"embedded", rep.ChunksEmbedded, "cached", rep.ChunksCached, "took_ms", rep.Took.Milliseconds())
	return rep, nil
}

// diffArticles names (by title) the articles added, changed and removed
// between two indexes; old may be nil.
func diffArticles(old, cur *Index) (added, changed, removed []string) {
	if old == nil {
		for _, a := range cur.articles {
			added = append(added, a.Title)
		}
		return
	}
	for _, a := range cur.articles {
		o, ok := old.Article(a.ID)
		switch {
		case !ok:
			added = append(added, a.Title)
		case o.Body != a.Body || o.Title != a.Title || o.Author != a.Author || o.AuthorPost != a.AuthorPost ||
			o.Section != a.Section || !slices.Equal(o.Regions, a.Regions):
			changed = append(changed, a.Title)
		}
	}
	for _, o := range old.articles {
		if _, ok := cur.Article(o.ID); !ok {
			removed = append(removed, o.Title)
		}
	}
	return
}

// Index returns the serving index, or nil before the first load.
func (b *Base) Index() *Index { return b.cur.Load() }

// Ready reports whether an index is loaded.
func (b *Base) Ready() bool { return b.cur.Load() != nil }

// Articles returns the articles about region (any spelling the gazetteer
// knows; "" for all).
func (b *Base) Articles(region string) []Article {
	x := b.cur.Load()
	if x == nil {
		return nil
	}
	if region == "" {
		return slices.Clone(x.articles)
	}
	name := x.places.resolve(region)
	if name == "" {
		return nil
	}
	var out []Article
	for _, a := range x.articles {
		if contains(a.Regions, name) {
			out = append(out, a)
		}
	}
	return out
}

// Issues lists the issues of the serving index, latest first.
func (b *Base) Issues() []IssueSummary {
	x := b.cur.Load()
	if x == nil {
		return nil
	}
	return x.Issues()
}

// ResolveIssue turns an issue filter (a name as Issues lists it, part of
// one, or LatestIssue) into the issue's name; see SearchOptions.Issue. It
// fails with ErrUnknownIssue, and with ErrNotReady before the first load.
func (b *Base) ResolveIssue(filter string) (string, error) {
	x := b.cur.Load()
	if x == nil {
		return "", ErrNotReady
	}
	return x.resolveIssue(filter)
}

// Regions returns the known counties and districts.
func (b *Base) Regions() []string {
	x := b.cur.Load()
	if x == nil {
		return nil
	}
	return x.Regions()
}

// Chunk looks a passage up by chunk ID.
func (b *Base) Chunk(id string) (Chunk, Article, bool) {
	x := b.cur.Load()
	if x == nil {
		return Chunk{}, Article{}, false
	}
	return x.Chunk(id)
}

// Stats describes the serving index.
func (b *Base) Stats() Stats {
	x := b.cur.Load()
	if x == nil {
		return Stats{Sources: b.opts.Sources, Embedder: b.opts.Embedder.ID}
	}
	st := Stats{
		Articles: len(x.articles), Chunks: len(x.chunks), Sources: b.opts.Sources,
		Embedder: x.embedderID, Dims: x.dims, LoadedAt: x.builtAt, Regions: x.Regions(),
	}
	// The issue is the source most articles come from, by its title.
	count := map[string]int{}
	for _, a := range x.articles {
		count[a.Source]++
	}
	best := ""
	for n, c := range count {
		if c > count[best] || c == count[best] && n < best {
			best = n
		}
	}
	st.IssueName = sourceTitle(best)
	// With several issues, IssueName names the latest and how many
	// there are.
	if issues := x.Issues(); len(issues) > 1 {
		st.IssueName = fmt.Sprintf("%s 等 %d 期", issues[0].Name, len(issues))
	}
	return st
}

// checkQuestion returns the question trimmed, or why it cannot be asked.
func checkQuestion(q string) (string, error) {
	q = strings.TrimSpace(strings.ToValidUTF8(q, ""))
	if q == "" {
		return "", ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > MaxQuestionRunes {
		return "", ErrQuestionTooLong
	}
	return q, nil
}

// Search retrieves passages for a query, best first.
func (b *Base) Search(ctx context.Context, query string, opts SearchOptions) ([]Result, error) {
	query, err := checkQuestion(query)
	if err != nil {
		return nil, err
	}
	x := b.cur.Load()
	if x == nil {
		return nil, ErrNotReady
	}
	if opts.K <= 0 {
		opts.K = b.opts.K
	}
	var qvec []float32
	if opts.Method != MethodKeyword {
		vecs, err := b.opts.Embedder.Embed(ctx, []string{queryText(query)})
		if err != nil {
			return nil, fmt.Errorf("embed question: %w", err)
		}
		if len(vecs) != 1 {
			return nil, fmt.Errorf("embed question: got %d vectors", len(vecs))
		}
		qvec = vecs[0]
	}
	return x.search(ctx, query, qvec, opts)
}

// Retrieval is what retrieval found for a question.
type Retrieval struct {
	Results []Result
	// Refused is true when no passage answers the question;
	// RefusalReason says why and Note what the collection has instead.
	Refused       bool
	RefusalReason RefusalReason
	Note          string
	// Outline is true when the question asks for an article's main
	// points and Results lead with the first passage of each of its
	// top-level headings.
	Outline bool
	// Catalog holds the answer when the question is about the collection
	// itself; Results then are the passages it cites.
	Catalog *Answer
	// Region is the county or district retrieval was scoped to: the one
	// the question names, else the one asked for in SearchOptions.
	Region string

	analysis analysis
	decision decision
}

// Retrieve finds the passages for a question, decides whether they
// answer it, and answers questions about the collection from the article
// table. A question that names one county is scoped to its articles and
// news items (a county named in the question wins over opts.Region); when
// none of them answers, passages from elsewhere are tried and, if they
// answer, are labelled with their county in the answer.
func (b *Base) Retrieve(ctx context.Context, question string, opts SearchOptions) (Retrieval, error) {
	question, err := checkQuestion(question)
	if err != nil {
		return Retrieval{}, err
	}
	x := b.cur.Load()
	if x == nil {
		return Retrieval{}, ErrNotReady
	}
	if opts.Region == "" && opts.Author == "" && opts.Section == "" && opts.Issue == "" {
		if ans, results, ok := x.catalogAnswer(question); ok {
			return Retrieval{Results: results, Catalog: &ans}, nil
		}
	}
	if opts.K <= 0 {
		opts.K = b.opts.K
	}
	a := x.analyze(question)
	if len(a.counties) == 1 {
		opts.Region = a.counties[0]
	} else if len(a.counties) > 1 {
		opts.Region = ""
	}
	if opts.Region != "" {
		if canon := x.places.resolve(opts.Region); canon != "" {
			opts.Region = canon
		}
	}
	if opts.Issue == "" {
		opts.Issue = x.issueOfQuestion(question)
	}
	results, err := b.Search(ctx, question, opts)
	if err != nil {
		return Retrieval{}, err
	}
	d := x.decide(&a, results, fittedModel, b.opts.MinCoverage)
	if d.reason != "" && opts.Region != "" {
		wide := opts
		wide.Region = ""
		more, err := b.Search(ctx, question, wide)
		if err != nil {
			return Retrieval{}, err
		}
		if d2 := x.decide(&a, more, fittedModel, b.opts.MinCoverage); d2.reason == "" {
			results, d = more, d2
		}
	}
	for i := range results {
		results[i].Answerability = d.probs[i]
	}
	ret := Retrieval{Results: results, Refused: d.reason != "", RefusalReason: d.reason, Region: opts.Region, analysis: a, decision: d}
	if ret.Refused {
		ret.Note = x.refusalNote(&a, d.reason)
		return ret, nil
	}
	if a.kind == kindSummary || a.kind == kindFact || a.kind == kindList {
		ret.Results, ret.Outline = x.outline(question, results, opts.K)
		if ret.Outline {
			ret.decision = x.decide(&a, ret.Results, fittedModel, b.opts.MinCoverage)
		}
	}
	return ret, nil
}

// Ask answers a question: from the article table for questions about the
// collection, a refusal when no passage answers it, else an answer from
// the passages that do — written by the Writer when one is set (falling
// back to the extractive answer when it fails), extractive otherwise. A
// follow-up (那永吉县呢？ 还有呢？) is first read with the chat's history:
// by the Writer's rewriter when there is one, else by the rules of
// followup.go. It returns an error only when the question cannot be asked
// (ErrEmptyQuestion, ErrQuestionTooLong, ErrNotReady) or retrieval fails.
func (b *Base) Ask(ctx context.Context, q Question) (Answer, error) {
	text, err := checkQuestion(q.Text)
	if err != nil {
		return Answer{}, err
	}
	q.Text = text
	skip := ""
	if len(q.History) > 0 {
		if b.opts.Writer != nil {
			rewritten, err := b.opts.Writer.Rewrite(ctx, q)
			switch {
			case err != nil:
				b.log.Warn("rewrite follow-up question", "err", err)
			case strings.TrimSpace(rewritten) != "" && utf8.RuneCountInString(rewritten) <= MaxQuestionRunes:
				q.Text = strings.TrimSpace(rewritten)
			}
		} else if x := b.cur.Load(); x != nil {
			f := x.followUp(q.Text, q.History)
			q.Text, skip = f.text, f.skip
		}
	}
	ret, err := b.Retrieve(ctx, q.Text, SearchOptions{Region: q.Region, Issue: q.Issue})
	if err != nil {
		return Answer{}, err
	}
	if ret.Catalog != nil {
		return *ret.Catalog, nil
	}
	if ret.Refused || len(ret.Results) == 0 {
		ans := refusal(nearestArticles(ret.Results, 3), ret.Note)
		ans.Region, ans.Reason = ret.Region, ret.RefusalReason
		return ans, nil
	}
	x := b.cur.Load()
	if b.opts.Writer != nil {
		wq := q
		wq.Kind = string(ret.analysis.kind)
		ans, err := b.opts.Writer.Write(ctx, wq, ret.Results)
		if err == nil {
			ans.Region = ret.Region
			return ans, nil
		}
		b.log.Warn("answer writer failed, answering extractively", "err", err)
		ans = x.compose(&ret.analysis, ret.Results, ret.decision, ret.Region, skip)
		ans.Note = "大模型暂时无法作答，以下为原文摘录"
		ans.Region = ret.Region
		return ans, nil
	}
	var ans Answer
	if ret.Outline {
		ans = outlineAnswer(ret.Results)
	} else {
		ans = x.compose(&ret.analysis, ret.Results, ret.decision, ret.Region, skip)
	}
	ans.Region = ret.Region
	return ans, nil
}
