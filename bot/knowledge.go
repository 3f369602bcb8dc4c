package bot

import (
	"context"

	"kbot/knowledge"
)

// Knowledge is what the bot needs from the knowledge base. *knowledge.Base
// satisfies it.
type Knowledge interface {
	// Ask answers a question. A refusal is an Answer with Refused set,
	// never an error.
	Ask(ctx context.Context, q knowledge.Question) (knowledge.Answer, error)
	Search(ctx context.Context, query string, opts knowledge.SearchOptions) ([]knowledge.Result, error)
	// Articles lists the articles about a region ("" for all); the region
	// may be an alias (永吉 for 永吉县).
	Articles(region string) []knowledge.Article
	// Regions lists the known counties and districts.
	Regions() []string
	// Chunk finds a passage by ID, so that buttons survive restarts.
	Chunk(id string) (knowledge.Chunk, knowledge.Article, bool)
	// Reload re-ingests the sources; answers keep flowing from the old
	// index meanwhile, and on error the old index stays.
	Reload(ctx context.Context) (knowledge.Report, error)
	// PreviewDocument reads a file as AddDocument would, without storing
	// it: the articles it would add.
	PreviewDocument(ctx context.Context, name string, data []byte) (knowledge.Preview, error)
	// AddDocument stores a file among the sources and reloads.
	AddDocument(ctx context.Context, name string, data []byte) (knowledge.Report, error)
	// RemoveDocument takes an uploaded file out of the sources and
	// reloads; knowledge.ErrNoSuchUpload for a file never uploaded.
	RemoveDocument(ctx context.Context, name string) (knowledge.Report, error)
	// Sources lists the sources with their article counts.
	Sources() []knowledge.SourceInfo
	// Article finds an article and its passages by ID.
	Article(id string) (knowledge.Article, []knowledge.Chunk, bool)
	Stats() knowledge.Stats
	// Ready reports whether an index is loaded.
	Ready() bool
}
