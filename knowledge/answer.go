package knowledge

import (
	"context"
	"fmt"
	"strings"
)

// Question is what a user asked, with the context that shapes the answer.
type Question struct {
	Text string
	// Region restricts retrieval to one county or district when set (a
	// chat's /region scope, kbot ask --region); a county named in the
	// question itself wins over it.
	Region string
	// Kind is the kind of answer the question wants (person, number,
	// date, place, list, method, summary, article, fact), set by Ask for
	// the Writer.
	Kind string
	// Issue restricts retrieval to one issue when set (see
	// SearchOptions.Issue); a question about 本期 or 最新一期 is narrowed
	// to the latest issue without it.
	Issue string
	// History holds the chat's recent turns, oldest first, for follow-up
	// questions; it may be empty.
	History []Turn
	// OnPartial, when set and the answer is written by a streaming model,
	// is called with the whole answer text so far as it grows. It is never
	// called for extractive answers.
	OnPartial func(text string)
}

// Turn is one question and its answer in a chat's history.
type Turn struct {
	Question string
	Answer   string
}

// Answer is what kbot says to a question.
type Answer struct {
	// Text carries inline citation markers [n] that refer to Citations.
	Text string `json:"answer"`
	// Refused is true when the knowledge base holds nothing relevant
	// enough; Text then says so and Nearest names the closest articles.
	Refused   bool       `json:"refused"`
	Citations []Citation `json:"citations"`
	// Nearest lists the closest articles when the answer is a refusal.
	Nearest []Article `json:"-"`
	// Note is a short remark for the user, e.g. that the model failed and
	// the answer is extractive.
	Note string `json:"note,omitempty"`
	// Mode says how the answer was made.
	Mode Mode `json:"mode"`
	// Region is the county or district the answer was scoped to, "" when
	// none.
	Region string `json:"region"`
	// Reason says why a refusal refused ("" otherwise).
	Reason RefusalReason `json:"reason,omitempty"`
}

// Citation is one source behind an answer, numbered as in the text.
type Citation struct {
	N          int    `json:"n"`
	ArticleID  string `json:"article_id"`
	ChunkID    string `json:"chunk_id"`
	Title      string `json:"title"`
	Author     string `json:"author"`
	AuthorPost string `json:"author_post"`
	Section    string `json:"section"`
	Heading    string `json:"heading"`
	// Text is the whole passage cited.
	Text string `json:"text"`
	// Reference marks a passage listed as background (参考) rather than
	// cited for a claim.
	Reference bool `json:"reference,omitempty"`
	// Issue names the issue the article ran in (Article.IssueName), and
	// PageStart and PageEnd its pages there; empty and zero when unknown.
	Issue     string `json:"issue,omitempty"`
	PageStart int    `json:"page_start,omitempty"`
	PageEnd   int    `json:"page_end,omitempty"`
}

// Where renders the issue and pages of a citation: 2020年第7期 第12页,
// 2020年7—8月 第3–5页; "" when neither is known.
func (c Citation) Where() string {
	var parts []string
	if c.Issue != "" {
		parts = append(parts, c.Issue)
	}
	switch {
	case c.PageStart == 0:
	case c.PageEnd > c.PageStart:
		parts = append(parts, fmt.Sprintf("第%d–%d页", c.PageStart, c.PageEnd))
	default:
		parts = append(parts, fmt.Sprintf("第%d页", c.PageStart))
	}
	return strings.Join(parts, " ")
}

// Source renders the citation for a source list: 《标题》— 作者（职务）.
func (c Citation) Source() string {
	s := "《" + c.Title + "》"
	a := Article{Author: c.Author, AuthorPost: c.AuthorPost}
	if b := a.Byline(); b != "" {
		s += "— " + b
	}
	return s
}

