package store

import (
	"slices"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	// Wednesday 2025-05-14 10:00 in CST.
	clk := newClock(time.Date(2025, 5, 14, 10, 0, 0, 0, cst))
	s := openTest(t, WithClock(clk.Now), WithLocation(cst))
	day := func(d, hour int) time.Time { return time.Date(2025, 5, d, hour, 0, 0, 0, cst) }
	a1 := Article{ID: "a1", Title: "抓党建促发展", County: "磐石市"}
	a2 := Article{ID: "a2", Title: "村集体经济", County: "永吉县"}
	a3 := Article{ID: "a3", Title: "磐石市的另一篇", County: "磐石市"}
	qs := []Question{
		// Sunday 11th, late evening in CST (still the 11th there, the
		// 11th in UTC too) and just after midnight on Monday the 12th
		// (the 11th in UTC): the day must follow the store's zone.
		{At: day(11, 23), Outcome: Answered, Articles: []Article{a1, a2}},
		{At: day(12, 0).Add(30 * time.Minute), Outcome: Refused},
		{At: day(13, 9), Outcome: Answered, Articles: []Article{a1, a1, a3}, County: "磐石市"},
		{At: day(14, 8), Outcome: Failed},
		{At: day(14, 9), Outcome: Answered, Articles: []Article{a2}, County: "永吉县"},
	}
	for i := range qs {
		qs[i].Text = "问题"
		qs[i].ChatType = ChatSupergroup
		qs[i].Answer = AnswerRef{ChatID: -100, MessageID: i + 1}
	}
	mustRecord(t, s, qs...)
	vote := func(msg int, user int64, v Verdict, at time.Time) Vote {
		return Vote{Answer: AnswerRef{ChatID: -100, MessageID: msg}, UserID: user, Verdict: v, At: at}
	}
	mustVote(t, s,
		vote(1, 1, ThumbsUp, day(12, 8)),
		vote(1, 2, ThumbsDown, day(13, 8)),
		vote(3, 1, ThumbsDown, day(13, 9)),
		vote(3, 1, ThumbsUp, day(14, 9)), // changed: counts once, on the 14th
	)

	st := mustStats(t, s, day(11, 12))
	if !st.Since.Equal(day(11, 0)) || !st.Until.Equal(clk.Now()) {
		t.Errorf("since %v until %v, want %v and %v", st.Since, st.Until, day(11, 0), clk.Now())
	}
	wantTotal := Counts{Questions: 5, Answered: 3, Refused: 1, Errors: 1, Up: 2, Down: 1}
	if st.Total != wantTotal {
		t.Errorf("total %+v, want %+v", st.Total, wantTotal)
	}
	wantDays := []Period{
		{Start: day(11, 0), Counts: Counts{Questions: 1, Answered: 1}},
		{Start: day(12, 0), Counts: Counts{Questions: 1, Refused: 1, Up: 1}},
		{Start: day(13, 0), Counts: Counts{Questions: 1, Answered: 1, Down: 1}},
		{Start: day(14, 0), Counts: Counts{Questions: 2, Answered: 1, Errors: 1, Up: 1}},
	}
	if !slices.EqualFunc(st.Days, wantDays, periodEqual) {
		t.Errorf("days:\n got %+v\nwant %+v", st.Days, wantDays)
	}
	wantWeeks := []Period{
		{Start: day(5, 0), Counts: Counts{Questions: 1, Answered: 1}}, // Monday 5th to Sunday 11th
		{Start: day(12, 0), Counts: Counts{Questions: 4, Answered: 2, Refused: 1, Errors: 1, Up: 2, Down: 1}},
	}
	if !slices.EqualFunc(st.Weeks, wantWeeks, periodEqual) {
		t.Errorf("weeks:\n got %+v\nwant %+v", st.Weeks, wantWeeks)
	}
	wantArticles := []ArticleCount{{Article: a1, Answers: 2}, {Article: a2, Answers: 2}, {Article: a3, Answers: 1}}
	if !slices.Equal(st.Articles, wantArticles) {
		t.Errorf("articles %+v, want %+v", st.Articles, wantArticles)
	}
	// 磐石市: answers 1 and 3 cite its articles (3 cites two); 永吉县: 1 and 5.
	wantCounties := []CountyCount{{County: "永吉县", Count: 2}, {County: "磐石市", Count: 2}}
	if !slices.Equal(st.Counties, wantCounties) {
		t.Errorf("counties %+v, want %+v", st.Counties, wantCounties)
	}
	wantScopes := []CountyCount{{County: "永吉县", Count: 1}, {County: "磐石市", Count: 1}}
	if !slices.Equal(st.Scopes, wantScopes) {
		t.Errorf("scopes %+v, want %+v", st.Scopes, wantScopes)
	}

	// Since a later day leaves the earlier records out.
	later := mustStats(t, s, day(13, 0))
	if later.Total.Questions != 3 || len(later.Days) != 2 || len(later.Weeks) != 1 {
		t.Errorf("since the 13th: %d questions, %d days, %d weeks; want 3, 2, 1",
			later.Total.Questions, len(later.Days), len(later.Weeks))
	}
	// A zero since starts at the oldest record.
	all := mustStats(t, s, time.Time{})
	if !all.Since.Equal(day(11, 0)) || all.Total != wantTotal {
		t.Errorf("since zero: from %v with %+v, want from %v with %+v", all.Since, all.Total, day(11, 0), wantTotal)
	}
}

func TestStatsEmpty(t *testing.T) {
	clk := newClock(time.Date(2025, 5, 14, 10, 0, 0, 0, time.UTC))
	s := openTest(t, WithClock(clk.Now), WithLocation(time.UTC))
	st := mustStats(t, s, time.Time{})
	if st.Total != (Counts{}) || len(st.Days) != 1 || len(st.Weeks) != 1 || st.Articles != nil {
		t.Errorf("empty store: %+v, want zero counts over today only", st)
	}
}

func periodEqual(a, b Period) bool { return a.Start.Equal(b.Start) && a.Counts == b.Counts }
