package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

func TestWriteTableAlignsWideCharacters(t *testing.T) {
	rows := [][]string{
		{"ID", "标题", "作者", "字数"},
		{"a1", "网格化管理让服务更贴心", "张明（某镇党委书记）", "1200"},
		{"b22", "Party building in English", "", "98"},
		{"c333", "“五位一体”", "李华", "7"},
	}
	var b bytes.Buffer
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("%d lines for %d rows:\n%s", len(lines), len(rows), b.String())
	}
	// Every cell of a column starts at the same display column.
	starts := cellStarts(t, lines[0], rows[0])
	for i, line := range lines[1:] {
		got := cellStarts(t, line, rows[i+1])
		for j := range got {
			if rows[i+1][j] != "" && got[j] != starts[j] {
				t.Errorf("row %d: column %d starts at display column %d, the header's at %d\n%s", i+1, j, got[j], starts[j], b.String())
			}
		}
	}
	if strings.HasSuffix(lines[1], " ") {
		t.Errorf("last column is padded: %q", lines[1])
	}
}

// cellStarts returns the display column at which each non-empty cell
// begins in line.
func cellStarts(t *testing.T, line string, cells []string) []int {
	t.Helper()
	out := make([]int, len(cells))
	from := 0
	for j, c := range cells {
		if c == "" {
			continue
		}
		i := strings.Index(line[from:], c)
		if i < 0 {
			t.Fatalf("cell %q not in %q", c, line)
		}
		out[j] = runewidth.StringWidth(line[:from+i])
		from += i + len(c)
	}
	return out
}

func TestArticlesColumnsLineUp(t *testing.T) {
	data := t.TempDir()
	code, out, errs := kbot(t, data, nil, "articles", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var arts []articleRow
	if err := json.Unmarshal([]byte(out), &arts); err != nil {
		t.Fatal(err)
	}
	code, out, errs = kbot(t, data, nil, "articles")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// One issue: its name, then the table.
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "== ") {
		lines = lines[1:]
	}
	if len(lines) != len(arts)+1 {
		t.Fatalf("%d lines for %d articles", len(lines), len(arts))
	}
	header := cellStarts(t, lines[0], []string{"ID", "标题", "作者", "栏目"})
	for i, a := range arts {
		got := cellStarts(t, lines[i+1], []string{a.ID, a.Title, a.Author, a.Section})
		for j, name := range []string{"ID", "title", "author", "section"} {
			if got[j] != 0 && got[j] != header[j] {
				t.Errorf("article %s: %s starts at display column %d, its heading at %d", a.ID, name, got[j], header[j])
			}
		}
	}
}

func TestHelpGoesToStdoutForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := kbot(t, t.TempDir(), nil, c.name, "-h")
			if code != exitOK || errs != "" {
				t.Fatalf("kbot %s -h: exit %d, stderr %q; want 0 and nothing on stderr", c.name, code, errs)
			}
			if !strings.HasPrefix(out, "Usage: kbot "+c.name) || !strings.Contains(out, "-data-dir") {
				t.Errorf("kbot %s -h printed %q, want its usage and flags on stdout", c.name, out)
			}
		})
	}
	code, out, errs := kbot(t, t.TempDir(), nil, "-h")
	if code != exitOK || errs != "" || !strings.Contains(out, "Commands:") {
		t.Errorf("kbot -h: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestUnknownFlagIsOneError(t *testing.T) {
	args := [][]string{{"--bogus"}}
	for _, c := range commands() {
		args = append(args, []string{c.name, "--bogus"})
	}
	for _, a := range args {
		t.Run(strings.Join(a, " "), func(t *testing.T) {
			code, out, errs := kbot(t, t.TempDir(), nil, a...)
			if code != exitUsage || out != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, out, exitUsage)
			}
			if n := strings.Count(errs, "flag provided but not defined"); n != 1 || strings.Contains(errs, "Usage") || strings.Count(errs, "\n") != 2 {
				t.Errorf("stderr = %q, want the error once and a hint, without the usage", errs)
			}
		})
	}
}

func TestSearchHonoursRetrievalK(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"default is retrieval.k's default", nil, nil, 5},
		{"configured retrieval.k is used", map[string]string{"KBOT_RETRIEVAL_K": "2"}, nil, 2},
		{"-k overrides retrieval.k", map[string]string{"KBOT_RETRIEVAL_K": "2"}, []string{"-k", "3"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"search", "--json"}, tt.args...)
			code, out, errs := kbot(t, data, tt.env, append(args, "集体经济")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var res struct {
				Results []searchResult `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Results) != tt.want {
				t.Errorf("%d results, want %d", len(res.Results), tt.want)
			}
		})
	}
	if code, _, errs := kbot(t, data, nil, "search", "-k", "0", "集体经济"); code != exitUsage || !strings.Contains(errs, "-k must be between 1 and 100") {
		t.Errorf("-k 0: exit %d, %s", code, errs)
	}
}

func TestJSONListsAreNeverNull(t *testing.T) {
	data := t.TempDir()
	// The second ingest changes nothing: its lists are empty.
	var ingest string
	for range 2 {
		var code int
		var errs string
		if code, ingest, errs = kbot(t, data, nil, "ingest", "--json"); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
	}
	_, refused, _ := kbot(t, data, nil, "ask", "--json", "长春市今年出台了哪些人才政策？")
	for name, out := range map[string]string{"ingest": ingest, "ask (refused)": refused} {
		if strings.Contains(out, "null") {
			t.Errorf("kbot %s --json has a null:\n%s", name, out)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("kbot %s --json: %v\n%s", name, err, out)
		}
	}
	if !strings.Contains(ingest, `"articles_added": []`) || !strings.Contains(refused, `"citations": []`) {
		t.Errorf("empty lists are not []:\n%s\n%s", ingest, refused)
	}
}

func TestProgressBarOnlyOnATerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name string
		out  io.Writer
	}{
		{"a buffer gets no bar", &bytes.Buffer{}},
		{"a pipe gets no bar", w},
		{"/dev/null, a character device but no terminal, gets no bar", devNull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if progressBar(tt.out) != nil {
				t.Error("progress bar drawn where no one sees it")
			}
		})
	}
}
