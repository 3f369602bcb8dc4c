// Package pdf reads the text of a PDF for the knowledge base, with
// github.com/ledongthuc/pdf parsing the file (imported here under its own
// name, pdf) and this package laying out the text: pages in order, lines
// as printed, Chinese CID fonts decoded through their ToUnicode maps.
//
// Extract is the only entry point. Its errors wrap the knowledge
// package's ErrPDF… sentinels, so callers (the Telegram bot, the child
// process of kbot serve) can explain a refusal without importing this
// package or the PDF library.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ledongthuc/pdf" // the PDF parser this package wraps; same name

	"kbot/knowledge"
	"kbot/knowledge/cjk"
)

// Bounds on the work one PDF may cause. The caller caps the file size;
// these cap what a small file can expand into.
const (
	// MaxPages is the most pages Extract reads.
	MaxPages = 2000
	// maxPDFContent bounds the decompressed page content and font maps
	// read in total.
	maxPDFContent = 64 << 20
	// maxPDFNesting bounds array and dictionary nesting in a content
	// stream: the parser recurses on it.
	maxPDFNesting = 256
	// maxFormDepth bounds form XObjects drawn inside form XObjects.
	maxFormDepth = 8
	// maxStateDepth bounds the graphics-state stack (q/Q).
	maxStateDepth = 256
)

// Extract returns the text of a PDF: pages in order, one line of
// output per line of text on the page, a blank line between pages. Text
// is decoded through each font's ToUnicode map when it has one (CID and
// Type0 fonts from office and layout software have them), else through
// the font's simple encoding. Glyphs that cannot be mapped to Unicode are
// dropped.
//
// It returns knowledge.ErrPDFEncrypted for a PDF that needs a password,
// knowledge.ErrPDFCorrupt for one that cannot be parsed,
// knowledge.ErrPDFNoText for one without extractable text (scans), and
// knowledge.ErrPDFTooLarge past MaxPages or a bound on decompressed
// content. It does not panic on malformed input.
func Extract(data []byte) (text string, err error) {
	defer func() {
		// The reader reports malformed input by panicking; whatever
		// slipped past its own recovery is a damaged file to us.
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("extract pdf: %w: %v", knowledge.ErrPDFCorrupt, r)
		}
	}()
	if bytes.HasPrefix(data, []byte("%PDF-2.")) {
		// The reader knows PDF 1.x headers only; a 2.0 file's text is
		// drawn the same way. The header keeps its length, so every
		// offset in the file still holds.
		data = bytes.Clone(data)
		data[5] = '1'
		data[7] = '7'
	}
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || bytes.Contains(data, []byte("/Encrypt")) {
			return "", fmt.Errorf("extract pdf: %w: %v", knowledge.ErrPDFEncrypted, err)
		}
		return "", fmt.Errorf("extract pdf: %w: %v", knowledge.ErrPDFCorrupt, err)
	}
	pages, err := pdfPages(r.Trailer().Key("Root").Key("Pages"))
	if err != nil {
		return "", fmt.Errorf("extract pdf: %w", err)
	}
	x := &pdfExtractor{budget: maxPDFContent, fonts: map[pdfFontKey]*pdfFont{}}
	var out strings.Builder
	for i, p := range pages {
		lines, err := x.page(p)
		if err != nil {
			return "", fmt.Errorf("extract pdf: page %d: %w", i+1, err)
		}
		if len(lines) == 0 {
			continue
		}
		if out.Len() > 0 {
			out.WriteString("\n")
		}
		for _, l := range lines {
			out.WriteString(l)
			out.WriteString("\n")
		}
	}
	if strings.TrimSpace(out.String()) == "" {
		if x.unmapped > 0 {
			return "", fmt.Errorf("extract pdf: %w: %d glyphs in fonts without a Unicode map", knowledge.ErrPDFNoText, x.unmapped)
		}
		return "", fmt.Errorf("extract pdf: %w", knowledge.ErrPDFNoText)
	}
	return out.String(), nil
}

