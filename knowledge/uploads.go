package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"kbot/knowledge/atomicfile"
)

// ErrNoSuchUpload means RemoveDocument was asked for a document that was
// never uploaded (configured sources cannot be removed from the chat).
var ErrNoSuchUpload = errors.New("no uploaded document by that name")

// Preview is what adding a document would do, worked out without
// changing the knowledge base.
type Preview struct {
	// Name is the name the document would be stored under (a PDF is
	// stored as its extracted text, <name>.txt).
	Name string
	// Data is what would be stored; pass Name and Data to AddDocument.
	Data []byte
	// Articles are the articles the document holds.
	Articles []Article
	// Warnings are what the reader noticed on the way.
	Warnings []string
	// Replaces is true when an uploaded document of the same name exists.
	Replaces bool
}

// SourceInfo describes one source the serving index was built from.
type SourceInfo struct {
	// Name is the source file's base name, as in Article.Source.
	Name     string `json:"name"`
	Articles int    `json:"articles"`
	// Uploaded is true for a document added from the chat, which
	// RemoveDocument can take out again.
	Uploaded bool `json:"uploaded"`
}

// PreviewDocument reads an uploaded document as AddDocument would and
// returns the articles it holds, without storing it. It fails as
// AddDocument does: a name not ending in .txt, .md or .pdf, an empty file,
// a PDF that cannot be read, a document with no article.
func (b *Base) PreviewDocument(ctx context.Context, name string, data []byte) (Preview, error) {
	base, data, err := b.prepareDocument(ctx, name, data)
	if err != nil {
		return Preview{}, err
	}
	dir, err := os.MkdirTemp("", "kbot-preview-")
	if err != nil {
		return Preview{}, fmt.Errorf("preview document %q: %w", base, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, base)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return Preview{}, fmt.Errorf("preview document %q: %w", base, err)
	}
	arts, warnings, err := b.loadDocument(path)
	if err != nil {
		return Preview{}, fmt.Errorf("preview document %q: %w", base, err)
	}
	_, statErr := os.Stat(filepath.Join(b.opts.DataDir, uploadsDir, base))
	return Preview{Name: base, Data: data, Articles: arts, Warnings: warnings, Replaces: statErr == nil}, nil
}

// AddDocument stores an uploaded document among the sources and reloads.
// name must end in .txt, .md or .pdf; the document must parse into at
// least one article. A PDF's text is extracted (Options.ExtractPDF) and
// stored as <name>.txt, an ordinary plain document from then on; a PDF
// that cannot be read returns the extractor's error (ErrPDFEncrypted,
// ErrPDFNoText, …) and stores nothing. When the reload fails the document is removed
// again, so the sources and the serving index stay in step.
func (b *Base) AddDocument(ctx context.Context, name string, data []byte) (Report, error) {
	base, data, err := b.prepareDocument(ctx, name, data)
	if err != nil {
		return Report{}, err
	}
	path := filepath.Join(b.opts.DataDir, uploadsDir, base)
	previous, prevErr := os.ReadFile(path)
	if err := atomicfile.WriteFile(path, data); err != nil {
		return Report{}, fmt.Errorf("add document %q: %w", base, err)
	}
	restore := func() {
		if prevErr == nil {
			_ = atomicfile.WriteFile(path, previous) // best effort: the error returned is what matters
		} else {
			os.Remove(path)
		}
	}
	// A file the loader would skip (undecodable, no text) must not sit
	// among the sources while the reload reports success.
	if _, _, err := b.loadDocument(path); err != nil {
		restore()
		return Report{}, fmt.Errorf("add document %q: %w", base, err)
	}
	rep, err := b.Reload(ctx)
	if err != nil {
		restore()
		return rep, fmt.Errorf("add document %q: %w", base, err)
	}
	return rep, nil
}

