package pdf

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/internal/golden"
	"kbot/knowledge/pdf/pdftest"
	"kbot/knowledge/whitespace"
)

// The PDFs under testdata are described in testdata/README.md.
func readTestPDF(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExtractGolden pins the text of the sample PDFs. Regenerate with
// go test ./knowledge/pdf -run ExtractGolden -update and review the diff.
func TestExtractGolden(t *testing.T) {
	for _, name := range []string{"layout", "office"} {
		t.Run(name, func(t *testing.T) {
			got, err := Extract(readTestPDF(t, name+".pdf"))
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "testdata/"+name+".golden", got)
		})
	}
}

// TestExtractReadingOrder checks what the golden files must keep
// saying, whatever the layout details: the title and author lines come
// first and alone, the paragraphs follow in order, the second page comes
// last after a blank line, and no character is lost or garbled.
func TestExtractReadingOrder(t *testing.T) {
	const (
		title  = "社区议事厅让群众说了算"
		author = "龙潭区委组织部 李明远"
		para1  = "2024年以来，龙潭区在全区12个社区推行“议事厅”制度，每月第一个周六召开居民议事会，由社区党组织书记主持，网格员、楼栋长和居民代表共同参加。议事会上提出的停车难、加装电梯、老旧小区改造等问题，当场登记、限期答复，办理结果在社区公示栏公开。"
		para2  = "为了让议事不走过场，区委组织部把议事厅运行情况纳入社区党组织书记述职评议内容。一年来共收集居民意见三百余条，办结率达到百分之九十五。居民们说：“大家的事大家商量，心里踏实。”"
		page2  = "下一步，龙潭区将把议事厅的做法推广到农村，探索“村民说事”机制，让更多群众参与基层治理。"
	)
	for _, name := range []string{"layout.pdf", "office.pdf"} {
		t.Run(name, func(t *testing.T) {
			got, err := Extract(readTestPDF(t, name))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
			if lines[0] != title || lines[1] != author {
				t.Errorf("first lines = %q, %q; want the title and the author line", lines[0], lines[1])
			}
			pages := strings.Split(got, "\n\n")
			if len(pages) != 2 {
				t.Fatalf("got %d page blocks, want 2:\n%s", len(pages), got)
			}
			// Lines break where the page breaks them; the characters
			// run on in order. Spaces are layout, not text.
			if want := whitespace.Remove(title + author + para1 + para2); whitespace.Remove(pages[0]) != want {
				t.Errorf("page 1 text =\n%s\nwant the characters of\n%s", whitespace.Remove(pages[0]), want)
			}
			if whitespace.Remove(pages[1]) != whitespace.Remove(page2) {
				t.Errorf("page 2 text = %q, want %q", whitespace.Remove(pages[1]), page2)
			}
			if n := len(lines); n < 8 {
				t.Errorf("got %d lines, want one per printed line (at least 8)", n)
			}
		})
	}
}

var (
	buildPDF = pdftest.Build
	stream   = pdftest.Stream
	onePage  = pdftest.Page
)

func TestExtractRefusesWhatItCannotRead(t *testing.T) {
	manyPages := buildPDF("",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids["+strings.Repeat("3 0 R ", MaxPages+1)+"]/Count 2001>>",
		"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>",
		stream("BT ET"),
	)
	loopingTree := buildPDF("",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[2 0 R 2 0 R]/Count 1>>",
	)
	imageOnly := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", "0 0 100 100 re f")
	noUnicodeMap := onePage(
		"<</Type/Font/Subtype/Type0/BaseFont/X/Encoding/Identity-H/DescendantFonts[6 0 R]>>",
		"BT /F1 12 Tf 10 100 Td <00410042> Tj ET",
		"<</Type/Font/Subtype/CIDFontType2/BaseFont/X/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>>>",
	)
	deep := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", strings.Repeat("[", 10000)+" Tj")
	layout := readTestPDF(t, "layout.pdf")

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text file is not a PDF", []byte("社区议事厅\n"), knowledge.ErrPDFCorrupt},
		{"empty file is not a PDF", nil, knowledge.ErrPDFCorrupt},
		{"truncated PDF is damaged", layout[:len(layout)/2], knowledge.ErrPDFCorrupt},
		{"page without text has no text", imageOnly, knowledge.ErrPDFNoText},
		{"glyphs without a Unicode map are no text", noUnicodeMap, knowledge.ErrPDFNoText},
		{"too many pages is too large", manyPages, knowledge.ErrPDFTooLarge},
		{"page tree that loops is damaged", loopingTree, knowledge.ErrPDFCorrupt},
		{"deeply nested content is damaged", deep, knowledge.ErrPDFCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := Extract(tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Extract = %q, %v; want %v", text, err, tt.want)
			}
			if text != "" {
				t.Errorf("text %q returned with the error", text)
			}
		})
	}
}

