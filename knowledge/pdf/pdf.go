// Package pdf reads the text of a PDF for the knowledge base, with
// github.com/ledongthuc/pdf parsing the file structure (imported here
// under its own name, pdf) and this package reading the content: pages in
// order, lines as printed, Chinese CID fonts decoded through their
// ToUnicode maps.
//
// Extract and ExtractContext are the entry points. Their errors wrap the
// knowledge package's ErrPDF… sentinels, so callers (the Telegram bot,
// the child process of kbot serve) can explain a refusal without
// importing this package or the PDF library.
//
// A small file can describe a great deal of work: streams that inflate
// a thousandfold, cross-references that loop, fonts with huge maps. Every
// stream is read through one budget of decompressed bytes, the library's
// reading of the file through another, and content streams and font maps
// are parsed here from the bytes already read, with bounds on what they
// may hold; passing a bound refuses the file.
package pdf

import (
	"bytes"
	"context"
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
	// read in total, and the text returned.
	maxPDFContent = 64 << 20
	// maxFileReads and maxFileReadsPerByte bound how much the PDF library
	// reads of the file, counting each re-reading, and maxReadCalls and
	// maxReadCallsPerKB how many reads it makes: structure that loops
	// (cross-reference sections, object streams extending each other)
	// makes it read the same bytes again and again. A 70-page magazine
	// of 550 kB takes 1,300 reads of 3.8 MB in all.
	maxFileReads        = 256 << 20
	maxFileReadsPerByte = 16
	maxReadCalls        = 1 << 16
	maxReadCallsPerKB   = 16
	// maxFontEntries bounds the widths and Unicode mappings held for the
	// fonts of one page, and for the fonts kept for the pages after it.
	maxFontEntries = 1 << 20
	// maxFontMappings and maxFontWidths bound one font's ToUnicode
	// mappings and CID widths; what passes them is dropped.
	maxFontMappings = 1 << 17
	maxFontWidths   = 1 << 16
	// maxMapStream bounds one ToUnicode map's decompressed size: the
	// largest real maps (every glyph of a CJK font) take a few MB.
	maxMapStream = 8 << 20
	// maxEncodingWork bounds the steps spent decoding single-byte
	// encodings with a Differences array (the library walks the array
	// for each code).
	maxEncodingWork = 1 << 26
	// maxDifferences is the longest Differences array read; a real one
	// has at most 256 names and a few numbers.
	maxDifferences = 1024
	// maxMappedText bounds the text one code of a ToUnicode map stands
	// for (the format allows 512 bytes of UTF-16).
	maxMappedText = 512
	// maxRuns bounds the pieces of text collected for one page.
	maxRuns = 1 << 20
	// maxFormDepth bounds form XObjects drawn inside form XObjects.
	maxFormDepth = 8
	// maxStateDepth bounds the graphics-state stack (q/Q).
	maxStateDepth = 256
)

// limits are the bounds one extraction works within: the constants
// above, smaller in tests.
type limits struct {
	readCalls    int   // maxReadCalls
	content      int64 // maxPDFContent
	fontEntries  int   // maxFontEntries
	encodingWork int64 // maxEncodingWork
}

var defaultLimits = limits{readCalls: maxReadCalls, content: maxPDFContent, fontEntries: maxFontEntries, encodingWork: maxEncodingWork}

// Extract returns the text of a PDF: pages in order, one line of
// output per line of text on the page, a blank line between pages. Text
// is decoded through each font's ToUnicode map when it has one (CID and
// Type0 fonts from office and layout software have them), else through
// the font's simple encoding. Glyphs that cannot be mapped to Unicode are
// dropped.
//
// It returns knowledge.ErrPDFEncrypted for a PDF that needs a password
// or whose encryption it cannot read (256-bit AES),
// knowledge.ErrPDFCorrupt for one that cannot be parsed or whose
// structure loops,
// knowledge.ErrPDFNoText for one without extractable text (scans), and
// knowledge.ErrPDFTooLarge past MaxPages or a bound on decompressed
// content or work. It does not panic on malformed input, and its memory
// and time are bounded by the bounds above whatever the input.
func Extract(data []byte) (text string, err error) {
	return ExtractContext(context.Background(), data)
}

