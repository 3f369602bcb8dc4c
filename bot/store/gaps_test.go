package store

import (
	"slices"
	"testing"
	"time"
)

func TestGapsGroupsNearDuplicates(t *testing.T) {
	clk := newClock(time.Date(2025, 5, 20, 12, 0, 0, 0, time.UTC))
	s := openTest(t, WithClock(clk.Now), WithLocation(time.UTC))
	at := func(minutes int) time.Time { return clk.Now().Add(time.Duration(minutes) * time.Minute) }
	q := func(text string, msg int, minutes int, outcome Outcome) Question {
		r := refused(text, 1, msg)
		r.At, r.Outcome = at(minutes), outcome
		if outcome != Refused {
			r.Reason = ""
		}
		return r
	}
	mustRecord(t, s,
		q("长春市有哪些党建经验？", 1, -60, Refused),
		q("长春市有哪些党建经验", 2, -50, Refused),
		q("请问长春市有哪些党建经验呢", 3, -40, Refused),
		q("长春市的党建经验有哪些", 4, -30, Refused),
		q("２０２１年换届结果", 5, -20, Refused),
		q("2021年换届结果", 6, -10, Refused),
		q("2022年换届结果", 7, -5, Refused),
		// Answered, then marked 👎 by two users.
		q("永吉县怎样发展村集体经济", 8, -3, Answered),
		// Answered and liked: not a gap.
		q("磐石市怎样发展村集体经济", 9, -2, Answered),
		// Asked before since: left out.
		q("长春市有哪些党建经验", 10, -24*60, Refused),
	)
	mustVote(t, s,
		Vote{Answer: AnswerRef{ChatID: 1, MessageID: 8}, UserID: 1, Verdict: ThumbsDown, Reason: ReasonIncomplete},
		Vote{Answer: AnswerRef{ChatID: 1, MessageID: 8}, UserID: 2, Verdict: ThumbsDown, Reason: ReasonIncomplete},
		Vote{Answer: AnswerRef{ChatID: 1, MessageID: 9}, UserID: 1, Verdict: ThumbsUp},
		// A 👎 on a refusal adds to its group.
		Vote{Answer: AnswerRef{ChatID: 1, MessageID: 2}, UserID: 3, Verdict: ThumbsDown, Reason: ReasonNotFound},
	)

	gaps := mustGaps(t, s, at(-12*60))
	// Variants join the first group all of whose members they nearly
	// duplicate, most frequent first, then most recent: 长春市的… (the
	// more recent of the two single ones) joins the leader, and 请问…呢,
	// which differs from it on both sides, stays apart.
	want := []Gap{
		{
			Question: "长春市有哪些党建经验", Count: 3, Refused: 3, Down: 1,
			VoteReasons:    []Tally{{Label: "没找到", Count: 1}},
			RefusalReasons: []Tally{{Label: "no_passage", Count: 3}},
			LastAsked:      at(-30),
			Variants:       []Variant{{Text: "长春市有哪些党建经验", Count: 2}, {Text: "长春市的党建经验有哪些", Count: 1}},
		},
		{
			Question: "2021年换届结果", Count: 2, Refused: 2,
			RefusalReasons: []Tally{{Label: "no_passage", Count: 2}},
			LastAsked:      at(-10),
			Variants:       []Variant{{Text: "2021年换届结果", Count: 2}},
		},
		{
			Question: "永吉县怎样发展村集体经济", Count: 1, Down: 2,
			VoteReasons: []Tally{{Label: "不完整", Count: 2}},
			LastAsked:   at(-3),
			Variants:    []Variant{{Text: "永吉县怎样发展村集体经济", Count: 1}},
		},
		{
			Question: "2022年换届结果", Count: 1, Refused: 1,
			RefusalReasons: []Tally{{Label: "no_passage", Count: 1}},
			LastAsked:      at(-5),
			Variants:       []Variant{{Text: "2022年换届结果", Count: 1}},
		},
		{
			Question: "请问长春市有哪些党建经验呢", Count: 1, Refused: 1,
			RefusalReasons: []Tally{{Label: "no_passage", Count: 1}},
			LastAsked:      at(-40),
			Variants:       []Variant{{Text: "请问长春市有哪些党建经验呢", Count: 1}},
		},
	}
	if !gapsEqual(gaps, want) {
		t.Errorf("gaps:\n got %+v\nwant %+v", gaps, want)
	}
}

func TestGapsOrder(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	rows := []gapRow{
		{at: base + 1000, text: "甲问题", refused: true},
		{at: base + 2000, text: "乙问题", downs: 3},
		{at: base + 3000, text: "丙问题", refused: true},
		{at: base + 4000, text: "丁问题", refused: true},
		{at: base + 5000, text: "丁问题", refused: true},
	}
	var got []string
	for _, g := range groupGaps(rows, time.UTC) {
		got = append(got, g.Question)
	}
	// Most frequent, then most 👎, then most recent.
	want := []string{"丁问题", "乙问题", "丙问题", "甲问题"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