func TestExtractEncrypted(t *testing.T) {
	needsPassword := buildPDF("/Encrypt 3 0 R /ID[<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[]/Count 0>>",
		"<</Filter/Standard/V 2/R 3/Length 128/P -4/O<"+strings.Repeat("11", 32)+">/U<"+strings.Repeat("22", 32)+">>>",
	)
	aes256 := buildPDF("/Encrypt 3 0 R",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[]/Count 0>>",
		"<</Filter/Standard/V 5/R 6/Length 256/P -4>>",
	)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"a user's password is needed", needsPassword, "it needs a password to open"},
		{"256-bit AES is not read", aes256, "its encryption cannot be read here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(tt.data)
			if !errors.Is(err, knowledge.ErrPDFEncrypted) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Extract = %v; want %v saying %q", err, knowledge.ErrPDFEncrypted, tt.want)
			}
		})
	}

	t.Run("an owner's password alone does not stop reading", func(t *testing.T) {
		// office.pdf encrypted with AES-128 by qpdf, with an owner's
		// password and no user's password.
		got, err := Extract(readTestPDF(t, "office-owner-password.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := Extract(readTestPDF(t, "office.pdf"))
		if err != nil || got != want {
			t.Fatalf("Extract = %q, %v; want the text of office.pdf, %q", got, err, want)
		}
	})
}

func TestExtractSimpleFontsAndSpacing(t *testing.T) {
	// A standard font without a ToUnicode map is read through its
	// encoding; words placed apart by position get a space, and lines
	// drawn top to bottom come out in that order.
	data := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
		"BT /F1 10 Tf 10 150 Td (Party) Tj 40 0 Td (building) Tj 0 -20 Td [(wo) 120 (rk)] TJ ET")
	got, err := Extract(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Party building\nwork\n"; got != want {
		t.Errorf("Extract = %q, want %q", got, want)
	}
}

// TestExtractMatchesPdftotext reads PDFs rendered by LibreOffice,
// ReportLab and cairo (testdata/render) and compares their text with what
// poppler's pdftotext reads in content-stream order: at least 99.5 % of
// the characters must agree, in order (white space aside). The running
// header, drawn before the body, opens every page.
func TestExtractMatchesPdftotext(t *testing.T) {
	const header = "吉林党建2020年第7期"
	for _, name := range []string{"reportlab-1col", "reportlab-2col", "office-2col", "cairo-2col"} {
		t.Run(name, func(t *testing.T) {
			got, err := Extract(readTestPDF(t, name+".pdf"))
			if err != nil {
				t.Fatal(err)
			}
			ref := []rune(whitespace.Remove(string(readTestPDF(t, name+".pdftotext"))))
			dist := editDistance([]rune(whitespace.Remove(got)), ref)
			if acc := 1 - float64(dist)/float64(len(ref)); acc < 0.995 {
				t.Errorf("%d edits against pdftotext's %d characters: accuracy %.4f, want ≥ 0.995", dist, len(ref), acc)
			}
			for i, page := range strings.Split(got, "\n\n") {
				first, _, _ := strings.Cut(page, "\n")
				if whitespace.Remove(first) != header {
					t.Errorf("page %d opens with %q, want the running header", i+1, first)
				}
			}
		})
	}
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b []rune) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// toUnicodeCMap is a ToUnicode CMap with single-byte codes mapping each
// code in pairs to the UTF-16BE text after it.
func toUnicodeCMap(pairs ...string) string {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n")
	b.WriteString("1 begincodespacerange <00> <ff> endcodespacerange\n")
	fmt.Fprintf(&b, "%d beginbfchar\n", len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "<%s> <%s>\n", pairs[i], pairs[i+1])
	}
	b.WriteString("endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n")
	return b.String()
}