// ExtractContext is Extract stopping when ctx ends, with an error that
// wraps ctx.Err().
func ExtractContext(ctx context.Context, data []byte) (text string, err error) {
	return extract(ctx, data, defaultLimits)
}

func extract(ctx context.Context, data []byte, lim limits) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			var s stop
			if e, ok := r.(error); ok && errors.As(e, &s) {
				text, err = "", fmt.Errorf("extract pdf: %w", s.err)
				return
			}
			// The reader reports malformed input by panicking; whatever
			// slipped past its own recovery is a damaged file to us.
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
	if err := checkXref(data); err != nil {
		return "", fmt.Errorf("extract pdf: %w", err)
	}
	file := &boundedFile{
		data:  data,
		ctx:   ctx,
		left:  maxFileReads + maxFileReadsPerByte*int64(len(data)),
		calls: lim.readCalls + maxReadCallsPerKB*len(data)>>10,
	}
	r, err := pdf.NewReader(file, int64(len(data)))
	if err != nil {
		// The reader recovers its own panics, ours among them.
		if s := (stop{}); errors.As(err, &s) {
			return "", fmt.Errorf("extract pdf: %w", s.err)
		}
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return "", fmt.Errorf("extract pdf: %w: it needs a password to open", knowledge.ErrPDFEncrypted)
		}
		if bytes.Contains(data, []byte("/Encrypt")) {
			// A file protected by an owner's password only opens without
			// one, unless the reader does not know its encryption
			// (256-bit AES).
			return "", fmt.Errorf("extract pdf: %w: its encryption cannot be read here, with or without a password (%v); save it unprotected", knowledge.ErrPDFEncrypted, err)
		}
		return "", fmt.Errorf("extract pdf: %w: %v", knowledge.ErrPDFCorrupt, err)
	}
	pages, err := pdfPages(r.Trailer().Key("Root").Key("Pages"))
	if err != nil {
		return "", fmt.Errorf("extract pdf: %w", err)
	}
	x := &pdfExtractor{ctx: ctx, lim: lim, budget: lim.content, fonts: map[pdfFontKey]*pdfFont{}}
	var out strings.Builder
	for i, p := range pages {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("extract pdf: %w", err)
		}
		lines, err := x.page(p)
		if err != nil {
			return "", fmt.Errorf("extract pdf: page %d: %w", i+1, err)
		}
		if len(lines) == 0 {
			if x.images > 0 {
				x.imagePages++
			}
			continue
		}
		if out.Len() > 0 {
			out.WriteString("\n")
		}
		for _, l := range lines {
			out.WriteString(l)
			out.WriteString("\n")
		}
		if int64(out.Len()) > lim.content {
			return "", fmt.Errorf("extract pdf: %w: more than %d MB of text", knowledge.ErrPDFTooLarge, lim.content>>20)
		}
	}
	if strings.TrimSpace(out.String()) == "" {
		return "", fmt.Errorf("extract pdf: %w", x.noText(len(pages)))
	}
	return out.String(), nil
}

// noText explains why a PDF of n pages gave no text.
func (x *pdfExtractor) noText(n int) error {
	switch {
	case x.unmapped > 0:
		return fmt.Errorf("%w: %d glyphs in fonts without a Unicode map", knowledge.ErrPDFNoText, x.unmapped)
	case x.imagePages > 0:
		return fmt.Errorf("%w: %d of its %d pages show only images, as a scan does; it needs text recognition first", knowledge.ErrPDFNoText, x.imagePages, n)
	}
	return fmt.Errorf("%w: its %d pages draw no text", knowledge.ErrPDFNoText, n)
}

// stop ends an extraction from inside the PDF library, which only
// panics: a bound passed, or the context ended. It is the panic value.
type stop struct{ err error }

func (s stop) Error() string { return s.err.Error() }
func (s stop) Unwrap() error { return s.err }

