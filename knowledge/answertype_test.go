package knowledge

import "testing"

func TestHolderNamed(t *testing.T) {
	tests := []struct {
		name    string
		post    string
		passage string
		want    bool
	}{
		{"name after the post", "书记", "村党支部书记李林森先后荣获全国脱贫攻坚奋进奖。", true},
		{"name before the post", "书记", "李林森书记带领村民致富。", true},
		{"rare surname after the post", "书记", "期间，村支部书记丛怀忠带头执行。", true},
		{"post serves as another post", "书记", "成立工作领导小组，由社区书记任组长、社区主任为副组长。", false},
		{"post followed by a verb", "书记", "习近平总书记指出，要坚持党的领导。", false},
		{"post followed by punctuation", "书记", "将高景和回引到达屯村任村书记。上任之初，", false},
		{"post named only by its organisation", "书记", "充分发挥党委书记的作用。", false},
		{"letter-spaced passage", "部长", "组织部长 陈 国辉到庆岭镇调研。", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := holderNamed(tt.post, []string{tt.passage}); got != tt.want {
				t.Fatalf("holderNamed(%q, %q) = %v, want %v", tt.post, tt.passage, got, tt.want)
			}
		})
	}
}

func TestUnnamedHolder(t *testing.T) {
	res := func(text string) []Result { return []Result{{Chunk: Chunk{Text: text}}} }
	if got := unnamedHolder("化纤社区党委书记叫什么名字？", res("由社区书记任组长。")); got != "书记" {
		t.Fatalf("unnamed holder = %q, want 书记", got)
	}
	if got := unnamedHolder("三梁村的支部书记是谁？", res("村党支部书记李林森先后荣获奖项。")); got != "" {
		t.Fatalf("a named holder was missed: %q", got)
	}
	if got := unnamedHolder("《六措并举》的作者是谁？", res("没有名字。")); got != "" {
		t.Fatalf("an author question was checked for a post holder: %q", got)
	}
	if got := unnamedHolder("三梁村怎么发展集体经济？", res("没有名字。")); got != "" {
		t.Fatalf("a question asking no name was checked: %q", got)
	}
	byline := []Result{{Chunk: Chunk{Text: "贯彻落实新时代党的组织路线。"}, Article: Article{Author: "陈雪松", AuthorPost: "永吉县委常委、组织部长"}}}
	if got := unnamedHolder("永吉县委组织部长是谁？", byline); got != "" {
		t.Fatalf("the byline's holder was missed: %q", got)
	}
}

func TestHasFigure(t *testing.T) {
	for s, want := range map[string]bool{
		"实现净利润 1000 万元。": true,
		"共有三百人参加。":       true,
		"成立了两个合作社。":      true,
		"村集体经济不断壮大。":     false,
	} {
		if got := hasFigure(s); got != want {
			t.Errorf("hasFigure(%q) = %v, want %v", s, got, want)
		}
	}
}
