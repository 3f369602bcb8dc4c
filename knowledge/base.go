package knowledge

import "time"

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
	// Warnings name sources that were skipped and why.
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
