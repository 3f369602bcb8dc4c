package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// TopN is how many articles, counties and scopes Stats lists.
const TopN = 10

// Counts are the usage figures of a period.
type Counts struct {
	Questions int // questions asked
	Answered  int
	Refused   int
	Errors    int
	Up        int // 👍 votes cast (a changed vote counts once, as it ended)
	Down      int // 👎 votes cast
}

// Period is a day or a week (from Monday) and its counts. Questions count
// on the day they were asked, votes on the day they were cast.
type Period struct {
	Start time.Time // midnight starting the period, in the store's time zone
	Counts
}

// ArticleCount is an article and how many answers cited it.
type ArticleCount struct {
	Article
	Answers int
}

// CountyCount is a county and how often it occurred.
type CountyCount struct {
	County string
	Count  int
}

// Stats are the usage figures since a time.
type Stats struct {
	Since time.Time // the start of the first day counted
	Until time.Time // when the figures were taken
	Total Counts
	// Days and Weeks cover every day and every week from Since to Until,
	// oldest first, those without activity included.
	Days  []Period
	Weeks []Period
	// Articles are the most cited articles (by answers citing them),
	// Counties the counties of the cited articles (by answers citing at
	// least one of their articles), Scopes the counties questions were
	// scoped to; at most TopN each, most first.
	Articles []ArticleCount
	Counties []CountyCount
	Scopes   []CountyCount
}

// Stats returns the usage figures of the questions and votes since since,
// counted in the store's time zone (WithLocation). A zero since means since
// the oldest record. It returns ErrUnavailable while the database cannot be
// opened.
func (s *Store) Stats(ctx context.Context, since time.Time) (Stats, error) {
	now := s.cfg.now().In(s.cfg.loc)
	var st Stats
	err := s.withDB(func(db *sql.DB) error {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		// Nothing was written; rolling back only ends the snapshot.
		defer func() { _ = tx.Rollback() }()
		if since.IsZero() {
			var oldest sql.NullInt64
			if err := tx.QueryRowContext(ctx,
				"SELECT MIN(t) FROM (SELECT MIN(asked_at) AS t FROM questions UNION ALL SELECT MIN(voted_at) FROM votes)",
			).Scan(&oldest); err != nil {
				return fmt.Errorf("oldest record: %w", err)
			}
			since = now
			if oldest.Valid {
				since = time.UnixMilli(oldest.Int64)
			}
		}
		st = newStats(since.In(s.cfg.loc), now)
		return st.fill(ctx, tx, since.UnixMilli())
	})
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

func newStats(since, now time.Time) Stats {
	day := startOfDay(since)
	st := Stats{Since: day, Until: now}
	for d := day; !d.After(now); d = d.AddDate(0, 0, 1) {
		st.Days = append(st.Days, Period{Start: d})
	}
	for w := startOfWeek(day); !w.After(now); w = w.AddDate(0, 0, 7) {
		st.Weeks = append(st.Weeks, Period{Start: w})
	}
	return st
}

func (st *Stats) fill(ctx context.Context, tx *sql.Tx, since int64) error {
	err := eachRow(ctx, tx, func(rows *sql.Rows) error {
		var at int64
		var outcome Outcome
		if err := rows.Scan(&at, &outcome); err != nil {
			return err
		}
		st.add(at, func(c *Counts) {
			c.Questions++
			switch outcome {
			case Answered:
				c.Answered++
			case Refused:
				c.Refused++
			case Failed:
				c.Errors++
			}
		})
		return nil
	}, "SELECT asked_at, outcome FROM questions WHERE asked_at >= ?", since)
	if err != nil {
		return fmt.Errorf("count questions: %w", err)
	}
	err = eachRow(ctx, tx, func(rows *sql.Rows) error {
		var at int64
		var value int
		if err := rows.Scan(&at, &value); err != nil {
			return err
		}
		st.add(at, func(c *Counts) {
			if value > 0 {
				c.Up++
			} else {
				c.Down++
			}
		})
		return nil
	}, "SELECT voted_at, value FROM votes WHERE voted_at >= ?", since)
	if err != nil {
		return fmt.Errorf("count votes: %w", err)
	}

	if st.Articles, err = topArticles(ctx, tx, since); err != nil {
		return err
	}
	if st.Counties, err = topCounties(ctx, tx, `
SELECT c.county, COUNT(DISTINCT c.question_id) AS n
FROM citations c JOIN questions q ON q.id = c.question_id
WHERE q.asked_at >= ? AND c.county <> ''
GROUP BY c.county ORDER BY n DESC, c.county LIMIT ?`, since); err != nil {
		return fmt.Errorf("cited counties: %w", err)
	}
	if st.Scopes, err = topCounties(ctx, tx, `
SELECT county, COUNT(*) AS n FROM questions
WHERE asked_at >= ? AND county <> ''
GROUP BY county ORDER BY n DESC, county LIMIT ?`, since); err != nil {
		return fmt.Errorf("scopes: %w", err)
	}
	return nil
}

// add counts a record made at ms (Unix) in the total, its day and its week.
func (st *Stats) add(ms int64, f func(*Counts)) {
	f(&st.Total)
	t := time.UnixMilli(ms).In(st.Since.Location())
	if len(st.Days) > 0 {
		f(&st.Days[clamp(daysBetween(st.Since, t), len(st.Days))].Counts)
	}
	if len(st.Weeks) > 0 {
		f(&st.Weeks[clamp(daysBetween(st.Weeks[0].Start, t)/7, len(st.Weeks))].Counts)
	}
}

func topArticles(ctx context.Context, tx *sql.Tx, since int64) ([]ArticleCount, error) {
	var out []ArticleCount
	// An article's title and county change only when it is imported
	// again; should its citations differ, the greatest is shown.
	err := eachRow(ctx, tx, func(rows *sql.Rows) error {
		var a ArticleCount
		if err := rows.Scan(&a.ID, &a.Title, &a.County, &a.Answers); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, `
SELECT c.article_id, MAX(c.title), MAX(c.county), COUNT(DISTINCT c.question_id) AS n
FROM citations c JOIN questions q ON q.id = c.question_id
WHERE q.asked_at >= ?
GROUP BY c.article_id ORDER BY n DESC, c.article_id LIMIT ?`, since, TopN)
	if err != nil {
		return nil, fmt.Errorf("cited articles: %w", err)
	}
	return out, nil
}

func topCounties(ctx context.Context, tx *sql.Tx, query string, since int64) ([]CountyCount, error) {
	var out []CountyCount
	err := eachRow(ctx, tx, func(rows *sql.Rows) error {
		var c CountyCount
		if err := rows.Scan(&c.County, &c.Count); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}, query, since, TopN)
	return out, err
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// startOfWeek returns the Monday starting t's week.
func startOfWeek(t time.Time) time.Time {
	d := startOfDay(t)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return d.AddDate(0, 0, -back)
}

// daysBetween counts calendar days from a's date to b's, in a's time zone;
// it is right across daylight-saving changes, unlike dividing durations.
func daysBetween(a, b time.Time) int {
	civil := func(t time.Time) int64 {
		y, m, d := t.In(a.Location()).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	return int(civil(b) - civil(a))
}

// clamp keeps i within [0, n): a record stamped after Until (a clock
// moved back) counts in the last period.
func clamp(i, n int) int {
	return min(max(i, 0), n-1)
}
