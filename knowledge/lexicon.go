package knowledge

import (
	"regexp"
	"strconv"
	"strings"

	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// lexicon is what the collection itself says about places, people and
// time, learnt from the articles when an index is assembled: no list of
// names is built in, so another issue of the magazine, or articles from
// elsewhere, bring their own.
type lexicon struct {
	// places are the place names the articles mention, each with its
	// administrative suffix (三梁村, 口前镇, 安吉县, 绿地筑石红社区).
	places map[string]bool
	// people are the personal names the collection knows: the authors
	// that are persons and the names standing at a post in the text
	// (支部书记李林森).
	people map[string]bool
	// text is each article's title, byline and body without white space,
	// for the checks of what an article mentions.
	text []string
	// dates[i] are the months article i speaks of: those written with
	// their year, and, for a dated news item (7 月 22 日，…), its own month
	// in the source's year.
	dates []map[yearMonth]bool
	// years[i] are the years article i mentions or is dated in.
	years []map[int]bool
	// dated lists the months of the dated news items, the period the
	// collection reports on, oldest first.
	dated []yearMonth
}

type yearMonth struct{ year, month int }

func (ym yearMonth) String() string {
	return strconv.Itoa(ym.year) + "年" + strconv.Itoa(ym.month) + "月"
}

// placeSuffixes end a place name; two-character ones are matched first.
var placeSuffixes = []string{"社区", "街道", "村", "镇", "乡", "县", "市", "区", "省", "州", "盟", "旗"}

// notInName are characters that a place or personal name does not
// contain here: function words, pronouns, and the administrative
// suffixes (a reading that holds one has run into the previous name).
const notInName = "的了在是和与及或那这个哪些各全本我你他她它该每此其所有上下里中内外从到对向把被让给为以于就也都还又很最更再已将要会能可并而但却则即如若去来年月日号时多少几什么怎谁村镇乡县市区省州盟旗"

var (
	fullDate = regexp.MustCompile(`((?:19|20)[0-9]{2})年([0-9]{1,2})月`)
	yearOnly = regexp.MustCompile(`((?:19|20)[0-9]{2})年`)
	itemDate = regexp.MustCompile(`^([0-9]{1,2})月(?:[0-9]{1,2}日|初|以来|中旬|下旬|上旬|底)`)
)

func newLexicon(articles []Article, chunks []Chunk, owner []int) *lexicon {
	l := &lexicon{places: map[string]bool{}, people: map[string]bool{}}
	l.text = make([]string, len(articles))
	for i, a := range articles {
		l.text[i] = whitespace.Remove(a.Title + "\n" + a.Byline() + "\n" + a.Body)
		for _, name := range placesIn(l.text[i]) {
			l.places[name] = true
		}
		if isPersonName(a.Author) {
			l.people[a.Author] = true
		}
	}
	for _, c := range chunks {
		for _, h := range holdersIn(whitespace.Remove(c.Text)) {
			l.people[h.name] = true
		}
	}
	l.learnDates(articles)
	return l
}

// placesIn returns every reading of a place name in text: the two to
// four characters before each place suffix, with the suffix.
func placesIn(text string) []string {
	rs := []rune(text)
	var out []string
	for i := range rs {
		suf := suffixAt(rs, i)
		if suf == 0 {
			continue
		}
		start := i - suf + 1
		for k := 2; k <= 4 && start-k >= 0; k++ {
			if !nameRunes(rs[start-k : start]) {
				break
			}
			out = append(out, string(rs[start-k:i+1]))
		}
	}
	return out
}

// suffixAt returns the length in runes of the place suffix that ends at
// rs[i], or 0.
func suffixAt(rs []rune, i int) int {
	for _, s := range placeSuffixes {
		sr := []rune(s)
		if i+1 >= len(sr) && string(rs[i+1-len(sr):i+1]) == s {
			return len(sr)
		}
	}
	return 0
}

func nameRunes(rs []rune) bool {
	for _, r := range rs {
		if !cjk.IsHan(r) || strings.ContainsRune(notInName, r) {
			return false
		}
	}
	return true
}

// isPersonName reports whether an author reads as a person (two to four
// Han characters) rather than a body (…党委, …党支部).
func isPersonName(s string) bool {
	rs := []rune(whitespace.Remove(s))
	if len(rs) < 2 || len(rs) > 4 {
		return false
	}
	for _, r := range rs {
		if !cjk.IsHan(r) {
			return false
		}
	}
	return !strings.ContainsAny(s, "委部会局院组社村镇区县市省")
}

// learnDates finds the months each article speaks of. A news item that
// opens with its date (7 月 22 日，…) is dated in the source's year: the
// year the source's dated items mention most, the later one on a tie.
func (l *lexicon) learnDates(articles []Article) {
	l.dates = make([]map[yearMonth]bool, len(articles))
	l.years = make([]map[int]bool, len(articles))
	itemYears := map[string]map[int]int{}
	for i, a := range articles {
		l.dates[i] = map[yearMonth]bool{}
		l.years[i] = map[int]bool{}
		body := whitespace.Remove(a.Body)
		for _, m := range fullDate.FindAllStringSubmatch(body, -1) {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			if mo >= 1 && mo <= 12 {
				l.dates[i][yearMonth{y, mo}] = true
			}
		}
		for _, m := range yearOnly.FindAllStringSubmatch(body, -1) {
			y, _ := strconv.Atoi(m[1])
			l.years[i][y] = true
			if itemDate.MatchString(body) {
				if itemYears[a.Source] == nil {
					itemYears[a.Source] = map[int]int{}
				}
				itemYears[a.Source][y]++
			}
		}
	}
	for i, a := range articles {
		m := itemDate.FindStringSubmatch(whitespace.Remove(a.Body))
		if m == nil {
			continue
		}
		year := 0
		for y, n := range itemYears[a.Source] {
			if n > itemYears[a.Source][year] || n == itemYears[a.Source][year] && y > year {
				year = y
			}
		}
		mo, _ := strconv.Atoi(m[1])
		if year == 0 || mo < 1 || mo > 12 {
			continue
		}
		ym := yearMonth{year, mo}
		l.dates[i][ym] = true
		l.years[i][year] = true
		if !containsMonth(l.dated, ym) {
			l.dated = append(l.dated, ym)
		}
	}
	sortMonths(l.dated)
}

func containsMonth(list []yearMonth, ym yearMonth) bool {
	for _, x := range list {
		if x == ym {
			return true
		}
	}
	return false
}

func sortMonths(list []yearMonth) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && (list[j].year < list[j-1].year || list[j].year == list[j-1].year && list[j].month < list[j-1].month); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// period says which months the dated items cover (2020年7月至8月), or "".
func (l *lexicon) period() string {
	if len(l.dated) == 0 {
		return ""
	}
	first, last := l.dated[0], l.dated[len(l.dated)-1]
	switch {
	case first == last:
		return first.String()
	case first.year == last.year:
		return first.String() + "至" + strconv.Itoa(last.month) + "月"
	default:
		return first.String() + "至" + last.String()
	}
}

// knownPlace reports whether the collection mentions a place by this
// name.
func (l *lexicon) knownPlace(name string) bool { return l.places[name] }
