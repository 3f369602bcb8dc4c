package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"kbot/knowledge"
	"kbot/knowledge/pdf"
)

// openWithPDF opens a knowledge base over one plain document with the
// given PDF reader.
func openWithPDF(t *testing.T, extract func(context.Context, []byte) (string, error)) (*knowledge.Base, string) {
	t.Helper()
	src, data := t.TempDir(), t.TempDir()
	doc := "---\ntitle: 三梁村发展集体经济\nregions: [舒兰市]\n---\n三梁村党支部带领村民发展养猪产业，村集体经济不断壮大。\n"
	if err := os.WriteFile(filepath.Join(src, "a.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(data, src)
	opts.ExtractPDF = extract
	b, err := knowledge.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return b, filepath.Join(data, "uploads")
}

func readPDF(_ context.Context, data []byte) (string, error) { return pdf.Extract(data) }

func TestAddDocumentPDF(t *testing.T) {
	b, up := openWithPDF(t, readPDF)

	t.Run("PDF the reader refuses stores nothing", func(t *testing.T) {
		_, err := b.AddDocument(context.Background(), "notes.pdf", []byte("社区议事厅的做法\n"))
		if !errors.Is(err, knowledge.ErrPDFCorrupt) {
			t.Fatalf("AddDocument error = %v, want ErrPDFCorrupt", err)
		}
		if entries, _ := os.ReadDir(up); len(entries) != 0 {
			t.Fatalf("files left among the sources: %v", entries)
		}
		if len(b.Articles("")) != 1 {
			t.Fatal("the serving index changed")
		}
	})
	t.Run("PDF text is stored as a plain document and served", func(t *testing.T) {
		data, err := os.ReadFile("pdf/testdata/layout.pdf")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := b.AddDocument(context.Background(), "议事厅.pdf", data)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := os.ReadFile(filepath.Join(up, "议事厅.txt"))
		if err != nil {
			t.Fatalf("extracted text not stored as 议事厅.txt: %v", err)
		}
		if want, _ := pdf.Extract(data); string(stored) != want {
			t.Errorf("stored text differs from the extracted text:\n%s", stored)
		}
		if _, err := os.Stat(filepath.Join(up, "议事厅.pdf")); !os.IsNotExist(err) {
			t.Errorf("the PDF itself was stored among the sources: %v", err)
		}
		if len(rep.ArticlesAdded) != 1 || rep.ArticlesAdded[0] != "社区议事厅让群众说了算" {
			t.Fatalf("added %q, want the PDF's title", rep.ArticlesAdded)
		}
		res, err := b.Search(context.Background(), "议事厅办结率", knowledge.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 || !strings.Contains(res[0].Chunk.Text, "百分之九十五") {
			t.Fatalf("the PDF's text is not found by search: %+v", res)
		}
	})
}

func TestAddDocumentPDFReader(t *testing.T) {
	var calls atomic.Int64
	failing := func(ctx context.Context, data []byte) (string, error) {
		calls.Add(1)
		return "", fmt.Errorf("child: %w", knowledge.ErrPDFNoText)
	}
	tests := []struct {
		name      string
		extract   func(context.Context, []byte) (string, error)
		wantCalls int64
		wantErr   error
	}{
		{"the configured reader's error is returned", failing, 1, knowledge.ErrPDFNoText},
		{"without a reader PDFs are refused", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			b, up := openWithPDF(t, tt.extract)
			_, err := b.AddDocument(context.Background(), "x.pdf", []byte("%PDF-1.4 ..."))
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("AddDocument error = %v, want %v", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("reader called %d times, want %d", calls.Load(), tt.wantCalls)
			}
			if entries, _ := os.ReadDir(up); len(entries) != 0 {
				t.Fatalf("a PDF that could not be read left %d files among the sources", len(entries))
			}
		})
	}
}
