package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"kbot/embeddings"
	"kbot/knowledge"
	"kbot/knowledge/chromem"
	"kbot/knowledge/magazine"
	"kbot/knowledge/pdf"
)

// textPDF lays pages of text lines out as a PDF the way a typesetter's
// PDF holds them: each line drawn at its own height in a Type0 font with
// Identity-H codes (the UTF-16 code of each character) and a ToUnicode
// map, one PDF page per page of text. Glyphs are not embedded: the text
// is what matters here.
func textPDF(pages [][]string) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled in below
	pagesObj := add("")
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n" +
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
		"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end"
	toUnicode := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cmap), cmap))
	cid := add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KbotSong /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
	font := add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /KbotSong /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", cid, toUnicode))
	var kids []string
	for _, lines := range pages {
		var c strings.Builder
		c.WriteString("BT /F1 10 Tf\n")
		for i, l := range lines {
			fmt.Fprintf(&c, "1 0 0 1 40 %d Tm <", 800-14*i)
			for _, u := range utf16.Encode([]rune(l)) {
				fmt.Fprintf(&c, "%04X", u)
			}
			c.WriteString("> Tj\n")
		}
		c.WriteString("ET")
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", c.Len(), c.String()))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}

// bundledPages cuts the bundled issue's text into its pages of non-blank
// lines, as its extraction marked them (a line that begins with a space).
func bundledPages() [][]string {
	_, data := knowledge.Bundled()
	var pages [][]string
	var cur []string
	for i, l := range strings.Split(string(data), "\n") {
		if i > 0 && strings.HasPrefix(l, " ") && len(cur) > 0 {
			pages = append(pages, cur)
			cur = nil
		}
		if t := strings.TrimSpace(l); t != "" {
			cur = append(cur, t)
		}
	}
	return append(pages, cur)
}

// A PDF of the bundled issue, read through knowledge/pdf and the magazine
// reader, gives the bundled text's article table.
func TestPDFOfTheBundledIssue(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "issue.pdf")
	if err := os.WriteFile(path, textPDF(bundledPages()), 0o644); err != nil {
		t.Fatal(err)
	}
	want, _, err := magazine.Load([]string{knowledge.BundledSource})
	if err != nil {
		t.Fatal(err)
	}
	got, warnings, err := magazine.Loader{ExtractPDF: pdf.Extract}.Load([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	row := func(a knowledge.Article) string {
		return fmt.Sprintf("%s | %s | %s | %s | %s | %s", a.Title, a.Author, a.AuthorPost, a.Section, strings.Join(a.Regions, "、"), a.IssueName())
	}
	if len(got) != len(want) {
		t.Errorf("%d articles from the PDF, %d from the text (warnings %q)", len(got), len(want), warnings)
	}
	for i := range min(len(got), len(want)) {
		if row(got[i]) != row(want[i]) {
			t.Errorf("article %d:\n  pdf: %s\n text: %s", i+1, row(got[i]), row(want[i]))
		}
		if got[i].Body != want[i].Body {
			t.Errorf("article %d 《%s》: the body differs from the text's", i+1, want[i].Title)
		}
	}
}

// An admin's PDF upload goes through the same reader: the issue uploaded
// as a PDF gives the articles of its text, not one article named after
// the file; and kbot ingest --source issue.pdf reads it alike.
func TestPDFUploadAndSource(t *testing.T) {
	ctx := context.Background()
	em := embeddings.Local()
	data := t.TempDir()
	kb, err := knowledge.Open(ctx, knowledge.Options{
		DataDir: data, Sources: []string{knowledge.BundledSource},
		Load: magazine.Loader{ExtractPDF: pdf.Extract}.Load, Vectors: chromem.New,
		Embedder:   knowledge.Embedder{ID: em.ID(), Dims: em.Dims, Embed: knowledge.EmbedFunc(em.Embed)},
		ExtractPDF: func(_ context.Context, b []byte) (string, error) { return pdf.Extract(b) },
	})
	if err != nil {
		t.Fatal(err)
	}
	bundled := map[string]int{}
	for _, a := range kb.Articles("") {
		bundled[a.Title+"|"+a.Author+"|"+a.AuthorPost+"|"+a.Section]++
	}
	if _, err := kb.AddDocument(ctx, "issue.pdf", textPDF(bundledPages())); err != nil {
		t.Fatal(err)
	}
	uploaded := map[string]int{}
	for _, a := range kb.Articles("") {
		if a.Source == "issue.txt" {
			uploaded[a.Title+"|"+a.Author+"|"+a.AuthorPost+"|"+a.Section]++
		}
	}
	if len(uploaded) != len(bundled) {
		t.Errorf("the upload gave %d distinct articles, the bundled text %d", len(uploaded), len(bundled))
	}
	for k, n := range bundled {
		if uploaded[k] != n {
			t.Errorf("%d × %s in the upload, %d in the text", uploaded[k], k, n)
		}
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "issue.pdf")
	if err := os.WriteFile(path, textPDF(bundledPages()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kbot(t, t.TempDir(), nil, "--source", path, "ingest")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("索引完成：%d 篇文章", len(kb.Articles(""))/2)) {
		t.Errorf("ingest --source issue.pdf: exit %d\n%s%s", code, out, errs)
	}
}