func TestExtractSingleByteCodes(t *testing.T) {
	// A TrueType subset numbers its glyphs 1, 2, 3, … and maps the codes
	// through ToUnicode. Codes above 0x7f must each be read on their own,
	// also where two of them happen to form a UTF-8 sequence (c3 a9 is
	// "é" in UTF-8).
	cmap := toUnicodeCMap("01", "515A", "c3", "5EFA", "a9", "515A", "e4", "5DE5", "b8", "4F5C", "ad", "4E2D", "41", "0041")
	tests := []struct {
		name, shown, want string
	}{
		{"codes forming UTF-8", "<c3a9>", "建党"},
		{"three-byte UTF-8 sequence", "<e4b8ad>", "工作中"},
		{"mixed with ASCII", "<01c3a941>", "党建党A"},
		{"lone high byte", "<a9>", "党"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := onePage("<</Type/Font/Subtype/TrueType/BaseFont/ABCDEF+Font/FirstChar 1/LastChar 255/ToUnicode 6 0 R>>",
				"BT /F1 10 Tf 10 150 Td "+tt.shown+" Tj ET", stream(cmap))
			got, err := Extract(data)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want+"\n" {
				t.Errorf("Extract = %q, want %q", got, tt.want+"\n")
			}
		})
	}
}

// pages is a PDF of n pages, each drawing content with the font and
// XObject resources given (object 3 is the shared resource dictionary,
// objects from 4 on are extra).
func pages(n int, resources, content string, extra ...string) []byte {
	var kids strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&kids, "%d 0 R ", 4+len(extra)+2*i)
	}
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		fmt.Sprintf("<</Type/Pages/Kids[%s]/Count %d>>", kids.String(), n),
		resources,
	}
	objs = append(objs, extra...)
	for i := 0; i < n; i++ {
		objs = append(objs, fmt.Sprintf("<</Type/Page/Parent 2 0 R/Resources 3 0 R/Contents %d 0 R>>", 5+len(extra)+2*i), stream(content))
	}
	return buildPDF("", objs...)
}

// TestExtractBoundsWork feeds files that describe far more work than
// they weigh: each must be refused, and refused early (the benchmarks
// report the memory it takes). Where the bound is the reader's own
// constant it is tested as it is; bounds that take long to fill are
// tested smaller.
func TestExtractBoundsWork(t *testing.T) {
	const giga = 1 << 30
	small := limits{readCalls: maxReadCalls, content: 1 << 20, fontEntries: 1 << 16, encodingWork: 1 << 20}
	helvetica := "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"
	cmapHead := "1 begincodespacerange <0000> <ffff> endcodespacerange\n"

	// Fonts each mapping every two-byte code: 65,536 mappings each.
	var fullMaps []string
	var fontRes, useFonts strings.Builder
	for i := 0; i < 4; i++ {
		fullMaps = append(fullMaps, cidFont(fmt.Sprintf("%d 0 R", 8+i)))
		fmt.Fprintf(&fontRes, "/F%d %d 0 R ", i, 4+i)
		fmt.Fprintf(&useFonts, "/F%d 10 Tf <0001> Tj ", i)
	}
	for i := 0; i < 4; i++ {
		fullMaps = append(fullMaps, stream(cmapHead+"1 beginbfrange <0000> <ffff> <4e00> endbfrange"))
	}
	// Fonts whose encodings each list 1,000 differences, showing every
	// code: 256,000 steps each through the library's decoder.
	var differences []string
	var diffRes, useDiffs strings.Builder
	diffs := "/Differences[0" + strings.Repeat(" /a", 1000) + "]"
	for i := 0; i < 10; i++ {
		differences = append(differences, fmt.Sprintf("<</Type/Font/Subtype/Type1/BaseFont/F%d/Encoding<<%s>>>>", i, diffs))
		fmt.Fprintf(&diffRes, "/F%d %d 0 R ", i, 4+i)
		fmt.Fprintf(&useDiffs, "/F%d 10 Tf <%s> Tj ", i, hex.EncodeToString(allBytes()))
	}

	tests := []struct {
		name string
		data []byte
		lim  limits
		want error
	}{
		{"ToUnicode map inflating to 1 GB", pdftest.InflatingToUnicode(giga), defaultLimits, knowledge.ErrPDFTooLarge},
		{"ToUnicode map of a CID font inflating to 1 GB",
			onePage(cidFont("6 0 R"), "BT /F1 10 Tf 10 150 Td <0041> Tj ET",
				pdftest.FlateStream(pdftest.Inflating(cmapHead+"100 beginbfchar\n", "<41>", giga))),
			defaultLimits, knowledge.ErrPDFTooLarge},
		{"page content inflating to 1 GB",
			buildPDF("", "<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
				"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>",
				pdftest.FlateStream(pdftest.Inflating("BT ", "0 ", giga))),
			small, knowledge.ErrPDFTooLarge},
		// Each drawing of the form is charged: 20 × 200 kB passes 1 MB.
		{"form of 200 kB drawn on 20 pages",
			pages(20, "<</XObject<</X1 4 0 R>>>>", "/X1 Do",
				strings.Replace(stream("%"+strings.Repeat("x", 200<<10)), "<<", "<</Type/XObject/Subtype/Form/BBox[0 0 1 1]", 1)),
			small, knowledge.ErrPDFTooLarge},
		{"a million operands before an operator", onePage(helvetica, strings.Repeat("0 ", 1<<20)+"Tj"), defaultLimits, knowledge.ErrPDFCorrupt},
		{"fonts with too many mappings on one page", pages(1, "<</Font<<"+fontRes.String()+">>>>", "BT "+useFonts.String()+"ET", fullMaps...), small, knowledge.ErrPDFTooLarge},
		{"fonts with long Differences decoded", pages(1, "<</Font<<"+diffRes.String()+">>>>", "BT "+useDiffs.String()+"ET", differences...), small, knowledge.ErrPDFTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := extract(context.Background(), tt.data, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("extract of %d bytes = %.100q, %v; want %v", len(tt.data), text, err, tt.want)
			}
		})
	}
}

