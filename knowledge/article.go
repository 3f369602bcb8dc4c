package knowledge

import (
	"strings"
	"unicode/utf8"
)

// Article is one piece of the knowledge base: a magazine article, one news
// item of a news column, or a document an admin added.
type Article struct {
	// ID is stable across re-ingest: derived from the article's content
	// (title and body), never from its position in the source.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Author is a person or an authoring body (永吉县口前镇党委). Empty when
	// the source names none; never invented.
	Author string `json:"author"`
	// AuthorPost is the author's post from a "（作者：…）" line, e.g.
	// 永吉县委常委、组织部长.
	AuthorPost string `json:"author_post"`
	// Section is the column (栏目) the article ran under.
	Section string `json:"section"`
	// Regions are the counties or districts the article is about, in order
	// of relevance (永吉县, 经开区, ...).
	Regions []string `json:"regions"`
	// PageStart and PageEnd are 1-based page numbers within the source
	// file; zero when the source has no pages.
	PageStart int `json:"page_start"`
	PageEnd   int `json:"page_end"`
	// Body is the cleaned text: paragraphs separated by "\n", PDF artefacts
	// removed, characters otherwise exactly as in the source.
	Body string `json:"body"`
	// Source is the file the article came from (base name).
	Source string `json:"source"`
	// Magazine names the magazine as its issue gives it (吉林党建); empty
	// when the source does not say.
	Magazine string `json:"magazine,omitempty"`
	// Issue names the issue the article ran in, as the text gives it
	// (2020年第7期, 2020年7—8月, 总第125期) or, when the text does not
	// say, as worked out from the dates in it. Empty for a plain document
	// that names no issue.
	Issue string `json:"issue,omitempty"`
	// IssueYear, IssueMonth (the first month the issue covers) and
	// IssueNumber (期, within the year) order issues; zero when unknown.
	IssueYear   int `json:"issue_year,omitempty"`
	IssueMonth  int `json:"issue_month,omitempty"`
	IssueNumber int `json:"issue_number,omitempty"`
}

// IssueName names the article's issue for people: the magazine and the
// issue (吉林党建 2020年第7期), or "" when the article has no issue.
func (a Article) IssueName() string {
	switch {
	case a.Issue == "":
		return ""
	case a.Magazine == "":
		return a.Issue
	default:
		return a.Magazine + " " + a.Issue
	}
}

// IssueOrder orders issues: later issues have greater keys. An issue
// known by its number alone (第7期) is ordered as if monthly.
func (a Article) IssueOrder() int {
	month := a.IssueMonth
	if month == 0 && a.IssueNumber >= 1 && a.IssueNumber <= 12 {
		month = a.IssueNumber
	}
	return a.IssueYear*10000 + month*100 + a.IssueNumber
}

// Byline renders "作者（职务）", or just the author, or "" when unknown.
func (a Article) Byline() string {
	switch {
	case a.Author == "":
		return ""
	case a.AuthorPost == "":
		return a.Author
	default:
		return a.Author + "（" + a.AuthorPost + "）"
	}
}

// Chunk is the unit of retrieval: whole sentences of one article.
type Chunk struct {
	// ID is stable across re-ingest of unchanged text.
	ID        string `json:"id"`
	ArticleID string `json:"article_id"`
	// Seq is the chunk's position within its article, from 0.
	Seq int `json:"seq"`
	// Heading is the heading path within the article ("一、… / （一）…"),
	// empty when the article has none.
	Heading string `json:"heading"`
	// Text is the passage exactly as it stands in the article body.
	Text string `json:"text"`
}

// Lead returns the article's first sentence, cut to at most max runes with
// "…" when longer: a one-line account of what the article is about.
func (a Article) Lead(max int) string {
	body := strings.TrimSpace(a.Body)
	if i := strings.IndexAny(body, "。！？\n"); i >= 0 {
		_, size := utf8.DecodeRuneInString(body[i:])
		body = body[:i+size]
	}
	body = strings.TrimSpace(body)
	if r := []rune(body); max > 0 && len(r) > max {
		body = string(r[:max-1]) + "…"
	}
	return body
}
