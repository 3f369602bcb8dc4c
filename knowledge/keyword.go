package knowledge

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"kbot/knowledge/cjk"
)

// termsOf splits text into keyword-index terms: overlapping bigrams of Han
// characters (whitespace inside a run of Han characters is ignored, as the
// PDF leaves stray spaces inside words) and lower-cased runs of letters or
// digits. A run of a single Han character yields that character.
// Punctuation ends a run.
func termsOf(text string) []string {
	var terms []string
	var run []rune // current Han run
	flushHan := func() {
		switch {
		case len(run) == 1:
			terms = append(terms, string(run))
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				terms = append(terms, string(run[i:i+2]))
			}
		}
		run = run[:0]
	}
	var word strings.Builder
	flushWord := func() {
		if word.Len() > 0 {
			terms = append(terms, word.String())
			word.Reset()
		}
	}
	for _, r := range text {
		switch {
		case cjk.IsHan(r):
			flushWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			// A space splits words but not runs of Han characters.
			flushWord()
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return terms
}

// questionPhrases carry no content in a question; they are taken out of
// queries (not of documents) before matching.
var questionPhrases = []string{
	"是什么意思", "是怎么样", "怎么样", "为什么", "是什么", "什么样", "什么", "怎么", "怎样",
	"如何", "哪些", "哪几", "哪个", "哪里", "哪儿", "哪位", "多少", "是谁", "有没有", "是否",
	"为啥", "请问", "能不能", "大概说说", "说说", "介绍一下", "具体", "一下", "有啥", "干啥",
	"叫啥", "啥", "吗", "呢", "吧", "谁",
}

var questionReplacer = func() *strings.Replacer {
	var pairs []string
	for _, p := range questionPhrases {
		pairs = append(pairs, p, "，")
	}
	return strings.NewReplacer(pairs...)
}()

// queryText strips question words (什么、怎么、哪些…) from a question so
// that matching weighs only its content.
func queryText(q string) string {
	return questionReplacer.Replace(q)
}

type posting struct {
	doc int32
	tf  uint16
}

// keywordIndex is a BM25 index over termsOf.
type keywordIndex struct {
	postings map[string][]posting
	docLen   []float32
	avgLen   float32
}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

func newKeywordIndex(docs []string) *keywordIndex {
	k := &keywordIndex{postings: map[string][]posting{}, docLen: make([]float32, len(docs))}
	var total float64
	tf := map[string]int{}
	for i, d := range docs {
		clear(tf)
		terms := termsOf(d)
		for _, t := range terms {
			tf[t]++
		}
		for t, n := range tf {
			if n > math.MaxUint16 {
				n = math.MaxUint16
			}
			k.postings[t] = append(k.postings[t], posting{doc: int32(i), tf: uint16(n)})
		}
		k.docLen[i] = float32(len(terms))
		total += float64(len(terms))
	}
	if len(docs) > 0 {
		k.avgLen = float32(total / float64(len(docs)))
	}
	return k
}

// idf is BM25's inverse document frequency, never negative.
func (k *keywordIndex) idf(term string) float64 {
	n := float64(len(k.docLen))
	df := float64(len(k.postings[term]))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

type scored struct {
	doc   int
	score float64
}

// search returns up to n documents by BM25 score for the query's terms,
// best first, keeping only documents allow accepts (nil allows all).
func (k *keywordIndex) search(query string, n int, allow func(doc int) bool) []scored {
	terms := uniqueTerms(termsOf(query))
	if len(terms) == 0 || n <= 0 {
		return nil
	}
	acc := map[int32]float64{}
	for _, t := range terms {
		ps := k.postings[t]
		if len(ps) == 0 {
			continue
		}
		idf := k.idf(t)
		for _, p := range ps {
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*float64(k.docLen[p.doc])/float64(k.avgLen))
			acc[p.doc] += idf * tf * (bm25K1 + 1) / (tf + norm)
		}
	}
	out := make([]scored, 0, len(acc))
	for d, s := range acc {
		if allow != nil && !allow(int(d)) {
			continue
		}
		out = append(out, scored{doc: int(d), score: s})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].doc < out[j].doc
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// coverage is the share of the question's IDF weight whose terms occur
// in doc: 1 when every distinctive term of the question is in the passage.
// termsOf found nowhere in the index are left out: without a dictionary
// most of them are bigrams that straddle two words of the question.
func (k *keywordIndex) coverage(query string, doc string) float64 {
	terms := uniqueTerms(termsOf(query))
	in := map[string]bool{}
	for _, t := range termsOf(doc) {
		in[t] = true
	}
	var have, all float64
	for _, t := range terms {
		if len(k.postings[t]) == 0 {
			continue
		}
		w := k.idf(t)
		all += w
		if in[t] {
			have += w
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// known reports whether every term of s occurs somewhere in the index.
func (k *keywordIndex) known(s string) bool {
	terms := termsOf(s)
	for _, t := range terms {
		if len(k.postings[t]) == 0 {
			return false
		}
	}
	return len(terms) > 0
}

func uniqueTerms(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	out := terms[:0:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// runeLen is the length of s in characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
