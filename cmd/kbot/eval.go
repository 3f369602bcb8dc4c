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
	if _, err := e.parse(fs, args, `eval --questions FILE [-k N] [--method M] [--json]`); err != nil {
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
	sum, outs, err := kb.Evaluate(e.ctx, qs, *k, knowledge.Method(*method))
	if err != nil {
		return err
	}
	if *asJSON {
		type q struct {
			ID       string         `json:"id"`
			Question string         `json:"question"`
			Kind     string         `json:"kind"`
			Refused  bool           `json:"refused"`
			HitRank  int            `json:"hit_rank"`
			Results  []searchResult `json:"results"`
		}
		rows := make([]q, len(outs))
		for i, o := range outs {
			rows[i] = q{o.Question.ID, o.Question.Question, o.Question.Kind, o.Refused, o.HitRank, toSearchResults(o.Results)}
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
		fmt.Fprintf(e.stdout, "%-4s %-24s %s\n", o.Question.ID, mark, o.Question.Question)
	}
	fmt.Fprintf(e.stdout, "\n%s k=%d: %d questions (%d answerable, %d negative)\n", sum.Method, sum.K, sum.Questions, sum.Answerable, sum.Negatives)
	fmt.Fprintf(e.stdout, "hit@1 %.3f  hit@%d %.3f  MRR %.3f  negatives refused %.3f  false refusals %.3f\n",
		sum.HitAt1, sum.K, sum.HitAtK, sum.MRR, sum.NegativesRefused, sum.FalseRefusals)
	return nil
}
