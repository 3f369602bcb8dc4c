package knowledge

import (
	"regexp"
	"strings"

	"kbot/knowledge/whitespace"
)

// Without a language model, a follow-up question is read by rules: one
// that lacks a topic of its own (那永吉县呢？ 还有呢？ 他们怎么做的？)
// inherits the county, article or topic of the chat's previous question.

var (
	// asksMore asks for more of the previous answer.
	asksMore = regexp.MustCompile(`^(那)?(还有|还有没有|还有别的|还有其他|其他的|别的|再说说|继续|接着说)(呢|吗|么|的|做法|内容)?[？?。！!]*$`)
	// thatOne opens an elliptical question about another thing: 那X呢？
	thatOne = regexp.MustCompile(`^(那|那么|那个)?.{1,12}(呢|怎么样|如何)[？?。！!]*$`)
	// pronouns refer back to what was asked before.
	pronouns = regexp.MustCompile(`他们|她们|它们|他|她|它|这个|那个|这些|那些|这里|那里|该|其|这篇|那篇|上面|刚才`)
)

// followUp is a question read together with the chat's history: text is
// the question to retrieve for, skip the previous answer when the user
// asks for more of it.
type followUp struct {
	text, skip string
}

// followUp reads question q with history. A question that stands on its
// own comes back unchanged.
func (x *Index) followUp(q string, history []Turn) followUp {
	if len(history) == 0 {
		return followUp{text: q}
	}
	prev := history[len(history)-1]
	t := whitespace.Remove(q)
	if asksMore.MatchString(t) {
		return followUp{text: prev.Question, skip: prev.Answer}
	}
	if !x.elliptical(t) {
		return followUp{text: q}
	}
	named := x.places.find(t)
	before := x.places.find(prev.Question)
	rest := x.withoutPlaces(queryText(strings.TrimPrefix(strings.TrimPrefix(t, "那么"), "那")))
	if len(named) > 0 && x.weight(termsOf(pronouns.ReplaceAllString(rest, "，"))) < 4 {
		// 那永吉县呢？ — the previous question about another county.
		text := prev.Question
		if len(before) > 0 {
			for _, al := range x.places.aliases {
				if x.places.alias[al] == before[0] {
					text = strings.ReplaceAll(text, al, "\x00")
				}
			}
			text = strings.ReplaceAll(text, "\x00", named[0])
			return followUp{text: collapse(text, named[0])}
		}
		return followUp{text: named[0] + text}
	}
	// 他们怎么做的？ — the previous question's topic with this question.
	return followUp{text: strings.TrimRight(prev.Question, "？?。！! ") + "，" + q}
}

// collapse joins repeats of a name left by replacing its spellings
// (永吉县县 → 永吉县).
func collapse(text, name string) string {
	for strings.Contains(text, name+name) {
		text = strings.ReplaceAll(text, name+name, name)
	}
	r := []rune(name)
	return strings.ReplaceAll(text, name+string(r[len(r)-1]), name)
}

// elliptical reports whether a question (without white space) lacks a
// topic of its own: it asks 那X呢, refers back with a pronoun while
// short, or has almost no content the collection knows.
func (x *Index) elliptical(t string) bool {
	n := runeLen(t)
	content := x.withoutPlaces(queryText(t))
	content = pronouns.ReplaceAllString(content, "，")
	w := x.weight(termsOf(content))
	switch {
	case n <= 14 && thatOne.MatchString(t) && strings.HasPrefix(t, "那"):
		return true
	case n <= 16 && pronouns.MatchString(t) && w < 12:
		return true
	case w < 4:
		return true
	}
	return false
}

// withoutPlaces blanks the counties the gazetteer knows out of text.
func (x *Index) withoutPlaces(text string) string {
	for _, al := range x.places.aliases {
		text = strings.ReplaceAll(text, al, "，")
	}
	return text
}
