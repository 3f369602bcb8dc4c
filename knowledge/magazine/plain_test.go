package magazine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"kbot/knowledge"
)

// hardWrap cuts paragraphs into lines of width Han characters, each
// paragraph's first line indented by indent.
func hardWrap(paras []string, width int, indent string) string {
	var b strings.Builder
	for _, p := range paras {
		rs := []rune(p)
		first := true
		for len(rs) > 0 {
			n := min(width, len(rs))
			if first {
				b.WriteString(indent)
				n = min(width-2, len(rs))
			}
			b.WriteString(string(rs[:n]))
			b.WriteString("\n")
			rs, first = rs[n:], false
		}
	}
	return b.String()
}

// A hard-wrapped article saved as plain text is one article: its lines
// joined into paragraphs, its byline and post taken out of the body.
func TestPlainHardWrappedArticle(t *testing.T) {
	paras := []string{
		"今年以来，安平县委组织部坚持把抓党建促乡村振兴作为重点任务，推动各乡镇建立联系帮扶机制，组织党员干部深入村屯走访群众，解决了一批实际问题。",
		"一、压实责任",
		"县委组织部定期召开专题会议，研究解决基层党建工作中的难题，确保各项制度落到实处。全县各村党组织书记逐一签订责任书，明确任务清单。",
		"二、强化保障",
		"县财政安排专项资金，用于村级组织活动场所建设和党员教育培训，基层组织运转经费得到有效保障。",
	}
	for _, tt := range []struct {
		name, indent, byline, post string
		width                      int
	}{
		{"ideographic-space indents", "\u3000\u3000", "作者：赵明远", "（作者：安平县委组织部副部长）", 20},
		{"one-space indents", " ", "作者：赵明远（安平县委组织部副部长）", "", 24},
		{"no indents", "", "", "（作者：赵明远，安平县委组织部副部长）", 18},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := "抓党建促乡村振兴的安平实践\n"
			if tt.byline != "" {
				text += tt.byline + "\n"
			}
			text += hardWrap(paras, tt.width, tt.indent)
			if tt.post != "" {
				text += tt.post + "\n"
			}
			if looksLikeIssue(text) {
				t.Fatal("a hard-wrapped article read as an issue")
			}
			a, err := parseDocumentText("anping.txt", text)
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != "抓党建促乡村振兴的安平实践" || a.Author != "赵明远" || a.AuthorPost != "安平县委组织部副部长" {
				t.Errorf("title %q author %q post %q", a.Title, a.Author, a.AuthorPost)
			}
			if a.Body != strings.Join(paras, "\n") {
				t.Errorf("body:\n got %q\nwant %q", a.Body, strings.Join(paras, "\n"))
			}
			if strings.Contains(a.Body, "作者") {
				t.Errorf("the byline stayed in the body")
			}
		})
	}
}

// Files in other encodings are read, with a note naming the encoding;
// a file that is no text is skipped with a warning naming it.
func TestLoadEncodings(t *testing.T) {
	dir := t.TempDir()
	doc := "社区治理的新做法\n昌邑区委组织部推动社区党组织牵头，物业、业主共同参与，办成一批实事。\n"
	le, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	be, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	latin, err := charmap.Windows1252.NewEncoder().Bytes([]byte("Résumé of the “community” meeting\nThe committee met on Monday – all members attended.\n"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"le.txt": le, "be.txt": be, "latin.txt": latin, "binary.txt": {0, 1, 2, 3, 0xff, 0x00, 0x81, 0x9f}}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	arts, warnings, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]knowledge.Article{}
	for _, a := range arts {
		bySource[a.Source] = a
	}
	for _, name := range []string{"le.txt", "be.txt"} {
		if a := bySource[name]; a.Title != "社区治理的新做法" || !strings.Contains(a.Body, "物业、业主") {
			t.Errorf("%s read as %q / %q", name, a.Title, a.Body)
		}
	}
	if a := bySource["latin.txt"]; !strings.Contains(a.Title+a.Body, "Résumé of the “community” meeting") {
		t.Errorf("latin.txt read as %q / %q", a.Title, a.Body)
	}
	want := map[string]string{
		"le.txt":     "read as UTF-16 (little-endian",
		"be.txt":     "read as UTF-16 (big-endian",
		"latin.txt":  "read as Windows-1252",
		"binary.txt": "skipped: " + knowledge.ErrUndecodable.Error(),
	}
	for file, phrase := range want {
		found := false
		for _, w := range warnings {
			if strings.Contains(w, file) && strings.Contains(w, phrase) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning naming %s with %q in %q", file, phrase, warnings)
		}
	}
}

