package knowledge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kbot/knowledge"
)

// TestPreviewAddRemoveDocument: an upload can be looked at before it is
// added, listed among the sources once added, and removed again; a
// configured source cannot be removed.
func TestPreviewAddRemoveDocument(t *testing.T) {
	b, up := openWithPDF(t, readPDF)
	ctx := context.Background()
	doc := []byte("---\ntitle: 幸福里社区五位一体\nauthor: 幸福里社区党委\nregions: [船营区]\n---\n幸福里社区推行五位一体服务模式，居民满意度明显提升。\n")

	pv, err := b.PreviewDocument(ctx, "幸福里.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Articles) != 1 || pv.Articles[0].Title != "幸福里社区五位一体" || pv.Articles[0].Author != "幸福里社区党委" || pv.Name != "幸福里.md" || pv.Replaces {
		t.Fatalf("preview = %+v, want one article by its front matter, new", pv)
	}
	if entries, _ := os.ReadDir(up); len(entries) != 0 || len(b.Articles("")) != 1 {
		t.Fatalf("the preview changed the knowledge base: uploads %v, %d articles", entries, len(b.Articles("")))
	}
	if _, err := b.PreviewDocument(ctx, "空.md", []byte("  \n")); err == nil {
		t.Error("an empty document previewed without an error")
	}

	if _, err := b.AddDocument(ctx, pv.Name, pv.Data); err != nil {
		t.Fatal(err)
	}
	var uploaded, configured knowledge.SourceInfo
	for _, s := range b.Sources() {
		if s.Uploaded {
			uploaded = s
		} else {
			configured = s
		}
	}
	if uploaded.Name != "幸福里.md" || uploaded.Articles != 1 || configured.Name != "a.md" || configured.Articles != 1 {
		t.Errorf("sources = %+v, want the upload and the configured a.md, one article each", b.Sources())
	}
	if pv2, err := b.PreviewDocument(ctx, "幸福里.md", doc); err != nil || !pv2.Replaces {
		t.Errorf("a second preview of the same name: replaces = %v (%v), want true", pv2.Replaces, err)
	}

	a := b.Articles("船营区")
	if len(a) != 1 {
		t.Fatalf("articles about 船营区 = %v", a)
	}
	got, chunks, ok := b.Article(a[0].ID)
	if !ok || got.Title != "幸福里社区五位一体" || len(chunks) == 0 || chunks[0].ArticleID != a[0].ID {
		t.Errorf("Article(%s) = %v, %v, %v", a[0].ID, got.Title, chunks, ok)
	}
	if _, _, ok := b.Article("no-such-id"); ok {
		t.Error("an unknown article ID was found")
	}

	if _, err := b.RemoveDocument(ctx, "a.md"); !errors.Is(err, knowledge.ErrNoSuchUpload) {
		t.Errorf("removing a configured source: %v, want ErrNoSuchUpload", err)
	}
	if _, err := b.RemoveDocument(ctx, "../a.md"); !errors.Is(err, knowledge.ErrNoSuchUpload) {
		t.Errorf("removing a path outside the uploads: %v, want ErrNoSuchUpload", err)
	}
	rep, err := b.RemoveDocument(ctx, "幸福里.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ArticlesRemoved) != 1 || len(b.Articles("")) != 1 {
		t.Errorf("after removal: report %+v, %d articles, want one removed and one left", rep, len(b.Articles("")))
	}
	if _, err := os.Stat(filepath.Join(up, "幸福里.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed upload is still on disk: %v", err)
	}
}
