package magazine

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// Regions are found by the shape of their names, not from a list: two or
// three Han characters and an administrative suffix (永吉县, 舒兰市, 船营区,
// 经开区). A name counts as a place only when the source itself uses it as
// one somewhere: as a letter-spaced label, at the head of a byline or post
// (永吉县委常委), or after a clause boundary followed by a party committee,
// a government or a township (，永吉县委…, 、蛟河市、, 舒兰市天德乡).

var (
	// leadRegionRe takes a place name from the head of a byline or post.
	leadRegionRe = regexp.MustCompile(`^(\p{Han}{2,3}?[县市区])\p{Han}`)
	// anchoredRegionRe finds a place name used as one in running text.
	anchoredRegionRe = regexp.MustCompile(`(?:^|[^\p{Han}])(\p{Han}{2,3}?[县市区])(委|政府|人民|[^\p{Han}]|$|\p{Han}{1,5}?(?:镇|乡|街道))`)
)

// notPlaceHead are characters that open a common word, not a place name
// (全市, 各县, 该区, 某县区).
const notPlaceHead = "全本该各我此两几省市县区乡镇村这那每某其整社小园辖片地街老一"

// notPlaceMiddle are characters that, in the middle of three, make a
// count or a rank of a name (三个区, 县级市, 各乡镇).
const notPlaceMiddle = "个级乡镇村"

// notPlaceBeforeSuffix are characters that, right before the suffix, make
// a common word of it (召开全区, 在本市).
const notPlaceBeforeSuffix = "全本该各我此每其这那"

// notPlaceTail are endings of common nouns that share a suffix with place
// names (社区, 小区, 园区).
var notPlaceTail = []string{"社区", "小区", "园区", "辖区", "片区", "景区", "山区", "地区", "街区", "校区", "厂区", "矿区", "林区", "库区", "灾区", "市区", "郊区", "考区", "民区", "房区", "放区",
	"老城区", "新城区", "主城区", "旧城区", "中城区", "全城区", "城乡区"}

func placeShaped(name string) bool {
	n := utf8.RuneCountInString(name)
	if n < 3 || n > 4 {
		return false
	}
	rs := []rune(name)
	if strings.ContainsRune(notPlaceHead, rs[0]) || strings.ContainsRune(notPlaceBeforeSuffix, rs[len(rs)-2]) ||
		n == 3 && strings.ContainsRune(notPlaceMiddle, rs[1]) {
		return false
	}
	for _, t := range notPlaceTail {
		if strings.HasSuffix(name, t) {
			return false
		}
	}
	return true
}

// leadRegion returns the place a byline, post or news item opens with.
func leadRegion(s string) string {
	m := leadRegionRe.FindStringSubmatch(whitespace.RemoveInLines(s))
	if m == nil || !placeShaped(m[1]) {
		return ""
	}
	return m[1]
}

// learnPlaces collects the place names an issue uses as places.
func learnPlaces(pieces []piece, labels []string) map[string]bool {
	known := map[string]bool{}
	add := func(n string) {
		if placeShaped(n) {
			known[n] = true
		}
	}
	for _, l := range labels {
		add(l)
	}
	for _, p := range pieces {
		for _, s := range []string{p.Author, p.AuthorPost, p.lead} {
			if r := leadRegion(s); r != "" {
				add(r)
			}
		}
		for _, line := range strings.Split(p.Title+"\n"+p.Body, "\n") {
			line = whitespace.RemoveInLines(line)
			for _, m := range anchoredRegionRe.FindAllStringSubmatchIndex(line, -1) {
				name, after := line[m[2]:m[3]], line[m[4]:m[5]]
				// In a list (、蛟河市、丰满区) the name counts only when the
				// next item is a place too: 建立区、街道 is no place.
				if after == "、" {
					// Both ends of 城关区、新华区 are places.
					next := nextListItem(line[m[5]:])
					if !placeShaped(next) || !strings.ContainsRune("县市区", []rune(next)[len([]rune(next))-1]) {
						continue
					}
					add(next)
				}
				add(name)
			}
		}
	}
	return known
}

// nextListItem returns the item that follows in a list: the Han
// characters up to the next separator.
func nextListItem(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return !cjk.IsHan(r) })
	if end < 0 {
		end = len(s)
	}
	rs := []rune(s[:end])
	// The name ends at its suffix: 新华区 of 新华区也开展了….
	for i := 2; i < len(rs) && i < 4; i++ {
		if strings.ContainsRune("县市区", rs[i]) {
			return string(rs[:i+1])
		}
	}
	if len(rs) > 4 {
		rs = rs[:4]
	}
	return string(rs)
}