// pdfPage is a page dictionary with the resources it inherits.
type pdfPage struct {
	v   pdf.Value
	res pdf.Value
}

// pdfPages walks the page tree in order. Resources are passed down the
// walk rather than looked up through Parent links, and the walk is bounded,
// so a tree whose links loop cannot hang it.
func pdfPages(root pdf.Value) ([]pdfPage, error) {
	var pages []pdfPage
	visited := 0
	var walk func(n, res pdf.Value, depth int) error
	walk = func(n, res pdf.Value, depth int) error {
		visited++
		if visited > 4*MaxPages || len(pages) > MaxPages {
			return fmt.Errorf("%w: more than %d pages", knowledge.ErrPDFTooLarge, MaxPages)
		}
		if depth > 64 {
			return fmt.Errorf("%w: page tree too deep", knowledge.ErrPDFCorrupt)
		}
		if r := n.Key("Resources"); r.Kind() == pdf.Dict {
			res = r
		}
		kids := n.Key("Kids")
		if n.Key("Type").Name() == "Pages" || kids.Kind() == pdf.Array {
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), res, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if n.Kind() == pdf.Dict {
			pages = append(pages, pdfPage{v: n, res: res})
		}
		return nil
	}
	if err := walk(root, pdf.Value{}, 0); err != nil {
		return nil, err
	}
	if len(pages) > MaxPages {
		return nil, fmt.Errorf("%w: more than %d pages", knowledge.ErrPDFTooLarge, MaxPages)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: no pages", knowledge.ErrPDFCorrupt)
	}
	return pages, nil
}

// pdfExtractor holds what is shared across the pages of one PDF.
type pdfExtractor struct {
	budget   int64 // decompressed bytes still allowed
	fonts    map[pdfFontKey]*pdfFont
	unmapped int // glyphs dropped for want of a Unicode mapping
}

// pdfRun is a piece of text drawn at one place: its baseline start and
// end in page space, and its font size there.
type pdfRun struct {
	x, y, x2, size float64
	text           string
}

// page returns the text lines of one page.
func (x *pdfExtractor) page(p pdfPage) ([]string, error) {
	var runs []pdfRun
	if err := x.draw(p.v.Key("Contents"), p.res, identity, 0, &runs); err != nil {
		return nil, err
	}
	return layoutLines(runs), nil
}

// readStream reads a stream, or an array of streams, charging its
// decompressed size to the budget and checking that its nesting stays
// within what the content parser can take.
func (x *pdfExtractor) readStream(v pdf.Value) error {
	var parts []pdf.Value
	switch v.Kind() {
	case pdf.Stream:
		parts = []pdf.Value{v}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			parts = append(parts, v.Index(i))
		}
	}
	var all []byte
	for _, s := range parts {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		data, err := io.ReadAll(io.LimitReader(rc, x.budget+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("%w: read stream: %v", knowledge.ErrPDFCorrupt, err)
		}
		x.budget -= int64(len(data))
		if x.budget < 0 {
			return fmt.Errorf("%w: more than %d MB of page content", knowledge.ErrPDFTooLarge, maxPDFContent>>20)
		}
		all = append(all, data...)
	}
	return checkLexable(all)
}

