package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Gap is a question kbot could not answer to its users' satisfaction: the
// askings it refused or that a user marked 👎, near-duplicates grouped.
type Gap struct {
	// Question is the group's most frequent phrasing, as last written.
	Question string
	// Count is how many askings in the group were refused or marked 👎.
	Count   int
	Refused int // askings kbot refused
	Down    int // 👎 votes on the group's answers
	// VoteReasons are the reasons given with 👎, by Chinese label, most
	// given first; RefusalReasons why kbot refused, most frequent first.
	VoteReasons    []Tally
	RefusalReasons []Tally
	LastAsked      time.Time
	// Variants are the group's phrasings, most frequent first; the first
	// is Question.
	Variants []Variant
}

// Variant is one phrasing of a gap (phrasings that normalise alike count
// as one) and how often it was asked.
type Variant struct {
	Text  string
	Count int
}

// Tally is a label and how often it occurred.
type Tally struct {
	Label string
	Count int
}

// Gaps returns the gaps among the questions asked since since, most
// frequent first (then most 👎, then most recent). It returns
// ErrUnavailable while the database cannot be opened.
func (s *Store) Gaps(ctx context.Context, since time.Time) ([]Gap, error) {
	var rows []gapRow
	err := s.withDB(func(db *sql.DB) error {
		var err error
		rows, err = gapRows(ctx, db, since.UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("gaps: %w", err)
	}
	return groupGaps(rows, s.cfg.loc), nil
}

// gapRow is one asking that was refused or marked 👎.
type gapRow struct {
	at       int64 // Unix ms
	text     string
	refused  bool
	refusal  string
	downs    int
	downWhys []Reason
}

func gapRows(ctx context.Context, db *sql.DB, since int64) ([]gapRow, error) {
	// A read transaction gives both queries the same snapshot.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	// Nothing was written; rolling back only ends the snapshot.
	defer func() { _ = tx.Rollback() }()
	var rows []gapRow
	byID := map[int64]int{}
	err = eachRow(ctx, tx, func(q *sql.Rows) error {
		var id int64
		var r gapRow
		if err := q.Scan(&id, &r.at, &r.text, &r.refused, &r.refusal, &r.downs); err != nil {
			return err
		}
		byID[id] = len(rows)
		rows = append(rows, r)
		return nil
	}, `
SELECT q.id, q.asked_at, q.text, q.outcome = 'refused', q.reason,
       (SELECT COUNT(*) FROM votes v WHERE v.question_id = q.id AND v.value = -1)
FROM questions q
WHERE q.asked_at >= ?
  AND (q.outcome = 'refused' OR EXISTS (SELECT 1 FROM votes v WHERE v.question_id = q.id AND v.value = -1))
ORDER BY q.id`, since)
	if err != nil {
		return nil, err
	}
	err = eachRow(ctx, tx, func(v *sql.Rows) error {
		var id int64
		var why string
		if err := v.Scan(&id, &why); err != nil {
			return err
		}
		if i, ok := byID[id]; ok {
			rows[i].downWhys = append(rows[i].downWhys, Reason(why))
		}
		return nil
	}, `
SELECT v.question_id, v.reason
FROM votes v JOIN questions q ON q.id = v.question_id
WHERE q.asked_at >= ? AND v.value = -1 AND v.reason <> ''`, since)
	return rows, err
}

// groupGaps folds askings into variants (same normalised text) and
// variants into near-duplicate groups.
func groupGaps(rows []gapRow, loc *time.Location) []Gap {
	type variant struct {
		norm     string
		text     string // the latest original wording
		count    int
		last     int64
		refused  int
		downs    int
		downWhys map[string]int
		refusals map[string]int
	}
	byNorm := map[string]*variant{}
	var vs []*variant
	for _, r := range rows {
		n := normalize(r.text)
		v := byNorm[n]
		if v == nil {
			v = &variant{norm: n, downWhys: map[string]int{}, refusals: map[string]int{}}
			byNorm[n] = v
			vs = append(vs, v)
		}
		v.count++
		if r.at >= v.last {
			v.last, v.text = r.at, r.text
		}
		if r.refused {
			v.refused++
			if r.refusal != "" {
				v.refusals[r.refusal]++
			}
		}
		v.downs += r.downs
		for _, w := range r.downWhys {
			v.downWhys[w.Label()]++
		}
	}
	slices.SortFunc(vs, func(a, b *variant) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(b.last, a.last), cmp.Compare(a.norm, b.norm))
	})
	shapes := make([]shape, len(vs))
	for i, v := range vs {
		shapes[i] = shapeOf(v.norm)
	}
	var gaps []Gap
	for _, members := range cluster(shapes) {
		g := Gap{Question: vs[members[0]].text}
		downWhys, refusals := map[string]int{}, map[string]int{}
		var last int64
		for _, m := range members {
			v := vs[m]
			g.Count += v.count
			g.Refused += v.refused
			g.Down += v.downs
			last = max(last, v.last)
			g.Variants = append(g.Variants, Variant{Text: v.text, Count: v.count})
			for k, n := range v.downWhys {
				downWhys[k] += n
			}
			for k, n := range v.refusals {
				refusals[k] += n
			}
		}
		// Whole seconds: an admin needs no more, and the CSV keeps them.
		g.LastAsked = time.Unix(last/1000, 0).In(loc)
		g.VoteReasons = tallies(downWhys)
		g.RefusalReasons = tallies(refusals)
		gaps = append(gaps, g)
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Down, a.Down),
			b.LastAsked.Compare(a.LastAsked), cmp.Compare(a.Question, b.Question))
	})
	return gaps
}

// tallies sorts counts, most first, then by label.
func tallies(m map[string]int) []Tally {
	if len(m) == 0 {
		return nil
	}
	ts := make([]Tally, 0, len(m))
	for k, n := range m {
		ts = append(ts, Tally{Label: k, Count: n})
	}
	slices.SortFunc(ts, func(a, b Tally) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label))
	})
	return ts
}