// A PDF goes through the same reader as its text: an extraction that
// marks pages with blank lines gives the article table of the text.
func TestLoadPDFThroughTheSameReader(t *testing.T) {
	dir := t.TempDir()
	m := bundledModel(t)
	text, want := render(m, layout{width: 18, perPage: 24, marker: "blank", spaced: true, seed: 5})
	writeFile(t, filepath.Join(dir, "issue.pdf"), []byte("%PDF-1.4 stand-in"))
	writeFile(t, filepath.Join(dir, "scan.pdf"), []byte("%PDF-1.4 scan"))
	ld := Loader{ExtractPDF: func(data []byte) (string, error) {
		if strings.Contains(string(data), "scan") {
			return "", fmt.Errorf("extract pdf: %w", knowledge.ErrPDFNoText)
		}
		return text, nil
	}}
	arts, warnings, err := ld.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range compareTables(want.wantTable(), arts) {
		if !strings.HasPrefix(p, "body of") {
			t.Error(p)
		}
	}
	found := false
	for _, w := range warnings {
		if strings.Contains(w, "scan.pdf") && strings.Contains(w, knowledge.ErrPDFNoText.Error()) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming scan.pdf as a PDF without text: %q", warnings)
	}
	// Without a PDF reader, PDFs are skipped with a warning.
	_, warnings, err = Load([]string{filepath.Join(dir, "issue.pdf")})
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "issue.pdf: skipped") {
		t.Errorf("Load without a PDF reader: %v, %q", err, warnings)
	}
}

// Real district names are places (class 11 of the parser's failures);
// counts, ranks and common nouns ending like one are not.
func TestPlaceShaped(t *testing.T) {
	for _, name := range []string{"西城区", "东城区", "城关区", "新华区", "三河市", "永吉县", "经开区", "船营区"} {
		if !placeShaped(name) {
			t.Errorf("%s is not taken for a place", name)
		}
	}
	for _, word := range []string{"三个区", "县级市", "各乡镇", "老城区", "新城区", "主城区", "全市区", "该县区", "社区", "小区", "景区"} {
		if placeShaped(word) {
			t.Errorf("%s is taken for a place", word)
		}
	}
	ps := []piece{{Article: knowledge.Article{Title: "街道党建", Body: "近年来，西城区委组织部推动街道党建，城关区、新华区也开展了试点，三河市政府给予支持。"}}}
	assignRegions(ps, nil)
	for _, want := range []string{"西城区", "城关区", "新华区", "三河市"} {
		if !slices.Contains(ps[0].Regions, want) {
			t.Errorf("regions %v lack %s", ps[0].Regions, want)
		}
	}
}

// An article that lost its title and tells its story in dated steps
// (去年以来，…今年以来，…) stays one article; a column of dated items is
// cut into them.
func TestUntitledStoryIsNoNewsColumn(t *testing.T) {
	story := strings.Join([]string{
		"去年以来，安平县委组织部把党建引领乡村振兴作为重点，推动村集体经济发展。",
		"今年以来，全县各村党组织书记逐一签订责任书，明确任务清单。",
		"近年来，县里持续加大投入，村级组织运转经费得到有效保障。",
		"同时，各乡镇建立联系帮扶机制，解决了一批实际问题。",
		"本 市 要 闻",
	}, "\n")
	arts, err := parseIssue("story.txt", story)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 {
		t.Errorf("%d articles from one untitled story: %v", len(arts), arts)
	}
}
