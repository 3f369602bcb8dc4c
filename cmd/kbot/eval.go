package main

import (
	"flag"
	"fmt"
	"os"

	"kbot/knowledge"
)

func cmdEval(e *env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	file := fs.String("questions", "", "JSONL `file` of questions (id, question, kind, evidence, ...)")
	k := fs.Int("k", 5, "results per question")
	asJSON := fs.Bool("json", false, "print the summary and every question's results as JSON")
	method := fs.String("method", string(knowledge.MethodHybrid), "retriever: hybrid, vector or keyword")
	answers := fs.Bool("answers", false, "also run the whole ask path and score the answers (answer_hit, refusal precision and recall, reasons)")
	if _, err := e.parse(fs, args, `eval --questions FILE [-k N] [--method M] [--answers] [--json]`); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"missing --questions FILE"}
	}
	if err := checkK(*k); err != nil {
		return err
	}
	if err := checkMethod(*method); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("questions file: %w", err)
	}
	defer f.Close()
	qs, err := knowledge.ReadQuestions(f)
	if err != nil {
		return fmt.Errorf("questions file %s: %w", *file, err)
	}
	kb, err := e.knowledgeBase()
	if err != nil {
		return err
	}
	evaluate := kb.Evaluate
	if *answers {
		evaluate = kb.EvaluateAnswers
	}
	sum, outs, err := evaluate(e.ctx, qs, *k, knowledge.Method(*method))
	if err != nil {
		return err
	}
	if *asJSON {
		type q struct {
			ID       string         `json:"id"`
			Question string         `json:"question"`
			Kind     string         `json:"kind"`
			Class    string         `json:"class,omitempty"`
			Refused  bool           `json:"refused"`
			HitRank  int            `json:"hit_rank"`
			Results  []searchResult `json:"results"`
			// With --answers: the answer as Ask gave it.
			Answer    *string                 `json:"answer,omitempty"`
			Region    *string                 `json:"region,omitempty"`
			Reason    knowledge.RefusalReason `json:"reason,omitempty"`
			AnswerHit *bool                   `json:"answer_hit,omitempty"`
		}
		rows := make([]q, len(outs))
		for i, o := range outs {
			rows[i] = q{ID: o.Question.ID, Question: o.Question.Question, Kind: o.Question.Kind, Class: o.Question.Class,
				Refused: o.Refused, HitRank: o.HitRank, Results: toSearchResults(o.Results)}
			if a := o.Answer; a != nil {
				hit := o.AnswerHit
				rows[i].Answer, rows[i].Region, rows[i].Reason, rows[i].AnswerHit = &a.Text, &a.Region, a.Reason, &hit
				rows[i].Refused = a.Refused
			}
		}
		return writeJSON(e.stdout, map[string]any{"summary": sum, "questions": rows})
	}
	for _, o := range outs {
		mark := "miss"
		switch {
		case o.Question.Kind == knowledge.KindNegative && o.Refused:
			mark = "refused (ok)"
		case o.Question.Kind == knowledge.KindNegative:
			mark = "answered (should refuse)"
		case o.HitRank > 0:
			mark = fmt.Sprintf("hit@%d", o.HitRank)
		}
		if o.Refused && o.Question.Kind != knowledge.KindNegative {
			mark += ", falsely refused"
		}
		if a := o.Answer; a != nil {
			switch {
			case a.Refused:
				mark += ", refused: " + string(a.Reason)
			case o.Question.Kind != knowledge.KindNegative && o.AnswerHit:
				mark += ", answer hit"
			case o.Question.Kind != knowledge.KindNegative:
				mark += ", answer miss"
			}
		}
		fmt.Fprintf(e.stdout, "%-4s %-24s %s\n", o.Question.ID, mark, o.Question.Question)
	}
	fmt.Fprintf(e.stdout, "\n%s k=%d: %d questions (%d answerable, %d negative)\n", sum.Method, sum.K, sum.Questions, sum.Answerable, sum.Negatives)
	fmt.Fprintf(e.stdout, "hit@1 %.3f  hit@%d %.3f  MRR %.3f  negatives refused %.3f  false refusals %.3f\n",
		sum.HitAt1, sum.K, sum.HitAtK, sum.MRR, sum.NegativesRefused, sum.FalseRefusals)
	if sum.AnswerHit != nil {
		fmt.Fprintf(e.stdout, "answer hit %.3f  refusal precision %.3f  refusal recall %.3f\n", *sum.AnswerHit, *sum.RefusalPrecision, *sum.RefusalRecall)
		for _, r := range knowledge.RefusalReasons {
			if n := sum.Reasons[r]; n > 0 {
				fmt.Fprintf(e.stdout, "  refused, %s: %d\n", r, n)
			}
		}
	}
	return nil
}
