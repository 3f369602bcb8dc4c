package knowledge

import "context"

// Question is what a user asked, with the context that shapes the answer.
type Question struct {
	Text string
	// Region restricts retrieval to one county or district when set.
	Region string
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
	// Mode says how the answer was made: "extractive", "llm", "catalog"
	// (answered from the article table) or "refusal".
	Mode string `json:"mode"`
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
