package embeddings

import (
	"context"
	"fmt"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"
)

// LocalModel names the local algorithm. Change it whenever the features or
// weights change, so that cached vectors and indexes built by the old
// algorithm are not mixed with new ones.
const LocalModel = "hashgram-v1"

// DefaultLocalDims is the vector length of [Local]. Hash collisions blur
// short questions against long passages: on Chinese question/passage pairs
// retrieval quality rose from 1024 to 4096 dimensions and flattened beyond.
// A vector costs 16 KiB at this size; use [LocalDims] to trade quality for
// memory.
const DefaultLocalDims = 4096

// Limits on the local dimension: below the minimum, hash collisions swamp
// the signal; above the maximum, vectors waste memory for little gain.
const (
	MinLocalDims = 64
	MaxLocalDims = 1 << 16
)

// Feature weights per kind. Bigrams carry most of the meaning of Chinese
// words (most words are two characters); single characters add recall for
// short names and abbreviations; trigrams reward longer exact phrases.
const (
	weightUnigram = 0.45
	weightBigram  = 1.0
	weightTrigram = 0.7
	weightWord    = 1.0
)

// Local returns the offline default embedder: no network, no key,
// deterministic, built for Chinese, with [DefaultLocalDims] dimensions.
func Local() Embedder {
	e, err := LocalDims(DefaultLocalDims)
	if err != nil {
		// DefaultLocalDims is within limits; this cannot happen.
		panic(err)
	}
	return e
}

// LocalDims returns the local embedder with dims dimensions. It returns an
// error when dims is outside [MinLocalDims, MaxLocalDims].
//
// Each text is turned into features: Han character unigrams, bigrams and
// trigrams (whitespace between Han characters, as left by PDF extraction,
// does not break a run; punctuation does), and lower-cased words of
// letters or digits (full-width forms folded to ASCII). Function
// characters (的, 了, 是, ...) and question words (什么, 怎么, 哪些, ...)
// are down-weighted by a fixed built-in table. A feature's weight is
// multiplied by 1+ln(tf); it is hashed to a dimension and a sign, and the
// vector is L2-normalised. An empty text, or one with no features, gives
// the zero vector.
func LocalDims(dims int) (Embedder, error) {
	if dims < MinLocalDims || dims > MaxLocalDims {
		return Embedder{}, fmt.Errorf("local embedder: dims %d out of range [%d, %d]", dims, MinLocalDims, MaxLocalDims)
	}
	return Embedder{
		Provider: "local",
		Model:    LocalModel,
		Dims:     dims,
		Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
			out := make([][]float32, len(texts))
			for i, t := range texts {
				if i%64 == 0 {
					if err := ctx.Err(); err != nil {
						return nil, fmt.Errorf("local embed: %w", context.Cause(ctx))
					}
				}
				out[i] = embedLocal(t, dims)
			}
			return out, nil
		},
	}, nil
}

// functionChars are characters so common in any Chinese text that they say
// little about its topic. The factor is the weight kept.
var functionChars = func() map[rune]float32 {
	m := make(map[rune]float32)
	for _, r := range "的了是在和与及等对为把将也就都而并之其以于从被这那个些着或又吧啊呀么我你他她它们所由给让向各该此即" {
		m[r] = 0.15
	}
	// Characters that occur almost only in question words (什么, 哪里,
	// 怎么, 谁, 吗, 呢, 啥).
	for _, r := range "什哪怎谁吗呢啥" {
		m[r] = 0.15
	}
	// Common but with some content: kept at half weight.
	for _, r := range "中有上下要到来去说做一不" {
		m[r] = 0.5
	}
	return m
}()

// questionWords are two-character words that shape a question but never
// its topic.
var questionWords = func() map[uint64]struct{} {
	m := make(map[uint64]struct{})
	for _, w := range []string{
		"什么", "怎么", "怎样", "哪些", "哪个", "哪里", "哪儿", "哪位", "哪几", "哪家", "如何", "多少",
		"为何", "为啥", "是否", "是谁", "请问", "一下", "大概", "说说", "讲讲", "介绍", "具体", "主要",
		"这个", "那个", "这些", "那些", "有没", "没有", "可以", "能否", "几个", "几位",
	} {
		rs := []rune(w)
		m[pairKey(rs[0], rs[1])] = struct{}{}
	}
	return m
}()

func pairKey(a, b rune) uint64 { return uint64(a) | uint64(b)<<21 }

func charFactor(r rune) float32 {
	if f, ok := functionChars[r]; ok {
		return f
	}
	return 1
}

// featureTable accumulates term frequencies of features in one text. It is
// an open-addressing hash table reused through a pool so that embedding
// does not allocate beyond the result vector.
type featureTable struct {
	keys   []uint64 // 0 marks an empty slot; feature keys are never 0
	weight []float32
	count  []uint32
	used   []int32 // occupied slots, in insertion order
}

var tablePool = sync.Pool{New: func() any { return newFeatureTable(1024) }}