// checkLexable refuses content the reader's parser cannot take: nesting
// deeper than maxPDFNesting (it recurses on it), and a hex string left
// open at the end (it would wait for the closing ">" forever). It follows
// the parser's view of the bytes: comments, literal strings with their
// escapes and nesting, "<<" apart from "<".
func checkLexable(data []byte) error {
	depth := 0
	nextByte := func(i int) (int, byte, bool) {
		for ; i < len(data); i++ {
			if c := data[i]; !strings.ContainsRune(" \t\r\n\f\x00", rune(c)) {
				return i + 1, c, true
			}
		}
		return i, 0, false
	}
	for i := 0; i < len(data); {
		c := data[i]
		i++
		switch c {
		case '%':
			for i < len(data) && data[i] != '\r' && data[i] != '\n' {
				i++
			}
		case '(':
			for n := 1; i < len(data) && n > 0; i++ {
				switch data[i] {
				case '\\':
					i++
				case '(':
					n++
				case ')':
					n--
				}
			}
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if i < len(data) && data[i] == '>' {
				depth--
				i++
			}
		case '<':
			if i < len(data) && data[i] == '<' {
				depth++
				i++
				break
			}
			for {
				var c1, c2 byte
				var ok bool
				if i, c1, ok = nextByte(i); !ok {
					return fmt.Errorf("%w: hex string not closed", knowledge.ErrPDFCorrupt)
				}
				if c1 == '>' {
					break
				}
				if i, c2, ok = nextByte(i); !ok {
					return fmt.Errorf("%w: hex string not closed", knowledge.ErrPDFCorrupt)
				}
				if !isHexDigit(c1) || !isHexDigit(c2) {
					break // the parser drops the string and reads on from here
				}
			}
		}
		if depth > maxPDFNesting {
			return fmt.Errorf("%w: content nested too deeply", knowledge.ErrPDFCorrupt)
		}
	}
	return nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// matrix is a PDF transformation [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m followed by n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

func matrixOf(args []pdf.Value) (matrix, bool) {
	if len(args) != 6 {
		return matrix{}, false
	}
	var m matrix
	for i, a := range args {
		m[i] = a.Float64()
		if math.IsNaN(m[i]) || math.IsInf(m[i], 0) {
			return matrix{}, false
		}
	}
	return m, true
}

// pdfState is the part of the graphics state that places text.
type pdfState struct {
	ctm                         matrix
	font                        *pdfFont
	size, charSp, wordSp, scale float64
	leading, rise               float64
}

// draw runs a content stream (a page's or a form's) and collects the text
// it shows.
func (x *pdfExtractor) draw(contents, res pdf.Value, ctm matrix, depth int, runs *[]pdfRun) error {
	if err := x.readStream(contents); err != nil {
		return err
	}
	g := pdfState{ctm: ctm, scale: 1}
	var stack []pdfState
	var tm, tlm matrix = identity, identity
	var failed error

	show := func(raw string) {
		f := g.font
		if f == nil || raw == "" {
			return
		}
		trm := matrix{g.size * g.scale, 0, 0, g.size, 0, g.rise}.mul(tm).mul(g.ctm)
		x0, y0 := trm.apply(0, 0)
		size := math.Hypot(trm[2], trm[3])
		adv := 0.0
		for _, code := range f.codes(raw) {
			w := f.width(code)/1000*g.size + g.charSp
			if len(code) == 1 && code[0] == ' ' {
				w += g.wordSp
			}
			adv += w * g.scale
		}
		text, unmapped := f.decode(raw)
		x.unmapped += unmapped
		tm = matrix{1, 0, 0, 1, adv, 0}.mul(tm)
		x2, _ := matrix{1, 0, 0, 1, 0, g.rise}.mul(tm).mul(g.ctm).apply(0, 0)
		if text != "" {
			*runs = append(*runs, pdfRun{x: x0, y: y0, x2: x2, size: size, text: text})
		}
	}
	nextLine := func(tx, ty float64) {
		tlm = matrix{1, 0, 0, 1, tx, ty}.mul(tlm)
		tm = tlm
	}

	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		if failed != nil {
			return
		}
		switch op {
		case "q":
			if len(stack) < maxStateDepth {
				stack = append(stack, g)
			}
		case "Q":
			if n := len(stack); n > 0 {
				g, stack = stack[n-1], stack[:n-1]
			}
		case "cm":
			if m, ok := matrixOf(args); ok {
				g.ctm = m.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			if len(args) == 2 {
				g.font = x.font(res.Key("Font").Key(args[0].Name()))
				g.size = args[1].Float64()
			}
		case "Tc":
			if len(args) == 1 {
				g.charSp = args[0].Float64()
			}
		case "Tw":
			if len(args) == 1 {
				g.wordSp = args[0].Float64()
			}
		case "Tz":
			if len(args) == 1 {
				g.scale = args[0].Float64() / 100
			}
		case "TL":
			if len(args) == 1 {
				g.leading = args[0].Float64()
			}
		case "Ts":
			if len(args) == 1 {
				g.rise = args[0].Float64()
			}
		case "Td", "TD":
			if len(args) == 2 {
				if op == "TD" {
					g.leading = -args[1].Float64()
				}
				nextLine(args[0].Float64(), args[1].Float64())
			}
		case "Tm":
			if m, ok := matrixOf(args); ok {
				tm, tlm = m, m
			}
		case "T*":
			nextLine(0, -g.leading)
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString())
			}
		case "'":
			if len(args) == 1 {
				nextLine(0, -g.leading)
				show(args[0].RawString())
			}
		case "\"":
			if len(args) == 3 {
				g.wordSp, g.charSp = args[0].Float64(), args[1].Float64()
				nextLine(0, -g.leading)
				show(args[2].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				for i := 0; i < args[0].Len(); i++ {
					v := args[0].Index(i)
					if v.Kind() == pdf.String {
						show(v.RawString())
						continue
					}
					tx := -v.Float64() / 1000 * g.size * g.scale
					tm = matrix{1, 0, 0, 1, tx, 0}.mul(tm)
				}
			}
		case "Do":
			if len(args) != 1 || depth >= maxFormDepth {
				return
			}
			form := res.Key("XObject").Key(args[0].Name())
			if form.Kind() != pdf.Stream || form.Key("Subtype").Name() != "Form" {
				return
			}
			m, ok := matrixOf(arrayValues(form.Key("Matrix")))
			if !ok {
				m = identity
			}
			fres := form.Key("Resources")
			if fres.Kind() != pdf.Dict {
				fres = res
			}
			failed = x.draw(form, fres, m.mul(g.ctm), depth+1, runs)
		}
	})
	return failed
}

