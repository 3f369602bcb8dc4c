package knowledge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
)

// countingEmbedder wraps the offline embedder and counts the texts it
// embeds.
func countingEmbedder(n *atomic.Int64) embeddings.Embedder {
	e := embeddings.Local()
	inner := e.Embed
	e.Embed = func(ctx context.Context, texts []string) ([][]float32, error) {
		n.Add(int64(len(texts)))
		return inner(ctx, texts)
	}
	return e
}

func writeDoc(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const docA = `---
title: 三梁村发展集体经济
author: 舒兰市天德乡三梁村党支部
regions: [舒兰市]
---
三梁村党支部带领村民发展养猪产业，年出栏生猪两万头，实现净利润一千万元。村集体经济不断壮大。
`

const docB = `---
title: 幸福里社区五位一体
author: 丰满区沿丰街道幸福里社区党支部
regions: [丰满区]
---
幸福里社区推行庭院养人、楼道育人、家庭暖人、课堂树人、广场乐人的“五位一体”工作法。
`

// testOptions are the options kbot opens a knowledge base with, by
// default: the magazine reader, chromem-go and the offline embedder with
// its cache file in data.
func testOptions(data string, sources ...string) knowledge.Options {
	opts := knowledge.Options{DataDir: data, Sources: sources, Load: magazine.Load, Vectors: chromem.New}
	return withEmbedder(opts, embeddings.Local())
}

// asKnowledge is e as knowledge takes it.
func asKnowledge(e embeddings.Embedder) knowledge.Embedder {
	return knowledge.Embedder{ID: e.ID(), Dims: e.Dims, Embed: knowledge.EmbedFunc(e.Embed)}
}

// withEmbedder sets the embedder, and a cache for it, as kbot does.
func withEmbedder(opts knowledge.Options, e embeddings.Embedder) knowledge.Options {
	opts.Embedder = asKnowledge(e)
	opts.Cache = embeddings.NewPassageCache(filepath.Join(opts.DataDir, "embeddings.cache"), e, nil)
	return opts
}

func openTest(t *testing.T, data, src string, n *atomic.Int64) *knowledge.Base {
	t.Helper()
	b, err := knowledge.Open(context.Background(), withEmbedder(testOptions(data, src), countingEmbedder(n)))
	if err != nil {
		t.Fatalf("knowledge.Open: %v", err)
	}
	return b
}

func TestOpenPersistsAndReloadsWithoutReembedding(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	first := n.Load()
	if first == 0 || len(b.Articles("")) != 2 {
		t.Fatalf("first open embedded %d texts, %d articles", first, len(b.Articles("")))
	}

	n.Store(0)
	b2 := openTest(t, data, src, &n)
	if got := n.Load(); got != 0 {
		t.Fatalf("loading the persisted index embedded %d texts, want 0", got)
	}
	ans, err := b2.Ask(context.Background(), knowledge.Question{Text: "三梁村养猪一年净赚多少？"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Refused || len(ans.Citations) == 0 || ans.Citations[0].Title != "三梁村发展集体经济" {
		t.Fatalf("answer from the loaded index = %+v", ans)
	}
	if !strings.Contains(ans.Text, "[1]") {
		t.Errorf("answer has no citation marker: %q", ans.Text)
	}
}

func TestReloadReportsChangesAndUsesCache(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)

	writeDoc(t, src, "a.md", strings.Replace(docA, "不断壮大", "持续壮大", 1))
	os.Remove(filepath.Join(src, "b.md"))
	writeDoc(t, src, "c.md", "# 新文章\n\n蛟河市开展石材产业培训。")
	rep, err := b.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.ArticlesAdded, ",") != "新文章" || strings.Join(rep.ArticlesChanged, ",") != "三梁村发展集体经济" ||
		strings.Join(rep.ArticlesRemoved, ",") != "幸福里社区五位一体" {
		t.Fatalf("report = added %q changed %q removed %q", rep.ArticlesAdded, rep.ArticlesChanged, rep.ArticlesRemoved)
	}
	rep, err = b.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.ChunksEmbedded != 0 || rep.ChunksCached != rep.Chunks {
		t.Fatalf("unchanged re-ingest embedded %d, cached %d of %d", rep.ChunksEmbedded, rep.ChunksCached, rep.Chunks)
	}
}

func TestOpenNamesTheMissingPart(t *testing.T) {
	tests := []struct {
		name    string
		clear   func(*knowledge.Options)
		wantErr string
	}{
		{"no source loader", func(o *knowledge.Options) { o.Load = nil }, "Options.Load"},
		{"no vector index", func(o *knowledge.Options) { o.Vectors = nil }, "Options.Vectors"},
		{"no embedder", func(o *knowledge.Options) { o.Embedder = knowledge.Embedder{} }, "Options.Embedder"},
		{"embedder without an ID", func(o *knowledge.Options) { o.Embedder.ID = "" }, "Options.Embedder"},
		{"no data directory", func(o *knowledge.Options) { o.DataDir = "" }, "no data directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions(t.TempDir(), knowledge.BundledSource)
			tt.clear(&opts)
			_, err := knowledge.Open(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Open error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestCorruptedIndexIsRebuilt(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	openTest(t, data, src, &n)
	path := filepath.Join(data, knowledge.IndexFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-5] ^= 0xff
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := knowledge.LoadIndexFile(context.Background(), path, chromem.New); !errors.Is(err, knowledge.ErrCorruptIndex) {
		t.Fatalf("loadIndex of a damaged file: %v, want knowledge.ErrCorruptIndex", err)
	}
	b := openTest(t, data, src, &n)
	if len(b.Articles("")) != 1 {
		t.Fatal("rebuilt index lost the article")
	}
	if err := knowledge.LoadIndexFile(context.Background(), path, chromem.New); err != nil {
		t.Fatalf("the rebuilt index file is not readable: %v", err)
	}
}

func TestChangedEmbedderForcesRebuild(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	openTest(t, data, src, &n)
	other, err := embeddings.LocalDims(256)
	if err != nil {
		t.Fatal(err)
	}
	b, err := knowledge.Open(context.Background(), withEmbedder(testOptions(data, src), other))
	if err != nil {
		t.Fatal(err)
	}
	if b.Stats().Dims != 256 {
		t.Fatalf("index kept dims %d after the embedder changed", b.Stats().Dims)
	}
	if _, err := b.Search(context.Background(), "集体经济", knowledge.SearchOptions{}); err != nil {
		t.Fatalf("search after the rebuild: %v", err)
	}
}

func TestFailedReloadKeepsServingIndex(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	// Remove the whole source folder: the reload must fail and say why.
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reload(context.Background()); err == nil {
		t.Fatal("reload of a missing source succeeded")
	}
	if rs, err := b.Search(context.Background(), "集体经济", knowledge.SearchOptions{}); err != nil || len(rs) == 0 {
		t.Fatalf("old index not serving after a failed reload: %v, %d results", err, len(rs))
	}
}

func TestQueriesDuringReload(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failures atomic.Int64
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rs, err := b.Search(context.Background(), "五位一体", knowledge.SearchOptions{})
				if err != nil || len(rs) == 0 {
					failures.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if _, err := b.Reload(context.Background()); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d queries failed during reloads", failures.Load())
	}
}

func TestAskRejectsBadQuestions(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	for name, q := range map[string]string{
		"empty": "", "blank": " \n\t　", "huge": strings.Repeat("问", 100_000),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := b.Ask(context.Background(), knowledge.Question{Text: q})
			if !errors.Is(err, knowledge.ErrEmptyQuestion) && !errors.Is(err, knowledge.ErrQuestionTooLong) {
				t.Fatalf("Ask(%s) error = %v", name, err)
			}
		})
	}
}

func TestAddDocument(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	if _, err := b.AddDocument(context.Background(), "x.pdf", []byte("abc")); err == nil {
		t.Fatal("a .pdf was accepted")
	}
	if _, err := b.AddDocument(context.Background(), "empty.txt", []byte(" \n")); err == nil {
		t.Fatal("an empty file was accepted")
	}
	rep, err := b.AddDocument(context.Background(), "../../new.md", []byte(docB))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ArticlesAdded) != 1 || len(b.Articles("")) != 2 {
		t.Fatalf("added %q, now %d articles", rep.ArticlesAdded, len(b.Articles("")))
	}
	if _, err := os.Stat(filepath.Join(data, knowledge.UploadsDir, "new.md")); err != nil {
		t.Fatalf("upload not stored under the data directory: %v", err)
	}
	// The upload survives a restart.
	b2 := openTest(t, data, src, &n)
	if len(b2.Articles("")) != 2 {
		t.Fatal("uploaded article lost after reopening")
	}
}

func TestCatalogQuestions(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	tests := []struct {
		q, want string
	}{
		{"《幸福里社区五位一体》是谁写的？", "丰满区沿丰街道幸福里社区党支部"},
		{"本期有哪些文章？", "三梁村发展集体经济"},
		{"哪些区县有文章？", "舒兰市"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			ans, err := b.Ask(context.Background(), knowledge.Question{Text: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Mode != knowledge.ModeCatalog || !strings.Contains(ans.Text, tt.want) {
				t.Fatalf("answer = %+v, want a catalog answer naming %s", ans, tt.want)
			}
		})
	}
}

func TestRefusesUnrelatedQuestion(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	ans, err := b.Ask(context.Background(), knowledge.Question{Text: "长春市今年出台了哪些留住高校毕业生的人才政策？"})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused || !strings.HasPrefix(ans.Text, knowledge.RefusalText) || len(ans.Nearest) == 0 {
		t.Fatalf("answer = %+v, want a refusal naming the nearest articles", ans)
	}
}

func TestOpenAfterSourcesChangedReportsTheDifference(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	openTest(t, data, src, &n)
	writeDoc(t, src, "b.md", docB)
	b := openTest(t, data, src, &n)
	rep, built := b.Built()
	if !built || len(rep.ArticlesAdded) != 1 || rep.ArticlesAdded[0] != "幸福里社区五位一体" || rep.ChunksCached == 0 {
		t.Fatalf("built %v, report %+v", built, rep)
	}
}

func TestAddDocumentRejectsUndecodableFile(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", docA)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	if _, err := b.AddDocument(context.Background(), "bad.txt", []byte{0xff, 0xfe, 0x00, 0x81, 0x30, 0xc0}); err == nil {
		t.Fatal("an undecodable file was accepted")
	}
	if _, err := os.Stat(filepath.Join(data, knowledge.UploadsDir, "bad.txt")); !os.IsNotExist(err) {
		t.Fatalf("the rejected upload stayed among the sources: %v", err)
	}
	if len(b.Articles("")) != 1 {
		t.Fatal("the serving index changed")
	}
}

func TestOutlineQuestionListsTopLevelHeadings(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", `---
title: 社区就业服务的做法
author: 某社区党委
---
社区坚持党建引领就业服务。
一、摸清底数，建立台账
社区逐户走访，建立就业困难人员台账。
二、搭建平台，对接岗位
社区联合企业举办招聘会，发布岗位信息。
三、跟踪帮扶，稳定就业
社区对就业人员回访，帮助解决实际困难。
`)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	ans, err := b.Ask(context.Background(), knowledge.Question{Text: "社区就业服务的做法那篇文章归纳起来讲了哪几点？"})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []string{"一、摸清底数，建立台账[1]", "二、搭建平台，对接岗位[2]", "三、跟踪帮扶，稳定就业[3]"} {
		if !strings.Contains(ans.Text, h) {
			t.Fatalf("outline answer lacks heading %d %q:\n%s", i+1, h, ans.Text)
		}
	}
	if len(ans.Citations) != 3 || ans.Citations[2].Heading != "三、跟踪帮扶，稳定就业" {
		t.Fatalf("citations = %+v", ans.Citations)
	}
	// A question about one point is not turned into an outline.
	ans, err = b.Ask(context.Background(), knowledge.Question{Text: "社区怎么对接岗位？"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ans.Text, "个部分") {
		t.Fatalf("a specific question got an outline: %s", ans.Text)
	}
}

func TestStatsNamesTheIssueForPeople(t *testing.T) {
	b, err := knowledge.Open(context.Background(), testOptions(t.TempDir(), knowledge.BundledSource))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Stats().IssueName; got == "" || strings.HasSuffix(got, ".txt") {
		t.Fatalf("IssueName = %q, want a title, not a file name", got)
	}
}

func TestPostHolderFromBylines(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeDoc(t, src, "a.md", `---
title: 抓党建促振兴
author: 张明
author_post: 甲县委常委、组织部长
regions: [甲县]
---
甲县坚持抓党建促乡村振兴，选派干部驻村。
`)
	writeDoc(t, src, "b.md", docB)
	var n atomic.Int64
	b := openTest(t, data, src, &n)
	ans, err := b.Ask(context.Background(), knowledge.Question{Text: "甲县的组织部长叫什么名字？"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Mode != knowledge.ModeCatalog || !strings.Contains(ans.Text, "张明") || len(ans.Citations) != 1 {
		t.Fatalf("answer = %+v", ans)
	}
	// A post nobody in the knowledge base holds by name is refused.
	ans, err = b.Ask(context.Background(), knowledge.Question{Text: "幸福里社区的支部书记叫什么名字？"})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused {
		t.Fatalf("answer = %+v, want a refusal", ans)
	}
}