func newFeatureTable(size int) *featureTable {
	return &featureTable{
		keys:   make([]uint64, size),
		weight: make([]float32, size),
		count:  make([]uint32, size),
		used:   make([]int32, 0, size/2),
	}
}

func (t *featureTable) reset() {
	for _, s := range t.used {
		t.keys[s] = 0
	}
	t.used = t.used[:0]
}

func (t *featureTable) add(key uint64, w float32) {
	if 2*(len(t.used)+1) > len(t.keys) {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1)
	i := mix64(key) & mask
	for {
		switch t.keys[i] {
		case key:
			t.count[i]++
			return
		case 0:
			t.keys[i] = key
			t.weight[i] = w
			t.count[i] = 1
			t.used = append(t.used, int32(i))
			return
		}
		i = (i + 1) & mask
	}
}

func (t *featureTable) grow() {
	old := *t
	n := newFeatureTable(2 * len(t.keys))
	for _, s := range old.used {
		n.insertCounted(old.keys[s], old.weight[s], old.count[s])
	}
	*t = *n
}

func (t *featureTable) insertCounted(key uint64, w float32, c uint32) {
	mask := uint64(len(t.keys) - 1)
	i := mix64(key) & mask
	for t.keys[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.weight[i], t.count[i] = key, w, c
	t.used = append(t.used, int32(i))
}

// mix64 is the splitmix64 finaliser: a fast, well-distributed 64-bit hash
// of an integer key.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Feature keys. Han n-grams pack up to three 21-bit runes, so distinct
// n-grams never share a key; words are FNV-1a hashed with the top bit set.
const wordBit = 1 << 63

// fold maps full-width ASCII forms to ASCII and ASCII letters to lower case.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

func isHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r > 0xFFFF && unicode.Is(unicode.Han, r)
}

func embedLocal(text string, dims int) []float32 {
	vec := make([]float32, dims)
	t := tablePool.Get().(*featureTable)
	defer tablePool.Put(t)
	t.reset()
	extractFeatures(text, t)
	d := uint64(dims)
	for _, s := range t.used {
		h := mix64(t.keys[s] ^ 0x9e3779b97f4a7c15)
		idx := ((h >> 32) * d) >> 32
		w := t.weight[s]
		if c := t.count[s]; c > 1 {
			w *= 1 + float32(math.Log(float64(c)))
		}
		if h&1 == 1 {
			w = -w
		}
		vec[idx] += w
	}
	Normalize(vec)
	return vec
}

// extractFeatures adds text's features to t.
func extractFeatures(text string, t *featureTable) {
	var (
		p1, p2   rune // previous Han characters in the current run, 0 if none
		word     uint64
		wordLen  int
		fnvBasis uint64 = 14695981039346656037
	)
	flushWord := func() {
		if wordLen > 0 {
			t.add(word|wordBit, weightWord)
			wordLen = 0
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r = fold(r)
		switch {
		case isHan(r):
			flushWord()
			f := charFactor(r)
			t.add(uint64(r), weightUnigram*f)
			if p1 != 0 {
				f1 := charFactor(p1)
				w := weightBigram * pairFactor(f1, f)
				if _, q := questionWords[pairKey(p1, r)]; q {
					w = weightBigram * 0.1
				}
				t.add(pairKey(p1, r), w)
				if p2 != 0 {
					w := weightTrigram * tripleFactor(charFactor(p2), f1, f)
					_, q1 := questionWords[pairKey(p2, p1)]
					_, q2 := questionWords[pairKey(p1, r)]
					if q1 || q2 {
						w *= 0.3
					}
					t.add(uint64(p2)|uint64(p1)<<21|uint64(r)<<42, w)
				}
			}
			p2, p1 = p1, r
		case unicode.IsSpace(r):
			// PDF extraction scatters spaces and line breaks inside
			// Chinese words; only words of letters or digits end here.
			flushWord()
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			p1, p2 = 0, 0
			if wordLen == 0 {
				word = fnvBasis
			}
			// FNV-1a over the rune, a byte at a time.
			for v := uint32(r); ; v >>= 8 {
				word ^= uint64(v & 0xFF)
				word *= 1099511628211
				if v < 0x100 {
					break
				}
			}
			wordLen++
		default:
			flushWord()
			p1, p2 = 0, 0
		}
	}
	flushWord()
}

// pairFactor is the weight kept by a bigram of characters with factors a
// and b: a bigram with one function character is a weak word boundary
// signal, one made of two is nearly noise.
func pairFactor(a, b float32) float32 {
	switch {
	case a == 1 && b == 1:
		return 1
	case a < 1 && b < 1:
		return a * b * 2
	default:
		return min(1, min(a, b)*2.5)
	}
}

func tripleFactor(a, b, c float32) float32 {
	f := float32(1)
	for _, x := range [3]float32{a, b, c} {
		if x < 1 {
			f *= 0.4 + x
		}
	}
	return min(f, 1)
}