func arrayValues(v pdf.Value) []pdf.Value {
	out := make([]pdf.Value, v.Len())
	for i := range out {
		out[i] = v.Index(i)
	}
	return out
}

// layoutLines turns the runs of a page into lines. Runs drawn one after
// another on the same baseline make one line, ordered left to right; a
// run on another baseline starts the next line. Keeping the order the
// page draws its lines in, rather than sorting the page top to bottom,
// keeps the columns of a magazine page apart.
func layoutLines(runs []pdfRun) []string {
	var lines []string
	var cur []pdfRun
	flush := func() {
		if l := joinRuns(cur); l != "" {
			lines = append(lines, l)
		}
		cur = cur[:0]
	}
	for _, r := range runs {
		if r.size <= 0 {
			r.size = 1
		}
		if len(cur) > 0 {
			last := cur[len(cur)-1]
			if math.Abs(r.y-last.y) > 0.5*max(r.size, last.size) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return lines
}

// joinRuns writes the runs of one line left to right. A gap wider than a
// fifth of the font size becomes a space, except between Chinese
// characters, which are not spaced unless the gap is a full character
// wide. Text drawn twice over itself (shadows, fake bold) is written once.
func joinRuns(runs []pdfRun) string {
	slices.SortStableFunc(runs, func(a, b pdfRun) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	var b strings.Builder
	var prev *pdfRun
	for i := range runs {
		r := &runs[i]
		text := strings.Map(func(c rune) rune {
			if c < ' ' || c == 0x7f {
				return ' '
			}
			return c
		}, r.text)
		if prev != nil {
			if text == prev.text && math.Abs(r.x-prev.x) < 0.3*r.size {
				continue
			}
			gap := r.x - prev.x2
			last, _ := utf8.DecodeLastRuneInString(b.String())
			first, _ := utf8.DecodeRuneInString(text)
			chinese := cjk.Is(last) && cjk.Is(first)
			if gap > 0.2*r.size && !chinese || gap > 0.9*r.size {
				b.WriteString(" ")
			}
		}
		b.WriteString(text)
		prev = r
		prev.text = text
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// pdfFontKey identifies a font by the text of its dictionary, which for
// an indirect font object includes nothing that differs between two
// references to it; it avoids decoding one font's map once per page.
type pdfFontKey string

// pdfFont decodes the strings one font shows.
type pdfFont struct {
	composite bool             // Type0: codes of two bytes (or as its map says)
	toUni     *toUnicode       // nil when the font has none that parses
	enc       pdf.TextEncoding // fallback for simple fonts
	ucs2      bool             // composite font whose codes are UCS-2
	widths    map[int]float64  // code (simple) or CID (composite) → width
	dw        float64          // width of codes not in widths
}

func (x *pdfExtractor) font(v pdf.Value) *pdfFont {
	if v.Kind() != pdf.Dict {
		return nil
	}
	key := pdfFontKey(v.String())
	if f, ok := x.fonts[key]; ok {
		return f
	}
	f := &pdfFont{widths: map[int]float64{}}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream && x.readStream(tu) == nil {
		f.toUni = parseToUnicode(tu, v)
	}
	if v.Key("Subtype").Name() == "Type0" {
		f.composite = true
		enc := v.Key("Encoding").Name()
		f.ucs2 = strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16")
		d := v.Key("DescendantFonts").Index(0)
		f.dw = 1000
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dw = dw.Float64()
		}
		readCIDWidths(d.Key("W"), f.widths)
	} else {
		pf := pdf.Font{V: v}
		f.enc = pf.Encoder()
		first := int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		for i := 0; i < w.Len() && i < 256; i++ {
			f.widths[first+i] = w.Index(i).Float64()
		}
		f.dw = v.Key("FontDescriptor").Key("MissingWidth").Float64()
		if w.Len() == 0 {
			f.dw = 500 // a standard font without metrics: an average width
		}
	}
	x.fonts[key] = f
	return f
}

// readCIDWidths reads a CID font's W array: "c [w1 w2 …]" gives widths
// from c on; "c1 c2 w" gives one width to a range.
func readCIDWidths(w pdf.Value, out map[int]float64) {
	const maxEntries = 1 << 16
	n := 0
	for i := 0; i < w.Len() && n < maxEntries; {
		first := w.Index(i)
		if i+1 >= w.Len() {
			return
		}
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			c := int(first.Int64())
			for j := 0; j < next.Len() && n < maxEntries; j++ {
				out[c+j] = next.Index(j).Float64()
				n++
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			return
		}
		lo, hi, width := int(first.Int64()), int(next.Int64()), w.Index(i+2).Float64()
		for c := lo; c <= hi && n < maxEntries; c++ {
			out[c] = width
			n++
		}
		i += 3
	}
}

// codes splits a shown string into character codes.
func (f *pdfFont) codes(raw string) []string {
	if !f.composite {
		// One byte a code. An index loop: ranging over the string
		// would step over the bytes that happen to form UTF-8.
		out := make([]string, len(raw))
		for i := 0; i < len(raw); i++ {
			out[i] = raw[i : i+1]
		}
		return out
	}
	var out []string
	for len(raw) > 0 {
		n := 2
		if f.toUni != nil {
			n = f.toUni.codeLen(raw)
		}
		n = min(n, len(raw))
		out = append(out, raw[:n])
		raw = raw[n:]
	}
	return out
}

func (f *pdfFont) width(code string) float64 {
	c := 0
	for i := 0; i < len(code); i++ {
		c = c<<8 | int(code[i])
	}
	if w, ok := f.widths[c]; ok {
		return w
	}
	return f.dw
}

// decode returns the text of a shown string and how many of its codes had
// no Unicode mapping.
func (f *pdfFont) decode(raw string) (string, int) {
	var b strings.Builder
	unmapped := 0
	switch {
	case f.toUni != nil:
		for _, code := range f.codes(raw) {
			s, ok := f.toUni.m[code]
			if !ok {
				unmapped++
				continue
			}
			b.WriteString(s)
		}
	case f.composite && f.ucs2:
		b.WriteString(utf16BE(raw))
	case f.composite:
		// Glyph numbers without a map to characters: nothing to read.
		return "", len(f.codes(raw))
	default:
		b.WriteString(f.enc.Decode(raw))
	}
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError {
			unmapped++
			return -1
		}
		return r
	}, b.String())
	return s, unmapped
}

// toUnicode is a font's ToUnicode map: character codes to text.
type toUnicode struct {
	m map[string]string
	// ranges[n] are the code space ranges of n-byte codes.
	ranges [5][][2]string
}

// codeLen returns the length of the code at the start of raw.
func (t *toUnicode) codeLen(raw string) int {
	for n := 1; n <= 4 && n <= len(raw); n++ {
		for _, r := range t.ranges[n] {
			if r[0] <= raw[:n] && raw[:n] <= r[1] {
				return n
			}
		}
	}
	return 2
}

// parseToUnicode reads a ToUnicode CMap. It returns nil when the map has
// no mappings. The map's program opens a dictionary it finds by name
// ("/CIDInit /ProcSet findresource begin"); scratch, a dictionary of the
// document, stands in for it, as the reader offers no way to make one.
func parseToUnicode(v, scratch pdf.Value) (t *toUnicode) {
	defer func() {
		// A broken map leaves the font undecodable, not the PDF.
		if recover() != nil {
			t = nil
		}
	}()
	const maxMappings = 1 << 17
	t = &toUnicode{m: map[string]string{}}
	pop := func(stk *pdf.Stack) []pdf.Value {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		return args
	}
	pdf.Interpret(v, func(stk *pdf.Stack, op string) {
		switch op {
		case "begincodespacerange", "beginbfchar", "beginbfrange":
			pop(stk)
		case "endcodespacerange":
			args := pop(stk)
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := args[i].RawString(), args[i+1].RawString()
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n {
					t.ranges[n] = append(t.ranges[n], [2]string{lo, hi})
				}
			}
		case "endbfchar":
			args := pop(stk)
			for i := 0; i+1 < len(args) && len(t.m) < maxMappings; i += 2 {
				t.m[args[i].RawString()] = utf16BE(args[i+1].RawString())
			}
		case "endbfrange":
			args := pop(stk)
			for i := 0; i+2 < len(args) && len(t.m) < maxMappings; i += 3 {
				t.addRange(args[i].RawString(), args[i+1].RawString(), args[i+2], maxMappings)
			}
		case "findresource":
			pop(stk)
			stk.Push(scratch)
		default:
			pop(stk)
		}
	})
	if len(t.m) == 0 {
		return nil
	}
	return t
}

// addRange maps the codes lo…hi: to consecutive text from dst's, or one
// by one to the strings of dst's array.
func (t *toUnicode) addRange(lo, hi string, dst pdf.Value, limit int) {
	if len(lo) == 0 || len(lo) != len(hi) || len(lo) > 4 {
		return
	}
	start, end := codeInt(lo), codeInt(hi)
	if end < start || end-start > 1<<16 {
		return
	}
	base := []rune(utf16BE(dst.RawString()))
	for c, i := start, 0; c <= end && len(t.m) < limit; c, i = c+1, i+1 {
		code := intCode(c, len(lo))
		switch {
		case dst.Kind() == pdf.Array:
			if i < dst.Len() {
				t.m[code] = utf16BE(dst.Index(i).RawString())
			}
		case len(base) > 0:
			s := slices.Clone(base)
			s[len(s)-1] += rune(i)
			t.m[code] = string(s)
		}
	}
}

func codeInt(s string) int {
	c := 0
	for i := 0; i < len(s); i++ {
		c = c<<8 | int(s[i])
	}
	return c
}

func intCode(c, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(c)
		c >>= 8
	}
	return string(b)
}

// utf16BE decodes big-endian UTF-16; an odd trailing byte is dropped.
func utf16BE(s string) string {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return string(utf16.Decode(u))
}
