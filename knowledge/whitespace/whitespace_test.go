package whitespace_test

import (
	"fmt"
	"testing"

	"kbot/knowledge/whitespace"
)

func TestRemove(t *testing.T) {
	tests := []struct {
		name, in, want, wantInLines string
	}{
		{"no space is returned as is", "永吉县", "永吉县", "永吉县"},
		{"ASCII and tab", "永 吉\t县", "永吉县", "永吉县"},
		{"full-width and no-break space", "永\u3000吉\u00a0县", "永吉县", "永吉县"},
		{"rarer Unicode spaces", "永\u2002吉\u202f县", "永吉县", "永吉县"},
		{"line breaks", "一、总体要求\n （一）目标", "一、总体要求（一）目标", "一、总体要求\n（一）目标"},
		{"carriage return is space inside a line", "标题\r\n正文", "标题正文", "标题\n正文"},
		{"only space", " \t\u3000", "", ""},
		{"punctuation stays", "《 六措并举 创五好支部 》。", "《六措并举创五好支部》。", "《六措并举创五好支部》。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := whitespace.Remove(tt.in); got != tt.want {
				t.Errorf("Remove(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := whitespace.RemoveInLines(tt.in); got != tt.wantInLines {
				t.Errorf("RemoveInLines(%q) = %q, want %q", tt.in, got, tt.wantInLines)
			}
		})
	}
}

func ExampleRemove() {
	fmt.Println(whitespace.Remove("磐 石 市\u3000组织部"))
	// Output: 磐石市组织部
}