// RemoveDocument takes an uploaded document out of the sources and
// reloads. It returns ErrNoSuchUpload for a name that was not uploaded.
// When the reload fails the document is put back.
func (b *Base) RemoveDocument(ctx context.Context, name string) (Report, error) {
	base := filepath.Base(strings.TrimSpace(name))
	if base == "" || base == "." || strings.HasPrefix(base, ".") {
		return Report{}, fmt.Errorf("remove document %q: %w", name, ErrNoSuchUpload)
	}
	path := filepath.Join(b.opts.DataDir, uploadsDir, base)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Report{}, fmt.Errorf("remove document %q: %w", base, ErrNoSuchUpload)
	}
	if err != nil {
		return Report{}, fmt.Errorf("remove document %q: %w", base, err)
	}
	if err := os.Remove(path); err != nil {
		return Report{}, fmt.Errorf("remove document %q: %w", base, err)
	}
	rep, err := b.Reload(ctx)
	if err != nil {
		if rerr := atomicfile.WriteFile(path, data); rerr != nil {
			err = errors.Join(err, fmt.Errorf("put it back: %w", rerr))
		}
		return rep, fmt.Errorf("remove document %q: %w", base, err)
	}
	return rep, nil
}

// Sources lists the sources the serving index was built from, with their
// article counts, in name order.
func (b *Base) Sources() []SourceInfo {
	x := b.cur.Load()
	if x == nil {
		return []SourceInfo{}
	}
	count := map[string]int{}
	for _, a := range x.articles {
		count[a.Source]++
	}
	out := make([]SourceInfo, 0, len(count))
	for name, n := range count {
		_, err := os.Stat(filepath.Join(b.opts.DataDir, uploadsDir, name))
		out = append(out, SourceInfo{Name: name, Articles: n, Uploaded: err == nil})
	}
	slices.SortFunc(out, func(a, b SourceInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// prepareDocument checks an uploaded document's name and content and
// returns the name and bytes it is stored as: a PDF's extracted text as
// <name>.txt.
func (b *Base) prepareDocument(ctx context.Context, name string, data []byte) (string, []byte, error) {
	base := filepath.Base(strings.TrimSpace(name))
	ext := strings.ToLower(filepath.Ext(base))
	if ext != ".txt" && ext != ".md" && ext != ".pdf" {
		return "", nil, fmt.Errorf("add document %q: only .txt, .md and .pdf files can be added", base)
	}
	if base == "" || strings.HasPrefix(base, ".") {
		return "", nil, fmt.Errorf("add document %q: bad file name", name)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return "", nil, fmt.Errorf("add document %q: the file is empty", base)
	}
	if ext == ".pdf" {
		if b.opts.ExtractPDF == nil {
			return "", nil, fmt.Errorf("add document %q: %w", base, errNoPDFReader)
		}
		text, err := b.opts.ExtractPDF(ctx, data)
		if err != nil {
			return "", nil, fmt.Errorf("add document %q: %w", base, err)
		}
		base, data = strings.TrimSuffix(base, filepath.Ext(base))+".txt", []byte(text)
	}
	return base, data, nil
}

// loadDocument reads one document with the configured loader and fails
// when it yields no article.
func (b *Base) loadDocument(path string) ([]Article, []string, error) {
	arts, warnings, err := b.opts.Load([]string{path})
	if err == nil && len(arts) == 0 {
		err = errors.New("no article found in it")
		if len(warnings) > 0 {
			err = errors.New(strings.Join(warnings, "; "))
		}
	}
	return arts, warnings, err
}

// Article returns the article with id and its passages in reading order,
// or false when the serving index has no such article.
func (b *Base) Article(id string) (Article, []Chunk, bool) {
	x := b.cur.Load()
	if x == nil {
		return Article{}, nil, false
	}
	a, ok := x.Article(id)
	if !ok {
		return Article{}, nil, false
	}
	at := x.articleAt[id]
	var chunks []Chunk
	for i, c := range x.chunks {
		if x.chunkArticle[i] == at {
			chunks = append(chunks, c)
		}
	}
	return a, chunks, true
}
