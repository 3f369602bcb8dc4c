package magazine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"kbot/knowledge"
)

func TestParseDocument(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want knowledge.Article
	}{
		{
			name: "front matter gives every field",
			file: "a.md",
			data: "---\ntitle: 抓党建促振兴\nauthor: 张三\nauthor_post: 永吉县委组织部副部长\nsection: 经验交流\nregions: [永吉县, 舒兰市]\n---\n第一段，保持原样,标点不改。\n\n第二段。\n",
			want: knowledge.Article{Title: "抓党建促振兴", Author: "张三", AuthorPost: "永吉县委组织部副部长", Section: "经验交流",
				Regions: []string{"永吉县", "舒兰市"}, Body: "第一段，保持原样,标点不改。\n第二段。", Source: "a.md"},
		},
		{
			name: "front matter names the issue",
			file: "e.md",
			data: "---\ntitle: 标题\nmagazine: 吉林党建\nissue: 2021 年第 3 期\n---\n正文。",
			want: knowledge.Article{Title: "标题", Body: "正文。", Source: "e.md", Magazine: "吉林党建", Issue: "2021年第3期", IssueYear: 2021, IssueNumber: 3},
		},
		{
			name: "regions may be one string",
			file: "b.md",
			data: "---\ntitle: 标题\nregions: 永吉县、舒兰市\n---\n正文。",
			want: knowledge.Article{Title: "标题", Regions: []string{"永吉县", "舒兰市"}, Body: "正文。", Source: "b.md"},
		},
		{
			name: "markdown heading is the title",
			file: "c.md",
			data: "# 社区治理的做法\n\n## 一、背景\n\n正文第一段。\n",
			want: knowledge.Article{Title: "社区治理的做法", Body: "一、背景\n正文第一段。", Source: "c.md"},
		},
		{
			name: "short first line is the title and places are found by shape",
			file: "d.txt",
			data: "\uFEFF村里的新变化\r\n7 月以来，龙潭区委组织部推动各村建设，龙潭区江密峰镇变化明显。\r\n",
			want: knowledge.Article{Title: "村里的新变化", Regions: []string{"龙潭区"}, Body: "7 月以来，龙潭区委组织部推动各村建设，龙潭区江密峰镇变化明显。", Source: "d.txt"},
		},
		{
			name: "without a title line the file name is the title",
			file: "工作简报.txt",
			data: "这是一段完整的正文，没有单独的标题行。",
			want: knowledge.Article{Title: "工作简报", Body: "这是一段完整的正文，没有单独的标题行。", Source: "工作简报.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDocument(tt.file, []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == "" {
				t.Error("no ID")
			}
			got.ID = ""
			if got.Title != tt.want.Title || got.Author != tt.want.Author || got.AuthorPost != tt.want.AuthorPost ||
				got.Section != tt.want.Section || got.Body != tt.want.Body || got.Source != tt.want.Source ||
				!slices.Equal(got.Regions, tt.want.Regions) || got.Magazine != tt.want.Magazine || got.Issue != tt.want.Issue ||
				got.IssueYear != tt.want.IssueYear || got.IssueNumber != tt.want.IssueNumber {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty file", []byte("  \n\n"), knowledge.ErrEmpty},
		{"only front matter", []byte("---\ntitle: 空\n---\n"), errNoArticles},
		{"bytes that are not text", []byte{0xff, 0xfe, 0x00, 0x81, 0x30, 0x00, 0xc8}, knowledge.ErrUndecodable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDocument("x.txt", tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("broken front matter names the problem", func(t *testing.T) {
		_, err := parseDocument("x.md", []byte("---\ntitle: [unclosed\n---\n正文。"))
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func TestParseDocumentGB18030(t *testing.T) {
	enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("基层党建\n永吉县委组织部开展培训，效果良好。"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseDocument("gbk.txt", enc)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "基层党建" || a.Body != "永吉县委组织部开展培训，效果良好。" {
		t.Errorf("got %q / %q", a.Title, a.Body)
	}
}

func TestParseDocumentIDKeepsAcrossEdits(t *testing.T) {
	a, err := parseDocument("a.md", []byte("---\ntitle: 标题\nauthor: 李四\n---\n原来的正文。"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseDocument("b.md", []byte("---\ntitle: 标题\nauthor: 李四\n---\n改过的正文，多了一句。"))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("body edit changed the ID: %s → %s", a.ID, b.ID)
	}
	c, err := parseDocument("a.md", []byte("---\ntitle: 另一个标题\nauthor: 李四\n---\n原来的正文。"))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == a.ID {
		t.Error("a new title kept the ID")
	}
}

// A plain document: optional front matter, then the text.
func ExampleLoad_document() {
	dir, err := os.MkdirTemp("", "magazine-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	doc := "---\ntitle: 党建引领社区治理\nauthor: 昌邑区委组织部\nsection: 经验交流\n---\n一、主要做法\n社区党委牵头，物业、业主共同参与。\n"
	path := filepath.Join(dir, "shequ.md")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	arts, _, err := Load([]string{path})
	if err != nil {
		fmt.Println(err)
		return
	}
	a := arts[0]
	fmt.Println(a.Title, "|", a.Byline(), "|", a.Section, "|", a.Regions)
	fmt.Println(a.Body)
	// Output:
	// 党建引领社区治理 | 昌邑区委组织部 | 经验交流 | [昌邑区]
	// 一、主要做法
	// 社区党委牵头，物业、业主共同参与。
}