// boundedFile is the file as the PDF library reads it, counting its
// reads and what they read, and stopping it past its allowance or when
// ctx ends.
type boundedFile struct {
	data  []byte
	ctx   context.Context
	left  int64 // bytes
	calls int
}

// errLoops stops a reader that goes round in circles.
var errLoops = fmt.Errorf("%w: the reader went over the file again and again; its cross-references may loop", knowledge.ErrPDFCorrupt)

func (f *boundedFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.ctx.Err(); err != nil {
		panic(stop{err})
	}
	if f.calls--; f.calls < 0 {
		panic(stop{errLoops})
	}
	if off < 0 || off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	f.left -= int64(n)
	if f.left < 0 {
		panic(stop{errLoops})
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
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
	ctx         context.Context
	lim         limits
	budget      int64 // decompressed bytes still allowed
	fonts       map[pdfFontKey]*pdfFont
	keptEntries int   // widths and mappings held by fonts
	pageEntries int   // … by fonts the current page uses
	encWork     int64 // steps spent decoding Differences encodings
	unmapped    int   // glyphs dropped for want of a Unicode mapping
	images      int   // images drawn on the current page
	imagePages  int   // pages with images and no text
	ops         int   // operators run, for checking ctx now and then
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
	x.images, x.pageEntries = 0, 0
	if err := x.draw(p.v.Key("Contents"), p.res, identity, 0, &runs); err != nil {
		return nil, err
	}
	return layoutLines(runs), nil
}

// readStream reads a stream, or an array of streams, charging its
// decompressed size to the budget. A stream the library cannot decode
// (an unknown filter, damaged compressed data) is ErrPDFCorrupt; past
// the budget or limit bytes, ErrPDFTooLarge.
func (x *pdfExtractor) readStream(v pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			if s, ok := r.(stop); ok {
				panic(s)
			}
			data, err = nil, fmt.Errorf("%w: read stream: %v", knowledge.ErrPDFCorrupt, r)
		}
	}()
	var parts []pdf.Value
	switch v.Kind() {
	case pdf.Stream:
		parts = []pdf.Value{v}
	case pdf.Array:
		// Content in parts: a few in real files, never more parts than
		// a file may have pages.
		for i := 0; i < v.Len() && i <= MaxPages; i++ {
			parts = append(parts, v.Index(i))
		}
	}
	var all []byte
	for _, s := range parts {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		data, err := readAll(rc, min(x.budget, limit-int64(len(all)))+1)
		rc.Close()
		x.budget -= int64(len(data))
		if x.budget < 0 {
			return nil, fmt.Errorf("%w: more than %d MB of page content and fonts", knowledge.ErrPDFTooLarge, x.lim.content>>20)
		}
		if int64(len(all)+len(data)) > limit {
			return nil, fmt.Errorf("%w: a stream of more than %d MB", knowledge.ErrPDFTooLarge, limit>>20)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read stream: %v", knowledge.ErrPDFCorrupt, err)
		}
		if len(all) > 0 {
			all = append(all, '\n') // the parts of a page's content are separated
		}
		all = append(all, data...)
	}
	return all, nil
}

// readAll reads r to its end or to n bytes, whichever comes first. It
// doubles its buffer as it goes (io.ReadAll grows a large one by a
// quarter at a time, allocating several times what it reads).
func readAll(r io.Reader, n int64) ([]byte, error) {
	b := make([]byte, 0, min(n, 64<<10))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(n, 2*int64(cap(b))))-len(b))
		}
		k, err := r.Read(b[len(b):min(int64(cap(b)), n)])
		b = b[:len(b)+k]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// tolerable reports whether err, met reading an optional part of a page
