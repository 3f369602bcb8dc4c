package knowledge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
}

// EvalOutcome is what retrieval did with one question.
type EvalOutcome struct {
	Question EvalQuestion
	Refused  bool
	// HitRank is the 1-based rank of the first result holding the
	// evidence, 0 when none does (always 0 for negatives).
	HitRank int
	Results []Result
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