// prefecture returns the city the magazine belongs to, the one
// whose districts and counties the other places are: a city (市) that
// more articles mention than any other place. It returns "" when no place
// stands out that way.
func prefecture(pieces []piece, known map[string]bool) string {
	spread := map[string]int{}
	for _, p := range pieces {
		text := whitespace.RemoveInLines(p.Title + p.Author + p.AuthorPost + p.Body)
		for n := range known {
			if strings.Contains(text, n) {
				spread[n]++
			}
		}
	}
	best, bestN, second := "", 0, 0
	for _, n := range sortedKeys(spread) {
		c := spread[n]
		switch {
		case c > bestN:
			second = bestN
			best, bestN = n, c
		case c > second:
			second = c
		}
	}
	if !strings.HasSuffix(best, "市") || bestN < 3 || bestN <= second {
		return ""
	}
	return best
}

// assignRegions sets each article's regions, most relevant first: the
// place of its byline or post, the place a news item opens with, then the
// places its text mentions, most mentioned first. The magazine's own city
// is listed only when an article is about nothing else. A news item that
// names no place belongs to the place of the item before it, since items
// are grouped by place.
func assignRegions(pieces []piece, labels []string) {
	known := learnPlaces(pieces, labels)
	city := prefecture(pieces, known)
	names := sortedKeys(known)
	for i := range pieces {
		p := &pieces[i]
		var out []string
		seen := map[string]bool{}
		push := func(n string) {
			if n != "" && known[n] && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		push(leadRegion(p.Author))
		push(leadRegion(p.AuthorPost))
		if p.news {
			lead := whitespace.RemoveInLines(p.lead)
			first, at := "", len(lead)
			for _, n := range names {
				if j := strings.Index(lead, n); j >= 0 && j < at {
					first, at = n, j
				}
			}
			push(first)
		}
		text := whitespace.RemoveInLines(p.Title + "\n" + p.Body)
		type hit struct {
			name  string
			count int
			first int
		}
		var hits []hit
		for _, n := range names {
			if c := strings.Count(text, n); c > 0 {
				hits = append(hits, hit{n, c, strings.Index(text, n)})
			}
		}
		sort.Slice(hits, func(a, b int) bool {
			if hits[a].count != hits[b].count {
				return hits[a].count > hits[b].count
			}
			return hits[a].first < hits[b].first
		})
		for _, h := range hits {
			push(h.name)
		}
		if city != "" && len(out) > 1 {
			out = deleteString(out, city)
		}
		if len(out) == 0 && p.news && i > 0 && pieces[i-1].news && len(pieces[i-1].Regions) > 0 {
			out = []string{pieces[i-1].Regions[0]}
		}
		p.Regions = out
	}
}

func deleteString(ss []string, s string) []string {
	out := ss[:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// articleID derives an article's ID from its content: the title and
// author, and the section for a piece whose title was made from its text.
// Editing the body keeps the ID.
func articleID(title, author, section string, derived bool) string {
	h := sha256.New()
	h.Write([]byte(whitespace.RemoveInLines(title)))
	h.Write([]byte{0})
	h.Write([]byte(whitespace.RemoveInLines(author)))
	if derived {
		h.Write([]byte{0})
		h.Write([]byte(whitespace.RemoveInLines(section)))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// assignIDs gives every piece its ID; when two pieces would share one, the
// later gets the ID salted with its rank among them, so IDs stay unique
// and stable for the same input.
func assignIDs(pieces []piece) []knowledge.Article {
	out := make([]knowledge.Article, 0, len(pieces))
	ids := newIDSet()
	for _, p := range pieces {
		a := p.Article
		a.ID = ids.unique(articleID(a.Title, a.Author, a.Section, p.derived))
		out = append(out, a)
	}
	return out
}

// idSet hands out unique IDs.
type idSet struct {
	used map[string]bool
	next map[string]int // for a base ID, the salt to try next
}

func newIDSet() *idSet { return &idSet{used: map[string]bool{}, next: map[string]int{}} }

// unique returns id, or a variant of it salted with a counter when id is
// taken, and marks the result as used.
func (s *idSet) unique(id string) string {
	cand := id
	for s.used[cand] {
		n := s.next[id]
		if n < 2 {
			n = 2
		}
		s.next[id] = n + 1
		sum := sha256.Sum256([]byte(id + "#" + strconv.Itoa(n)))
		cand = hex.EncodeToString(sum[:])[:len(id)]
	}
	s.used[cand] = true
	return cand
}
