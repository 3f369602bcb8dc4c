package knowledge

// SearchOptions narrows and sizes a search.
type SearchOptions struct {
	// K is the number of results wanted; zero means the default (5).
	K int
	// Region, Author and Section filter results to articles that match
	// (a region given as 永吉 also matches 永吉县). Empty means no filter.
	Region  string
	Author  string
	Section string
}

// Result is one retrieved passage with its article's metadata.
type Result struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	// Chunk is the passage; Chunk.Text is exactly as in the article.
	Chunk   Chunk   `json:"-"`
	Article Article `json:"-"`
}
