package knowledge

import (
	"sort"
	"strings"

	"kbot/knowledge/whitespace"
)

// gazetteer recognises the counties and districts of the knowledge base in
// free text. It is built from the articles' regions, so a new issue about
// other places brings its own names; each name is also known by its short
// form without the administrative suffix (永吉县 → 永吉, 经开区 → 经开).
type gazetteer struct {
	names []string
	// alias maps every spelling to its canonical name, longest first in
	// aliases for matching.
	alias   map[string]string
	aliases []string
	// umbrella marks a place that contains the others — the city whose
	// counties the articles are about. Naming it in a question does not
	// point at any one article, so it boosts nothing.
	umbrella map[string]bool
}

func newGazetteer(articles []Article) *gazetteer {
	g := &gazetteer{alias: map[string]string{}, umbrella: map[string]bool{}}
	seen := map[string]bool{}
	for _, a := range articles {
		for _, r := range a.Regions {
			r = strings.TrimSpace(r)
			if r == "" || seen[r] {
				continue
			}
			seen[r] = true
			g.names = append(g.names, r)
		}
	}
	for _, n := range g.names {
		g.add(n, n)
		rs := []rune(n)
		if len(rs) >= 3 && strings.ContainsRune("县市区旗", rs[len(rs)-1]) {
			short := string(rs[:len(rs)-1])
			// A short form shared by two names (X县 and X市) is ambiguous:
			// keep neither.
			if prev, ok := g.alias[short]; ok && prev != n {
				g.alias[short] = ""
			} else if !ok {
				g.add(short, n)
			}
		}
	}
	for a, n := range g.alias {
		if n == "" {
			delete(g.alias, a)
			continue
		}
		g.aliases = append(g.aliases, a)
	}
	// A place named in the bodies of articles about three or more other
	// places is an umbrella over them.
	for _, n := range g.names {
		others := map[string]bool{}
		for _, a := range articles {
			if len(a.Regions) == 0 || contains(a.Regions, n) || !strings.Contains(whitespace.RemoveInLines(a.Body), n) {
				continue
			}
			for _, r := range a.Regions {
				others[r] = true
			}
		}
		if len(others) >= 3 {
			g.umbrella[n] = true
		}
	}
	sort.Slice(g.aliases, func(i, j int) bool {
		li, lj := len(g.aliases[i]), len(g.aliases[j])
		if li != lj {
			return li > lj
		}
		return g.aliases[i] < g.aliases[j]
	})
	return g
}

func (g *gazetteer) add(alias, name string) {
	if _, ok := g.alias[alias]; !ok {
		g.alias[alias] = name
	}
}

// resolve returns the canonical name for a region as a user typed it
// (永吉, 永吉县, "永 吉 县"), or "" when it is not known.
func (g *gazetteer) resolve(s string) string {
	s = whitespace.Remove(s)
	if n, ok := g.alias[s]; ok {
		return n
	}
	return ""
}

// find returns the canonical names of the regions a text mentions, in
// order of first mention, without duplicates.
func (g *gazetteer) find(text string) []string {
	text = whitespace.Remove(text)
	type hit struct {
		at   int
		name string
	}
	var hits []hit
	taken := make([]bool, len(text))
	for _, a := range g.aliases {
		for from := 0; ; {
			i := strings.Index(text[from:], a)
			if i < 0 {
				break
			}
			i += from
			free := true
			for j := i; j < i+len(a); j++ {
				if taken[j] {
					free = false
					break
				}
			}
			if free {
				for j := i; j < i+len(a); j++ {
					taken[j] = true
				}
				hits = append(hits, hit{i, g.alias[a]})
			}
			from = i + len(a)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	var out []string
	seen := map[string]bool{}
	for _, h := range hits {
		if !seen[h.name] {
			seen[h.name] = true
			out = append(out, h.name)
		}
	}
	return out
}

// specific drops umbrella places from names.
func (g *gazetteer) specific(names []string) []string {
	var out []string
	for _, n := range names {
		if !g.umbrella[n] {
			out = append(out, n)
		}
	}
	return out
}