// TestExtractBoundsCrossReferences reads files whose cross-reference
// sections would make the PDF library allocate a table for hundreds of
// millions of objects (found by FuzzExtract: 3 GB for a 1 kB file).
func TestExtractBoundsCrossReferences(t *testing.T) {
	valid := buildPDF("", "<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[]/Count 0>>")
	farSubsection := bytes.Replace(valid, []byte("xref\n0 3\n"), []byte("xref\n0 1\n0000000000 65535 f\r\n99999990 2\n"), 1)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"table subsection far out", farSubsection, knowledge.ErrPDFTooLarge},
		{"stream sized for a billion objects", xrefStreamFile("/Size 1000000000/W[1 4 2]"), knowledge.ErrPDFTooLarge},
		{"stream index far out", xrefStreamFile("/Size 5/Index[99999990 5]/W[1 4 2]"), knowledge.ErrPDFTooLarge},
		{"stream entries a gigabyte wide", xrefStreamFile("/Size 5/W[1 1000000000 2]"), knowledge.ErrPDFCorrupt},
		{"table that loops through Prev", xrefLoop(), knowledge.ErrPDFCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := defaultLimits
			lim.readCalls = 1 << 12 // the loop ends sooner
			if _, err := extract(context.Background(), tt.data, lim); !errors.Is(err, tt.want) {
				t.Fatalf("extract = %v, want %v", err, tt.want)
			}
		})
	}
	// The check passes what it need not refuse.
	if err := checkXref(valid); err != nil {
		t.Errorf("checkXref of a valid table = %v", err)
	}
	if err := checkXref(objectStreamLoop()); err != nil {
		t.Errorf("checkXref of a valid cross-reference stream = %v", err)
	}
}

