package cjk_test

import (
	"testing"

	"kbot/knowledge/cjk"
)

func TestClasses(t *testing.T) {
	tests := []struct {
		r          rune
		han, punct bool
		name       string
	}{
		{'党', true, false, "Han character"},
		{'。', false, true, "full stop"},
		{'“', false, true, "curly quote"},
		{'…', false, true, "ellipsis"},
		{'·', false, true, "middle dot"},
		{'，', false, true, "full-width comma"},
		{'（', false, true, "full-width bracket"},
		{'\u3000', false, false, "ideographic space is neither"},
		{'Ａ', false, false, "full-width letter is neither"},
		{'a', false, false, "ASCII letter"},
		{'.', false, false, "ASCII full stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cjk.IsHan(tt.r); got != tt.han {
				t.Errorf("IsHan(%q) = %v, want %v", tt.r, got, tt.han)
			}
			if got := cjk.IsPunct(tt.r); got != tt.punct {
				t.Errorf("IsPunct(%q) = %v, want %v", tt.r, got, tt.punct)
			}
			if got := cjk.Is(tt.r); got != (tt.han || tt.punct) {
				t.Errorf("Is(%q) = %v, want %v", tt.r, got, tt.han || tt.punct)
			}
		})
	}
}
