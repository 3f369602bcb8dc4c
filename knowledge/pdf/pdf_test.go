package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"kbot/knowledge"
	"kbot/knowledge/internal/golden"
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

// buildPDF lays out numbered objects (object i+1 is objs[i]) with a
// correct cross-reference table; trailer is added to the trailer
// dictionary, which names object 1 as the catalog.
func buildPDF(trailer string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, xref)
	return b.Bytes()
}

func stream(content string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content)
}

// onePage is a one-page PDF drawing content with font F1 = font.
func onePage(font, content string, extra ...string) []byte {
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
		stream(content),
		font,
	}
	return buildPDF("", append(objs, extra...)...)
}

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
	encrypted := buildPDF("/Encrypt 3 0 R /ID[<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[]/Count 0>>",
		"<</Filter/Standard/V 2/R 3/Length 128/P -4/O<"+strings.Repeat("11", 32)+">/U<"+strings.Repeat("22", 32)+">>>",
	)
	aes256 := buildPDF("/Encrypt 3 0 R",
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[]/Count 0>>",
		"<</Filter/Standard/V 5/R 6/Length 256/P -4>>",
	)
	imageOnly := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", "0 0 100 100 re f")
	noUnicodeMap := onePage(
		"<</Type/Font/Subtype/Type0/BaseFont/X/Encoding/Identity-H/DescendantFonts[6 0 R]>>",
		"BT /F1 12 Tf 10 100 Td <00410042> Tj ET",
		"<</Type/Font/Subtype/CIDFontType2/BaseFont/X/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>>>",
	)
	deep := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", strings.Repeat("[", 10000)+" Tj")
	openHex := onePage("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", "BT /F1 10 Tf 10 150 Td <4142")
	layout := readTestPDF(t, "layout.pdf")

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text file is not a PDF", []byte("社区议事厅\n"), knowledge.ErrPDFCorrupt},
		{"empty file is not a PDF", nil, knowledge.ErrPDFCorrupt},
		{"truncated PDF is damaged", layout[:len(layout)/2], knowledge.ErrPDFCorrupt},
		{"PDF needing a password is encrypted", encrypted, knowledge.ErrPDFEncrypted},
		{"PDF in unsupported encryption is encrypted", aes256, knowledge.ErrPDFEncrypted},
		{"page without text has no text", imageOnly, knowledge.ErrPDFNoText},
		{"glyphs without a Unicode map are no text", noUnicodeMap, knowledge.ErrPDFNoText},
		{"too many pages is too large", manyPages, knowledge.ErrPDFTooLarge},
		{"page tree that loops is damaged", loopingTree, knowledge.ErrPDFCorrupt},
		{"deeply nested content is damaged", deep, knowledge.ErrPDFCorrupt},
		{"hex string left open is damaged", openHex, knowledge.ErrPDFCorrupt},
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