// xrefStreamFile is a PDF whose cross-reference stream has the entries
// given in its dictionary, and a catalog.
func xrefStreamFile(dict string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	catalog := b.Len()
	b.WriteString("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n")
	xref := b.Len()
	table := []byte{0, 0, 0, 0, 0, 0xff, 0xff, 1, 0, 0, 0, byte(catalog), 0, 0}
	fmt.Fprintf(&b, "2 0 obj\n<</Type/XRef/Root 1 0 R%s/Length %d>>\nstream\n%s\nendstream\nendobj\n", dict, len(table), table)
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// TestExtractKeepsFontsWithinBounds reads a file whose pages each bring
// their own large font: the fonts kept for later pages are let go as
// the bound fills, and every page is read.
func TestExtractKeepsFontsWithinBounds(t *testing.T) {
	const n = 6
	var objs []string
	objs = append(objs, "<</Type/Catalog/Pages 2 0 R>>", "")
	var kids strings.Builder
	for i := 0; i < n; i++ {
		first := len(objs) + 1 // page, content, font, map
		fmt.Fprintf(&kids, "%d 0 R ", first)
		objs = append(objs,
			fmt.Sprintf("<</Type/Page/Parent 2 0 R/Resources<</Font<</F1 %d 0 R>>>>/Contents %d 0 R>>", first+2, first+1),
			stream(fmt.Sprintf("BT /F1 10 Tf 10 150 Td <%04x> Tj ET", i)),
			cidFont(fmt.Sprintf("%d 0 R", first+3)),
			stream(fmt.Sprintf("1 begincodespacerange <0000> <ffff> endcodespacerange\n1 beginbfrange <0000> <9fff> <%04x> endbfrange", 0x4e00+i)))
	}
	objs[1] = fmt.Sprintf("<</Type/Pages/Kids[%s]/Count %d>>", kids.String(), n)
	got, err := extract(context.Background(), buildPDF("", objs...), limits{readCalls: maxReadCalls, content: 4 << 20, fontEntries: 1 << 16, encodingWork: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if want := "一\n\n丂\n\n丄\n\n丆\n\n丈\n\n上\n"; got != want {
		t.Errorf("extract = %q, want %q", got, want)
	}
}

// cidFont is a Type0 font with Identity-H codes and the given ToUnicode
// reference.
func cidFont(toUnicode string) string {
	return "<</Type/Font/Subtype/Type0/BaseFont/X/Encoding/Identity-H/DescendantFonts[<</Type/Font/Subtype/CIDFontType2/BaseFont/X>>]/ToUnicode " + toUnicode + ">>"
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// xrefLoop is a PDF whose cross-reference sections name each other as
// the previous one, for ever.
func xrefLoop() []byte {
	data := buildPDF("", "<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[]/Count 0>>")
	xref := bytes.LastIndex(data, []byte("\nxref\n")) + 1
	return bytes.Replace(data, []byte("/Root 1 0 R "), []byte(fmt.Sprintf("/Root 1 0 R /Prev %d", xref)), 1)
}

// objectStreamLoop is a PDF whose pages object lies in an object stream
// that does not hold it and names itself as the stream it extends.
func objectStreamLoop() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	catalog := b.Len()
	b.WriteString("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n")
	objStm := b.Len()
	b.WriteString("3 0 obj\n<</Type/ObjStm/N 1/First 4/Extends 3 0 R/Length 8>>\nstream\n9 0 <<>>\nendstream\nendobj\n")
	xref := b.Len()
	// Entries of 1, 4 and 2 bytes: type, offset or stream, generation or index.
	entry := func(typ byte, field uint32, index uint16) []byte {
		return []byte{typ, byte(field >> 24), byte(field >> 16), byte(field >> 8), byte(field), byte(index >> 8), byte(index)}
	}
	var table []byte
	table = append(table, entry(0, 0, 0xffff)...)
	table = append(table, entry(1, uint32(catalog), 0)...)
	table = append(table, entry(2, 3, 0)...)
	table = append(table, entry(1, uint32(objStm), 0)...)
	table = append(table, entry(1, uint32(xref), 0)...)
	fmt.Fprintf(&b, "4 0 obj\n<</Type/XRef/Size 5/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n%s\nendstream\nendobj\n", len(table), table)
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// TestExtractStopsOnLoops reads files whose structure loops. The PDF
// library follows the loops for ever; the count of its reads stops it
// (tested with a smaller count than the reader's own, which takes a
// second or two to reach).
func TestExtractStopsOnLoops(t *testing.T) {
	lim := defaultLimits
	lim.readCalls = 1 << 12
	for name, data := range map[string][]byte{
		"cross-reference sections": xrefLoop(),
		"object streams extending": objectStreamLoop(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := extract(context.Background(), data, lim)
			if !errors.Is(err, knowledge.ErrPDFCorrupt) || !strings.Contains(err.Error(), "again and again") {
				t.Fatalf("extract = %v, want %v for going round in circles", err, knowledge.ErrPDFCorrupt)
			}
		})
	}
}

func TestExtractContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, data := range map[string][]byte{
		"sample":    readTestPDF(t, "office.pdf"),
		"xref loop": xrefLoop(),
		"1 GB map":  pdftest.InflatingToUnicode(1 << 30),
	} {
		t.Run(name, func(t *testing.T) {
			text, err := ExtractContext(ctx, data)
			if !errors.Is(err, context.Canceled) || text != "" {
				t.Fatalf("ExtractContext = %.50q, %v; want %v", text, err, context.Canceled)
			}
		})
	}
}

// TestExtractToleratesDamagedContent reads content as leniently as other
// readers do: what is damaged is passed over, the rest is read.
func TestExtractToleratesDamagedContent(t *testing.T) {
	helvetica := "<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>"
	tests := []struct {
		name, font, content string
		extra               []string
		want                string
	}{
		{"hex string left open", helvetica, "BT /F1 10 Tf 10 150 Td (AB) Tj <4142", nil, "AB\n"},
		{"literal string left open", helvetica, "BT /F1 10 Tf 10 150 Td (AB) Tj (CD", nil, "AB\n"},
		{"stray closing delimiters", helvetica, "] >> } ) BT /F1 10 Tf 10 150 Td (AB) Tj ET", nil, "AB\n"},
		{"escapes in strings", helvetica, `BT /F1 10 Tf 10 150 Td (\101\102\
C\(\)) Tj ET`, nil, "ABC()\n"},
		{"odd hex digits and spaces", helvetica, "BT /F1 10 Tf 10 150 Td <41 4 > Tj ET", nil, "A@\n"},
		{"comments", helvetica, "BT /F1 10 Tf % (hidden) Tj\n10 150 Td (AB) Tj ET", nil, "AB\n"},
		{"inline image whose data looks like text", helvetica,
			"BT /F1 10 Tf 10 150 Td (AB) Tj ET BI /W 4 /H 1 /BPC 8 /CS /G ID (XY) Tj\x00\xff EI Q BT /F1 10 Tf 10 130 Td (CD) Tj ET", nil, "AB\nCD\n"},
		{"ToUnicode map with an unknown filter", "<</Type/Font/Subtype/TrueType/BaseFont/X/Encoding/WinAnsiEncoding/ToUnicode 6 0 R>>",
			"BT /F1 10 Tf 10 150 Td (AB) Tj ET", []string{"<</Length 4/Filter/NoSuchDecode>>\nstream\nabcd\nendstream"}, "AB\n"},
		{"ToUnicode map that is not a CMap", "<</Type/Font/Subtype/TrueType/BaseFont/X/ToUnicode 6 0 R>>",
			"BT /F1 10 Tf 10 150 Td (AB) Tj ET", []string{stream("[[[ <<")}, "AB\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Extract(onePage(tt.font, tt.content, tt.extra...))
			if err != nil || got != tt.want {
				t.Fatalf("Extract = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestExtractExplainsPagesWithoutText(t *testing.T) {
	image := "<</Type/XObject/Subtype/Image/Width 1/Height 1/ColorSpace/DeviceGray/BitsPerComponent 8/Length 1>>\nstream\n\x80\nendstream"
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"scanned pages", pages(3, "<</XObject<</Im1 4 0 R>>>>", "q 595 0 0 842 0 0 cm /Im1 Do Q", image), "3 of its 3 pages show only images"},
		{"inline images", onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", "q 100 0 0 100 0 0 cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI Q"), "1 of its 1 pages show only images"},
		{"blank pages", pages(2, "<<>>", "0 0 10 10 re f"), "its 2 pages draw no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(tt.data)
			if !errors.Is(err, knowledge.ErrPDFNoText) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Extract = %v; want %v saying %q", err, knowledge.ErrPDFNoText, tt.want)
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(readTestPDF(f, "layout.pdf"))
	f.Add(readTestPDF(f, "office.pdf"))
	f.Add(onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", "BT /F1 10 Tf 10 150 Td (a b) Tj ET"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := Extract(data)
		if err != nil {
			if text != "" {
				t.Errorf("text returned with error %v", err)
			}
			for _, known := range []error{knowledge.ErrPDFCorrupt, knowledge.ErrPDFEncrypted, knowledge.ErrPDFNoText, knowledge.ErrPDFTooLarge} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("error %v is none of the documented ones", err)
		}
		if !utf8.ValidString(text) || strings.TrimSpace(text) == "" {
			t.Fatalf("Extract = %q with no error: want valid, non-empty text", text)
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r < ' ' && r != '\n' }) {
			t.Fatalf("control characters in %q", text)
		}
	})
}

// BenchmarkExtract reads the rendered sample PDFs, and files that inflate
// to a gigabyte, which it refuses (run with -benchmem for what each
// allocates).
func BenchmarkExtract(b *testing.B) {
	benchmarks := []struct {
		name string
		data []byte
	}{
		{"reportlab-2col", readTestPDF(b, "reportlab-2col.pdf")},
		{"cairo-2col", readTestPDF(b, "cairo-2col.pdf")},
		{"ToUnicode-1GB", pdftest.InflatingToUnicode(1 << 30)},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.data)))
			for i := 0; i < b.N; i++ {
				text, err := Extract(bm.data)
				if err != nil && !errors.Is(err, knowledge.ErrPDFTooLarge) || err == nil && text == "" {
					b.Fatalf("Extract = %.50q, %v", text, err)
				}
			}
		})
	}
}
