package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-telegram/bot/models"

	"kbot/knowledge"
)

// deepLinkArticle is the /start payload that opens an article's card:
// t.me/<bot>?start=a_<article id>.
const deepLinkArticle = "a_"

// cardData is the button that opens an article's card.
func cardData(articleID string) string {
	d := "k:" + articleID
	if len(d) > maxCallbackData {
		return "" // cannot happen with kbot's IDs
	}
	return d
}

// showCard sends an article's card: title, byline, where it stands, its
// outline and its first passage.
func (b *Bot) showCard(ctx context.Context, to target, id string) string {
	a, chunks, ok := b.kb.Article(strings.TrimSpace(id))
	if !ok {
		b.say(ctx, to, "没有找到这篇文章，知识库可能已经更新。发送 /articles 查看文章列表。")
		return outcomeStale
	}
	if _, err := b.send(ctx, to, renderCard(a, chunks), nil); err != nil {
		b.log.Warn("send article card failed", "chat_id", to.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

func renderCard(a knowledge.Article, chunks []knowledge.Chunk) string {
	var s strings.Builder
	s.WriteString("<b>《" + esc(a.Title) + "》</b>")
	if by := a.Byline(); by != "" {
		s.WriteString("\n" + esc(by))
	}
	var where []string
	if a.Section != "" {
		where = append(where, "栏目："+a.Section)
	}
	if len(a.Regions) > 0 {
		where = append(where, "县区："+strings.Join(a.Regions, "、"))
	}
	if w := strings.TrimPrefix(whereIn(a), " · "); w != "" {
		where = append(where, w)
	}
	if a.Source != "" {
		where = append(where, "来源："+a.Source)
	}
	if len(where) > 0 {
		s.WriteString("\n<i>" + esc(strings.Join(where, " · ")) + "</i>")
	}
	var outline []string
	seen := map[string]bool{}
	for _, c := range chunks {
		top, _, _ := strings.Cut(c.Heading, " / ")
		if top != "" && !seen[top] {
			seen[top] = true
			outline = append(outline, top)
		}
	}
	if len(outline) > 0 {
		s.WriteString("\n\n<b>提纲</b>")
		for _, h := range outline[:min(len(outline), 12)] {
			s.WriteString("\n• " + esc(cutRunes(h, 60)))
		}
	}
	if len(chunks) > 0 {
		s.WriteString("\n\n<b>开头</b>\n<blockquote>" + esc(cutRunes(chunks[0].Text, 300)) + "</blockquote>")
	}
	fmt.Fprintf(&s, "\n共 %d 段。可以直接就这篇文章提问。", len(chunks))
	return s.String()
}

// passageKeyboard offers the card of the article a passage comes from.
func passageKeyboard(articleID string) *models.InlineKeyboardMarkup {
	d := cardData(articleID)
	if d == "" {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "文章概览", CallbackData: d}}}}
}
