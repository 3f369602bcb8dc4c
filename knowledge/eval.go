package knowledge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"kbot/knowledge/whitespace"
)

// EvalQuestion is one line of an evaluation file (JSONL).
type EvalQuestion struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	// Kind is fact, practice, author, summary, list or negative; negative
	// questions cannot be answered from the knowledge base.
	Kind    string `json:"kind"`
	Article string `json:"article"`
	Author  string `json:"author"`
	County  string `json:"county"`
	// Evidence is a verbatim string of the source the answer comes from,
	// compared without whitespace.
	Evidence string `json:"evidence"`
	Answer   string `json:"answer"`
	// Class names, for a negative question, the kind of question the
	// collection cannot answer (off-topic, unknown place or time, missing
	// detail, no such article, ...); optional, for reports.
	Class string `json:"class,omitempty"`
}

// KindNegative marks questions that retrieval should refuse.
const KindNegative = "negative"

// ReadQuestions reads a JSONL evaluation file. Blank lines are skipped; a
// malformed line is an error naming its line number.
func ReadQuestions(r io.Reader) ([]EvalQuestion, error) {
	var out []EvalQuestion
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var q EvalQuestion
		dec := json.NewDecoder(strings.NewReader(text))
		if err := dec.Decode(&q); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %v", line, err)
		}
		if strings.TrimSpace(q.Question) == "" {
			return nil, fmt.Errorf("line %d: no \"question\"", line)
		}
		if q.Kind != KindNegative && strings.TrimSpace(q.Evidence) == "" {
			return nil, fmt.Errorf("line %d: question %q has no \"evidence\" (only kind \"negative\" may omit it)", line, q.ID)
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(out) == 0 {
		return nil, errors.New("no questions in the file")
	}
	return out, nil
}

// EvalSummary is the retrieval quality over a question set.
type EvalSummary struct {
	Questions  int     `json:"questions"`
	Answerable int     `json:"answerable"`
	Negatives  int     `json:"negatives"`
	K          int     `json:"k"`
	Method     Method  `json:"method"`
	HitAt1     float64 `json:"hit_at_1"`
	HitAtK     float64 `json:"hit_at_k"`
	MRR        float64 `json:"mrr"`
	// NegativesRefused is the share of negative questions refused;
	// FalseRefusals the share of answerable questions refused.
	NegativesRefused float64 `json:"negatives_refused"`
	FalseRefusals    float64 `json:"false_refusals"`
	// With answers (EvaluateAnswers): AnswerHit is the share of
	// answerable questions whose answer text holds the evidence;
	// RefusalPrecision the share of refusals that refused a negative,
	// RefusalRecall the share of negatives refused; Reasons counts the
	// refusals by reason.
	AnswerHit        *float64              `json:"answer_hit,omitempty"`
	RefusalPrecision *float64              `json:"refusal_precision,omitempty"`
	RefusalRecall    *float64              `json:"refusal_recall,omitempty"`
	Reasons          map[RefusalReason]int `json:"refusal_reasons,omitempty"`
}

// EvalOutcome is what retrieval did with one question.
type EvalOutcome struct {
	Question EvalQuestion
	Refused  bool
	// HitRank is the 1-based rank of the first result holding the
	// evidence, 0 when none does (always 0 for negatives).
	HitRank int
	Results []Result
	// Answer is what Ask answered (EvaluateAnswers only), and AnswerHit
	// whether its text holds the evidence.
	Answer    *Answer
	AnswerHit bool
}

// Evaluate runs every question through retrieval (as Ask does) and scores
// it: a hit is the evidence, compared without whitespace, appearing in a
// result's text, title or author.
func (b *Base) Evaluate(ctx context.Context, qs []EvalQuestion, k int, method Method) (EvalSummary, []EvalOutcome, error) {
	if k <= 0 {
		k = b.opts.K
	}
	if method == "" {
		method = MethodHybrid
	}
	sum := EvalSummary{Questions: len(qs), K: k, Method: method}
	var outs []EvalOutcome
	var rr float64
	var hit1, hitK, negRefused, falseRefused int
	for _, q := range qs {
		ret, err := b.Retrieve(ctx, q.Question, SearchOptions{K: k, Method: method})
		if err != nil {
			return sum, nil, fmt.Errorf("question %s: %w", q.ID, err)
		}
		o := EvalOutcome{Question: q, Refused: ret.Refused, Results: ret.Results}
		if q.Kind == KindNegative {
			sum.Negatives++
			if o.Refused {
				negRefused++
			}
			outs = append(outs, o)
			continue
		}
		sum.Answerable++
		if o.Refused {
			falseRefused++
		}
		ev := whitespace.Remove(q.Evidence)
		for i, r := range ret.Results {
			if i >= k {
				break
			}
			if strings.Contains(whitespace.Remove(r.Chunk.Text), ev) || strings.Contains(whitespace.Remove(r.Article.Title), ev) ||
				strings.Contains(whitespace.Remove(r.Article.Author), ev) {
				o.HitRank = i + 1
				break
			}
		}
		if o.HitRank == 1 {
			hit1++
		}
		if o.HitRank > 0 {
			hitK++
			rr += 1 / float64(o.HitRank)
		}
		outs = append(outs, o)
	}
	if sum.Answerable > 0 {
		n := float64(sum.Answerable)
		sum.HitAt1, sum.HitAtK, sum.MRR = float64(hit1)/n, float64(hitK)/n, rr/n
		sum.FalseRefusals = float64(falseRefused) / n
	}
	if sum.Negatives > 0 {
		sum.NegativesRefused = float64(negRefused) / float64(sum.Negatives)
	}
	return sum, outs, nil
}

// EvaluateAnswers runs Evaluate and then the whole Ask path for every
// question, scoring the answers: an answer hits when its text, without
// white space and citation markers, holds the evidence (without white
// space). Refusals are counted by reason.
func (b *Base) EvaluateAnswers(ctx context.Context, qs []EvalQuestion, k int, method Method) (EvalSummary, []EvalOutcome, error) {
	sum, outs, err := b.Evaluate(ctx, qs, k, method)
	if err != nil {
		return sum, outs, err
	}
	sum.Reasons = map[RefusalReason]int{}
	var hits, refused, refusedNeg, negatives, answerable int
	for i := range outs {
		q := outs[i].Question
		ans, err := b.Ask(ctx, Question{Text: q.Question})
		if err != nil {
			return sum, nil, fmt.Errorf("question %s: %w", q.ID, err)
		}
		outs[i].Answer = &ans
		if ans.Refused {
			refused++
			sum.Reasons[ans.Reason]++
		}
		if q.Kind == KindNegative {
			negatives++
			if ans.Refused {
				refusedNeg++
			}
			continue
		}
		answerable++
		if !ans.Refused && AnswerHolds(ans.Text, q.Evidence) {
			outs[i].AnswerHit = true
			hits++
		}
	}
	ratio := func(a, b int) *float64 {
		v := 0.0
		if b > 0 {
			v = float64(a) / float64(b)
		}
		return &v
	}
	sum.AnswerHit = ratio(hits, answerable)
	sum.RefusalPrecision = ratio(refusedNeg, refused)
	sum.RefusalRecall = ratio(refusedNeg, negatives)
	return sum, outs, nil
}

var citationMarker = regexp.MustCompile(`\[[0-9]+\]`)

// AnswerHolds reports whether answer text holds evidence, both compared
// without white space and the answer without its [n] markers.
func AnswerHolds(text, evidence string) bool {
	ev := whitespace.Remove(evidence)
	return ev != "" && strings.Contains(whitespace.Remove(citationMarker.ReplaceAllString(text, "")), ev)
}