// (a font's map), may be passed over: the part is damaged. Bounds and
// the end of the context are never passed over.
func tolerable(err error) bool {
	return errors.Is(err, knowledge.ErrPDFCorrupt) && !errors.Is(err, knowledge.ErrPDFTooLarge)
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

// matrixOf reads six numbers as a matrix; anything else is not one.
func matrixOf(args []object) (matrix, bool) {
	if len(args) != 6 {
		return matrix{}, false
	}
	var m matrix
	for i, a := range args {
		if a.kind != kindNumber {
			return matrix{}, false
		}
		m[i] = a.num
	}
	return m, true
}

// matrixValue reads a matrix from the file's structure (a form's
// /Matrix).
func matrixValue(v pdf.Value) (matrix, bool) {
	if v.Kind() != pdf.Array || v.Len() != 6 {
		return matrix{}, false
	}
	var m matrix
	for i := range m {
		e := v.Index(i)
		if k := e.Kind(); k != pdf.Integer && k != pdf.Real {
			return matrix{}, false
		}
		m[i] = e.Float64()
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
	data, err := x.readStream(contents, x.lim.content)
	if err != nil {
		return err
	}
	g := pdfState{ctm: ctm, scale: 1}
	var stack []pdfState
	var tm, tlm matrix = identity, identity
	fonts := map[string]*pdfFont{} // by resource name, for this stream

	show := func(raw string) error {
		f := g.font
		if f == nil || raw == "" {
			return nil
		}
		trm := matrix{g.size * g.scale, 0, 0, g.size, 0, g.rise}.mul(tm).mul(g.ctm)
		x0, y0 := trm.apply(0, 0)
		size := math.Hypot(trm[2], trm[3])
		adv := 0.0
		codes := f.codes(raw)
		for _, code := range codes {
			w := f.width(code)/1000*g.size + g.charSp
			if len(code) == 1 && code[0] == ' ' {
				w += g.wordSp
			}
			adv += w * g.scale
		}
		text, unmapped, err := f.decode(raw, codes, &x.encWork, x.lim.encodingWork)
		if err != nil {
			return err
		}
		x.unmapped += unmapped
		tm = matrix{1, 0, 0, 1, adv, 0}.mul(tm)
		x2, _ := matrix{1, 0, 0, 1, 0, g.rise}.mul(tm).mul(g.ctm).apply(0, 0)
		if text != "" {
			if len(*runs) >= maxRuns {
				return fmt.Errorf("%w: more than %d pieces of text on a page", knowledge.ErrPDFTooLarge, maxRuns)
			}
			*runs = append(*runs, pdfRun{x: x0, y: y0, x2: x2, size: size, text: text})
		}
		return nil
	}
	nextLine := func(tx, ty float64) {
		tlm = matrix{1, 0, 0, 1, tx, ty}.mul(tlm)
		tm = tlm
	}

	return interpret(data, func(op string, args []object) error {
		if x.ops++; x.ops%1024 == 0 {
			if err := x.ctx.Err(); err != nil {
				return err
			}
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
				name := args[0].Name()
				f, ok := fonts[name]
				if !ok {
					var err error
					if f, err = x.font(res.Key("Font").Key(name)); err != nil {
						return err
					}
					fonts[name] = f
				}
				g.font = f
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
				return show(args[0].RawString())
			}
		case "'":
			if len(args) == 1 {
				nextLine(0, -g.leading)
				return show(args[0].RawString())
			}
		case "\"":
			if len(args) == 3 {
				g.wordSp, g.charSp = args[0].Float64(), args[1].Float64()
				nextLine(0, -g.leading)
				return show(args[2].RawString())
			}
		case "TJ":
			if len(args) == 1 {
				for i := 0; i < args[0].Len(); i++ {
					v := args[0].Index(i)
					if v.kind == kindString {
						if err := show(v.str); err != nil {
							return err
						}
						continue
					}
					tx := -v.Float64() / 1000 * g.size * g.scale
					tm = matrix{1, 0, 0, 1, tx, 0}.mul(tm)
				}
			}
		case "BI":
			x.images++
		case "Do":
			if len(args) != 1 {
				return nil
			}
			xo := res.Key("XObject").Key(args[0].Name())
			if xo.Kind() != pdf.Stream {
				return nil
			}
			switch xo.Key("Subtype").Name() {
			case "Image":
				x.images++
			case "Form":
				if depth >= maxFormDepth {
					return nil
				}
				m, ok := matrixValue(xo.Key("Matrix"))
				if !ok {
					m = identity
				}
				fres := xo.Key("Resources")
				if fres.Kind() != pdf.Dict {
					fres = res
				}
				return x.draw(xo, fres, m.mul(g.ctm), depth+1, runs)
			}
		}
		return nil
	})
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
	composite bool            // Type0: codes of two bytes (or as its map says)
	toUni     *toUnicode      // nil when the font has none that parses
	ucs2      bool            // composite font whose codes are UCS-2
	widths    map[int]float64 // code (simple) or CID (composite) → width
	dw        float64         // width of codes not in widths

	// A simple font without a usable ToUnicode map decodes each byte
	// through enc once, at encCost steps, and remembers the result.
	enc     pdf.TextEncoding // nil: bytes read as Latin-1
	encCost int64
	byCode  [256]string
	known   [256]bool
}

// font returns the decoder of a font dictionary. A damaged part of the
// font (its ToUnicode map) is passed over; a bound passed is an error.
func (x *pdfExtractor) font(v pdf.Value) (*pdfFont, error) {
	if v.Kind() != pdf.Dict {
		return nil, nil
	}
	key := pdfFontKey(v.String())
	f, ok := x.fonts[key]
	if !ok {
		var err error
		if f, err = x.readFont(v); err != nil {
			return nil, err
		}
		// Keep fonts for later pages while they fit; a file with a
		// font subset for every page reads them again instead.
		if x.keptEntries+f.entries() > x.lim.fontEntries {
			clear(x.fonts)
			x.keptEntries = 0
		}
		x.fonts[key] = f
		x.keptEntries += f.entries()
	}
	if x.pageEntries += f.entries(); x.pageEntries > x.lim.fontEntries {
		return nil, fmt.Errorf("%w: fonts with more than %d widths and mappings on a page", knowledge.ErrPDFTooLarge, x.lim.fontEntries)
	}
	return f, nil
}

// entries counts the widths and mappings a font holds.
func (f *pdfFont) entries() int {
	n := len(f.widths)
	if f.toUni != nil {
		n += len(f.toUni.m)
	}
	return n
}

// readFont reads a font dictionary.
func (x *pdfExtractor) readFont(v pdf.Value) (*pdfFont, error) {
	f := &pdfFont{widths: map[int]float64{}}
	tu := v.Key("ToUnicode")
	if tu.Kind() == pdf.Stream {
		data, err := x.readStream(tu, maxMapStream)
		if err == nil {
			f.toUni, err = parseToUnicode(data)
		}
		if err != nil && !tolerable(err) {
			return nil, fmt.Errorf("font %s: ToUnicode: %w", v.Key("BaseFont").Name(), err)
		}
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
		f.enc, f.encCost = simpleEncoding(v, tu.Kind() == pdf.Stream)
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
	return f, nil
}

// simpleEncoding returns the library's decoder of a simple font's
// encoding and the steps it takes for one code. It is never asked to
// read a ToUnicode map (it would read the whole stream, however large,
// outside the budget): a font with one, and no encoding of its own, is
// read as Latin-1 when its map did not parse. nil means Latin-1.
func simpleEncoding(v pdf.Value, hasToUnicode bool) (pdf.TextEncoding, int64) {
	pf := pdf.Font{V: v}
	enc := v.Key("Encoding")
	switch enc.Kind() {
	case pdf.Name:
		if n := enc.Name(); hasToUnicode && (n == "Identity-H" || n == "Identity-V") {
			return nil, 1
		}
		return pf.Encoder(), 1
	case pdf.Dict:
		n := enc.Key("Differences").Len()
		if n > maxDifferences {
			return nil, 1
		}
		return pf.Encoder(), int64(n) + 1
	case pdf.Null:
		if hasToUnicode {
			return nil, 1
		}
		return pf.Encoder(), 1
	}
	return nil, 1
}

// readCIDWidths reads at most maxFontWidths entries of a CID font's W
// array into out: "c [w1 w2 …]" gives widths from c on; "c1 c2 w" gives
// one width to a range.
func readCIDWidths(w pdf.Value, out map[int]float64) {
	const limit = maxFontWidths
	n := 0
	for i := 0; i < w.Len() && n < limit; {
		first := w.Index(i)
		if i+1 >= w.Len() {
			break
		}
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			c := int(first.Int64())
			for j := 0; j < next.Len() && n < limit; j++ {
				out[c+j] = next.Index(j).Float64()
				n++
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		lo, hi, width := int(first.Int64()), int(next.Int64()), w.Index(i+2).Float64()
		for c := lo; c <= hi && n < limit; c++ {
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
	if w, ok := f.widths[codeInt(code)]; ok {
		return w
	}
	return f.dw
}

// decode returns the text of a shown string, split into codes, and how
// many of its codes had no Unicode mapping. Decoding through a simple
// encoding charges its steps to work, which may not pass limit.
func (f *pdfFont) decode(raw string, codes []string, work *int64, limit int64) (string, int, error) {
	var b strings.Builder
	unmapped := 0
	switch {
	case f.toUni != nil:
		for _, code := range codes {
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
		return "", len(codes), nil
	default:
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if !f.known[c] {
				if *work += f.encCost; *work > limit {
					return "", 0, fmt.Errorf("%w: font encodings too long to decode", knowledge.ErrPDFTooLarge)
				}
				f.byCode[c], f.known[c] = f.decodeByte(c), true
			}
			b.WriteString(f.byCode[c])
		}
	}
	s := strings.Map(func(r rune) rune {
		if r == utf8.RuneError {
			unmapped++
			return -1
		}
		return r
	}, b.String())
	return s, unmapped, nil
}

// decodeByte decodes one code of a simple font without a usable map.
func (f *pdfFont) decodeByte(c byte) string {
	if f.enc == nil {
		return string(rune(c)) // Latin-1
	}
	return f.enc.Decode(string([]byte{c}))
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

// parseToUnicode reads a ToUnicode CMap, keeping at most
// maxFontMappings mappings. It returns nil when the map has none.
func parseToUnicode(data []byte) (*toUnicode, error) {
	t := &toUnicode{m: map[string]string{}}
	err := interpret(data, func(op string, args []object) error {
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := args[i].RawString(), args[i+1].RawString()
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n && len(t.ranges[n]) < 256 {
					t.ranges[n] = append(t.ranges[n], [2]string{lo, hi})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(args) && len(t.m) < maxFontMappings; i += 2 {
				t.m[args[i].RawString()] = mappedText(args[i+1].RawString())
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && len(t.m) < maxFontMappings; i += 3 {
				t.addRange(args[i].RawString(), args[i+1].RawString(), args[i+2])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(t.m) == 0 {
		return nil, nil
	}
	return t, nil
}

// addRange maps the codes lo…hi: to consecutive text from dst's, or one
// by one to the strings of dst's array, up to maxFontMappings in all.
func (t *toUnicode) addRange(lo, hi string, dst object) {
	if len(lo) == 0 || len(lo) != len(hi) || len(lo) > 4 {
		return
	}
	start, end := codeInt(lo), codeInt(hi)
	if end < start || end-start > 1<<16 {
		return
	}
	base := []rune(mappedText(dst.RawString()))
	for c, i := start, 0; c <= end && len(t.m) < maxFontMappings; c, i = c+1, i+1 {
		code := intCode(c, len(lo))
		switch {
		case dst.kind == kindArray:
			if i < dst.Len() {
				t.m[code] = mappedText(dst.Index(i).RawString())
			}
		case len(base) == 1:
			t.m[code] = string(base[0] + rune(i))
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

// mappedText decodes the text a ToUnicode map gives a code: UTF-16BE of
// at most maxMappedText bytes.
func mappedText(s string) string {
	return utf16BE(s[:min(len(s), maxMappedText)])
}

// utf16BE decodes big-endian UTF-16; an odd trailing byte is dropped.
func utf16BE(s string) string {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return string(utf16.Decode(u))
}