// Writer writes an answer from retrieved passages, for example with a
// language model. Base calls it only when retrieval found relevant
// passages; results are numbered [1]..[len(results)] in order. When Write
// returns an error, Base falls back to the extractive answer and says so.
type Writer interface {
	Write(ctx context.Context, q Question, results []Result) (Answer, error)
	// Rewrite turns an elliptical follow-up (它、他们、还有呢…) into a
	// standalone question using q.History. It returns q.Text unchanged,
	// without calling a model, when the question stands on its own.
	Rewrite(ctx context.Context, q Question) (string, error)
}

// Mode is how an answer was made.
type Mode string

// Answer modes, spelled as in JSON.
const (
	// ModeExtractive quotes sentences of the retrieved passages.
	ModeExtractive Mode = "extractive"
	// ModeLLM is written by a language model (a Writer).
	ModeLLM Mode = "llm"
	// ModeCatalog is answered from the article table: who wrote what,
	// which articles there are.
	ModeCatalog Mode = "catalog"
	// ModeRefusal says that nothing relevant enough was found.
	ModeRefusal Mode = "refusal"
)

// chunkSentences splits a passage into trimmed sentences, paragraph by
// paragraph, so that a heading without a full stop stays apart from the
// sentence after it.
func chunkSentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		for _, s := range splitSentences(para) {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// citationOf makes citation n from a retrieved passage.
func citationOf(n int, r Result) Citation {
	return Citation{
		N: n, ArticleID: r.Article.ID, ChunkID: r.Chunk.ID,
		Title: r.Article.Title, Author: r.Article.Author, AuthorPost: r.Article.AuthorPost,
		Section: r.Article.Section, Heading: r.Chunk.Heading, Text: r.Chunk.Text,
		Issue: r.Article.IssueName(), PageStart: r.Article.PageStart, PageEnd: r.Article.PageEnd,
	}
}

// refusalText opens every refusal.
const refusalText = "知识库中没有找到能回答这个问题的内容。"

// refusal says that nothing answers, what the collection has instead
// (note), and names the nearest articles.
func refusal(nearest []Article, note string) Answer {
	var b strings.Builder
	b.WriteString(refusalText)
	b.WriteString(note)
	if len(nearest) > 0 {
		b.WriteString("最接近的文章是：")
		for i, a := range nearest {
			if i > 0 {
				b.WriteString("；")
			}
			b.WriteString("《" + a.Title + "》")
			if by := a.Byline(); by != "" {
				b.WriteString("— " + by)
			}
		}
		b.WriteString("。")
	}
	return Answer{Text: b.String(), Refused: true, Citations: []Citation{}, Nearest: nearest, Mode: ModeRefusal}
}

// nearestArticles returns the distinct articles of results, at most n.
func nearestArticles(results []Result, n int) []Article {
	var out []Article
	seen := map[string]bool{}
	for _, r := range results {
		if len(out) >= n {
			break
		}
		if !seen[r.Article.ID] {
			seen[r.Article.ID] = true
			out = append(out, r.Article)
		}
	}
	return out
}

// RenderText renders an answer for a terminal: the text, then the sources
// 《标题》— 作者（职务），2020年第7期 第12页, numbered as in the text.
func RenderText(a Answer) string {
	var b strings.Builder
	b.WriteString(a.Text)
	if a.Note != "" {
		b.WriteString("\n（" + a.Note + "）")
	}
	if len(a.Citations) > 0 {
		b.WriteString("\n\n来源：")
		// Passages of one article share a line: [1][3] 《标题》— 作者.
		var order []string
		marks := map[string]string{}
		line := map[string]string{}
		for _, c := range a.Citations {
			key := c.ArticleID + "|" + c.Title
			if _, ok := marks[key]; !ok {
				order = append(order, key)
				line[key] = c.Source()
				if w := c.Where(); w != "" {
					line[key] += "，" + w
				}
				if c.Reference {
					line[key] += "（参考）"
				}
			}
			marks[key] += fmt.Sprintf("[%d]", c.N)
		}
		for _, k := range order {
			fmt.Fprintf(&b, "\n%s %s", marks[k], line[k])
		}
	}
	return b.String()
}
