package store

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestGapsCSVRoundTrip(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		gaps func(t *testing.T) []Gap
	}{
		{"from the store", func(t *testing.T) []Gap {
			s := openTest(t, WithLocation(shanghai))
			mustRecord(t, s,
				refused("长春市有哪些党建经验？", 1, 1),
				refused("长春市有哪些党建经验", 1, 2),
				answered("永吉县怎样发展村集体经济", 1, 3),
			)
			mustVote(t, s, Vote{Answer: AnswerRef{ChatID: 1, MessageID: 3}, UserID: 9, Verdict: ThumbsDown, Reason: ReasonBadCitation})
			return mustGaps(t, s, time.Time{})
		}},
		{"awkward text", func(t *testing.T) []Gap {
			return []Gap{
				{
					Question: `引号"和,逗号 以及 ×2 结尾 ×3`, Count: 2, Refused: 1, Down: 4,
					VoteReasons:    []Tally{{Label: "答非所问", Count: 3}, {Label: "不完整", Count: 1}},
					RefusalReasons: []Tally{{Label: "coverage 0.30 < 0.32; a ×b", Count: 1}},
					LastAsked:      time.Date(2025, 2, 3, 4, 5, 6, 0, shanghai),
					Variants: []Variant{
						{Text: `引号"和,逗号 以及 ×2 结尾 ×3`, Count: 1},
						{Text: "\ufeff开头的标记", Count: 1},
					},
				},
				{Question: "", Count: 1, LastAsked: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)},
			}
		}},
		{"no gaps", func(*testing.T) []Gap { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.gaps(t)
			var buf bytes.Buffer
			if err := WriteGapsCSV(&buf, in); err != nil {
				t.Fatalf("WriteGapsCSV: %v", err)
			}
			if !strings.HasPrefix(buf.String(), bom+"问题,次数,") {
				t.Errorf("CSV starts %q, want the byte order mark and the header", buf.String()[:min(buf.Len(), 20)])
			}
			out, err := ReadGapsCSV(&buf)
			if err != nil {
				t.Fatalf("ReadGapsCSV: %v", err)
			}
			if !gapsEqual(in, out) {
				t.Errorf("round trip changed the gaps:\n in %+v\nout %+v", in, out)
			}
		})
	}
}

func TestReadGapsCSVRejects(t *testing.T) {
	header := strings.Join(csvHeader, ",") + "\n"
	tests := []struct{ name, csv, want string }{
		{"wrong header", "a,b,c,d,e,f,g,h\n", "header"},
		{"bad count", header + "问,x,0,0,,,2025-01-01T00:00:00Z,\n", "line 2"},
		{"bad time", header + "问,1,0,0,,,yesterday,\n", "最近提问"},
		{"tally without count", header + "问,1,0,0,没找到,,2025-01-01T00:00:00Z,\n", "no count"},
		{"too few columns", header + "问,1\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadGapsCSV(strings.NewReader(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzGapsCSV checks the round trip for any question text the store can
// hold (cleaned as RecordQuestion cleans it).
func FuzzGapsCSV(f *testing.F) {
	f.Add("长春市有哪些党建经验？", "答非所问", 3)
	f.Add(`"a,b" ×1 ×`, "", 0)
	f.Add("\r\n\t", "×", 1<<20)
	f.Fuzz(func(t *testing.T, question, reason string, n int) {
		q, r := clean(question, MaxTextRunes), clean(reason, maxShortRunes)
		in := []Gap{{
			Question: q, Count: n, Refused: n / 2, Down: -n,
			LastAsked: time.Unix(1700000000, 0).UTC(),
			Variants:  []Variant{{Text: q, Count: n}},
		}}
		if r != "" {
			in[0].VoteReasons = []Tally{{Label: r, Count: n}}
		}
		var buf bytes.Buffer
		if err := WriteGapsCSV(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := ReadGapsCSV(&buf)
		if err != nil {
			t.Fatalf("ReadGapsCSV of our own output: %v", err)
		}
		if !gapsEqual(in, out) {
			t.Errorf("round trip:\n in %+v\nout %+v", in, out)
		}
	})
}
