package knowledge_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"kbot/knowledge"
	"kbot/knowledge/internal/golden"
	"kbot/knowledge/whitespace"
)

// TestRetrievalAndAnswerGuard holds retrieval and answering where they
// are: for each question of the repository's own sets (testdata/eval),
// the golden file records the top passages retrieval ranks and the
// refusal decision with its reason, and the floors below bound hit@5,
// MRR, answer hit and the refusal rates. A change to the ranking, the
// IDF, the county boost, the fusion or the refusal shows as a diff
// (review it, then go test ./knowledge -run Guard -update) or fails a
// floor.
func TestRetrievalAndAnswerGuard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bundled index")
	}
	ctx := context.Background()
	b, err := knowledge.Open(ctx, testOptions(t.TempDir(), knowledge.BundledSource))
	if err != nil {
		t.Fatal(err)
	}
	var qs []knowledge.EvalQuestion
	for _, p := range []string{"testdata/eval/dev.jsonl", "testdata/eval/heldout.jsonl"} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		more, err := knowledge.ReadQuestions(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		qs = append(qs, more...)
	}
	var g strings.Builder
	var answerable, negatives, hit5, answerHit, negRefused, falseRefused int
	var rr float64
	for _, q := range qs {
		results, err := b.Search(ctx, q.Question, knowledge.SearchOptions{K: 5})
		if err != nil {
			t.Fatalf("%s: %v", q.ID, err)
		}
		ans, err := b.Ask(ctx, knowledge.Question{Text: q.Question})
		if err != nil {
			t.Fatalf("%s: %v", q.ID, err)
		}
		decision := "answered"
		if ans.Refused {
			decision = "refused: " + string(ans.Reason)
		}
		fmt.Fprintf(&g, "%s\t%s\t%s\n", q.ID, q.Question, decision)
		for _, r := range results {
			fmt.Fprintf(&g, "\t%d %s\n", r.Rank, r.Chunk.ID)
		}
		if q.Kind == knowledge.KindNegative {
			negatives++
			if ans.Refused {
				negRefused++
			}
			continue
		}
		answerable++
		if ans.Refused {
			falseRefused++
		}
		ev := whitespace.Remove(q.Evidence)
		for i, r := range results {
			if strings.Contains(whitespace.Remove(r.Chunk.Text), ev) || strings.Contains(whitespace.Remove(r.Article.Title+r.Article.Byline()), ev) {
				hit5++
				rr += 1 / float64(i+1)
				break
			}
		}
		if !ans.Refused && knowledge.AnswerHolds(ans.Text, q.Evidence) {
			answerHit++
		}
	}
	golden.Check(t, "testdata/eval/guard.golden", g.String())

	n := float64(answerable)
	figures := []struct {
		name   string
		got    float64
		floor  float64
		atMost bool
	}{
		{"hit@5", float64(hit5) / n, 0.95, false},
		{"MRR", rr / n, 0.90, false},
		{"answer hit", float64(answerHit) / n, 0.85, false},
		{"negatives refused", float64(negRefused) / float64(negatives), 0.75, false},
		{"false refusals", float64(falseRefused) / n, 0.05, true},
	}
	for _, f := range figures {
		t.Logf("%s %.3f", f.name, f.got)
		if f.atMost && f.got > f.floor || !f.atMost && f.got < f.floor {
			t.Errorf("%s = %.3f, want %s %.2f", f.name, f.got, map[bool]string{true: "≤", false: "≥"}[f.atMost], f.floor)
		}
	}
}

// TestMixedCollectionKeepsRefusals adds articles from other places to the
// bundled issue (testdata/mixed): their places become known, and the
// questions about what those articles do not say must still be refused,
// while what they do say, and the issue's own answers, are answered.
func TestMixedCollectionKeepsRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bundled index")
	}
	ctx := context.Background()
	b, err := knowledge.Open(ctx, testOptions(t.TempDir(), knowledge.BundledSource, "testdata/mixed"))
	if err != nil {
		t.Fatal(err)
	}
	sum, outs, err := b.EvaluateAnswers(ctx, readQuestions(t, "testdata/eval/mixed.jsonl"), 5, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if o.Question.Kind != knowledge.KindNegative && !o.AnswerHit {
			t.Errorf("%s %s: answer lacks %q:\n%s", o.Question.ID, o.Question.Question, o.Question.Evidence, o.Answer.Text)
		}
		if o.Question.Kind == knowledge.KindNegative && !o.Answer.Refused {
			t.Logf("%s %s: answered:\n%s", o.Question.ID, o.Question.Question, o.Answer.Text)
		}
	}
	if sum.NegativesRefused < 0.85 {
		t.Errorf("negatives refused %.3f on the mixed collection, want ≥ 0.85", sum.NegativesRefused)
	}
}
