package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"kbot/bot/store"
	"kbot/knowledge"
)

// gapsShown is how many groups /gaps lists in the chat; the CSV has all.
const gapsShown = 15

// reportWindow is how far back /gaps and /stats look.
const reportWindow = 30 * 24 * time.Hour

// cmdGaps lists the questions kbot refused or users marked 👎, most
// frequent first; "/gaps csv" sends them all as a file.
func (b *Bot) cmdGaps(ctx context.Context, r *request) string {
	if b.opts.Record == nil {
		b.say(ctx, r.to, "没有启用提问记录，无法列出未答好的问题。")
		return outcomeDone
	}
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	since := time.Now().Add(-reportWindow)
	gaps, err := b.opts.Record.Gaps(qctx, since)
	if err != nil {
		b.log.Error("read gaps", "err", err)
		b.metrics.errors.WithLabelValues("record").Inc()
		b.say(ctx, r.to, "暂时读不到提问记录，请稍后再试。")
		return outcomeError
	}
	if strings.EqualFold(strings.TrimSpace(r.args), "csv") {
		var buf bytes.Buffer
		if err := store.WriteGapsCSV(&buf, gaps); err != nil {
			b.log.Error("write gaps CSV", "err", err)
			b.say(ctx, r.to, "生成文件失败，请稍后再试。")
			return outcomeError
		}
		name := "kbot-gaps-" + time.Now().Format("20060102") + ".csv"
		err := b.callAPI(ctx, r.chatID, func(ctx context.Context) error {
			_, err := b.api.SendDocument(ctx, &tg.SendDocumentParams{
				ChatID: r.chatID, MessageThreadID: r.to.thread,
				Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(buf.Bytes())},
				Caption:  fmt.Sprintf("近 30 天未答好的问题：%d 组", len(gaps)),
			})
			return err
		})
		if err != nil {
			b.log.Warn("send gaps CSV failed", "chat_id", r.chatID, b.errAttr(err))
			return outcomeError
		}
		return outcomeDone
	}
	if _, err := b.send(ctx, r.to, renderGaps(gaps), nil); err != nil {
		b.log.Warn("send gaps failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

func renderGaps(gaps []store.Gap) string {
	if len(gaps) == 0 {
		return "近 30 天没有被拒答或标为 👎 的问题。"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<b>近 30 天未答好的问题</b>（共 %d 组，按次数排列）\n", len(gaps))
	for i, g := range gaps {
		if i == gapsShown {
			fmt.Fprintf(&s, "\n……另有 %d 组，发送 /gaps csv 获取全部。", len(gaps)-gapsShown)
			break
		}
		fmt.Fprintf(&s, "\n<b>%d.</b> %s\n", i+1, esc(cutRunes(g.Question, 80)))
		var parts []string
		parts = append(parts, fmt.Sprintf("%d 次", g.Count))
		if g.Refused > 0 {
			parts = append(parts, fmt.Sprintf("拒答 %d", g.Refused))
		}
		if g.Down > 0 {
			parts = append(parts, fmt.Sprintf("👎 %d", g.Down))
		}
		for _, t := range g.VoteReasons {
			parts = append(parts, fmt.Sprintf("%s %d", t.Label, t.Count))
		}
		if n := len(g.Variants); n > 1 {
			parts = append(parts, fmt.Sprintf("%d 种问法", n))
		}
		parts = append(parts, "最近 "+g.LastAsked.Format("01-02 15:04"))
		s.WriteString("<i>" + esc(strings.Join(parts, " · ")) + "</i>\n")
	}
	return strings.TrimSpace(s.String())
}

// renderUsage adds the record's figures to /stats: the last 7 days and 4
// weeks, and the most cited articles and counties.
func renderUsage(st store.Stats) string {
	var s strings.Builder
	row := func(label string, c store.Counts) {
		fmt.Fprintf(&s, "%s：提问 %d，拒答 %d，出错 %d，👍 %d，👎 %d\n", label, c.Questions, c.Refused, c.Errors, c.Up, c.Down)
	}
	s.WriteString("\n<b>近 30 天</b>\n")
	row("合计", st.Total)
	s.WriteString("\n<b>按天（近 7 天）</b>\n")
	for _, d := range st.Days[max(0, len(st.Days)-7):] {
		row(d.Start.Format("01-02"), d.Counts)
	}
	s.WriteString("\n<b>按周（近 4 周，周一起）</b>\n")
	for _, w := range st.Weeks[max(0, len(st.Weeks)-4):] {
		row(w.Start.Format("01-02")+" 起", w.Counts)
	}
	if len(st.Articles) > 0 {
		s.WriteString("\n<b>引用最多的文章</b>\n")
		for i, a := range st.Articles[:min(5, len(st.Articles))] {
			fmt.Fprintf(&s, "%d. 《%s》 %d 次\n", i+1, esc(a.Title), a.Answers)
		}
	}
	if len(st.Counties) > 0 {
		s.WriteString("\n<b>引用最多的县区</b>\n")
		var parts []string
		for _, c := range st.Counties[:min(8, len(st.Counties))] {
			parts = append(parts, fmt.Sprintf("%s %d", c.County, c.Count))
		}
		s.WriteString(esc(strings.Join(parts, "、")) + "\n")
	}
	return s.String()
}

// cmdSources lists the sources with their article counts; an uploaded
// one can be removed, after a confirmation.
func (b *Bot) cmdSources(ctx context.Context, r *request) string {
	srcs := b.kb.Sources()
	if len(srcs) == 0 {
		b.say(ctx, r.to, "知识库里还没有来源文件。")
		return outcomeDone
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<b>来源文件</b>（共 %d 个）\n", len(srcs))
	var kb models.InlineKeyboardMarkup
	for i, src := range srcs {
		fmt.Fprintf(&s, "\n%d. %s — %d 篇", i+1, esc(src.Name), src.Articles)
		if src.Uploaded {
			s.WriteString("（上传）")
			kb.InlineKeyboard = append(kb.InlineKeyboard, []models.InlineKeyboardButton{{
				Text: "删除 " + cutRunes(src.Name, 30), CallbackData: "x:" + b.removals.put(src.Name),
			}})
		}
	}
	if len(kb.InlineKeyboard) > 0 {
		s.WriteString("\n\n上传的文件可以删除；随包自带和配置的来源请在服务器上修改。")
	}
	if _, err := b.send(ctx, r.to, s.String(), &kb); err != nil {
		b.log.Warn("send sources failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

// handleAdminButton handles the buttons that change the knowledge base:
// 入库/取消 under an upload preview (u:ok:<token>, u:no:<token>) and the
// removal of an upload (x:<token>, then X:ok:<token> or X:no:<token>).
// Only admins may press them.
func (b *Bot) handleAdminButton(ctx context.Context, q *models.CallbackQuery, to target, kind, rest string) (notice, outcome string) {
	if !b.isAdmin(q.From.ID) {
		b.log.Warn("admin button pressed by a non-admin", "user_id", q.From.ID, "chat_id", to.chatID)
		return "抱歉，只有管理员可以操作。", outcomeDenied
	}
	expired := "这个按钮已过期，请重新发送文件或命令。"
	switch kind {
	case "u":
		action, tok, _ := strings.Cut(rest, ":")
		up, ok := b.uploads.take(tok)
		if !ok {
			return expired, outcomeStale
		}
		if action != "ok" {
			b.say(ctx, to, "已取消，《"+up.name+"》没有加入知识库。")
			return "已取消", outcomeDone
		}
		return "正在入库……", b.commitUpload(ctx, to, q.From.ID, up)
	case "x":
		name, ok := b.removals.peek(rest)
		if !ok {
			return expired, outcomeStale
		}
		kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
			{Text: "确认删除", CallbackData: "X:ok:" + rest},
			{Text: "取消", CallbackData: "X:no:" + rest},
		}}}
		if _, err := b.send(ctx, to, "确定要从知识库中删除《"+esc(name)+"》吗？删除后其中的文章不再参与回答。", kb); err != nil {
			return "发送失败，请稍后再试。", outcomeError
		}
		return "", outcomeDone
	case "X":
		action, tok, _ := strings.Cut(rest, ":")
		name, ok := b.removals.take(tok)
		if !ok {
			return expired, outcomeStale
		}
		if action != "ok" {
			b.say(ctx, to, "已取消，《"+name+"》保留在知识库中。")
			return "已取消", outcomeDone
		}
		return "正在删除……", b.removeSource(ctx, to, q.From.ID, name)
	}
	return expired, outcomeStale
}

func (b *Bot) removeSource(ctx context.Context, to target, userID int64, name string) string {
	if !b.reloadMu.TryLock() {
		b.say(ctx, to, "知识库正在重新载入，请稍后再试。")
		return outcomeDone
	}
	defer b.reloadMu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	rep, err := b.kb.RemoveDocument(rctx, name)
	switch {
	case errors.Is(err, knowledge.ErrNoSuchUpload):
		b.say(ctx, to, "《"+name+"》已经不在上传的文件中了。")
		return outcomeStale
	case err != nil:
		b.metrics.reloads.WithLabelValues("error").Inc()
		b.log.Error("remove document failed", "user_id", userID, "file", name, b.errAttr(err))
		b.say(ctx, to, "删除失败，知识库保持不变。请稍后再试，或联系运维人员查看日志。")
		return outcomeError
	}
	b.metrics.reloads.WithLabelValues("ok").Inc()
	b.log.Info("document removed", "user_id", userID, "file", name, "removed", len(rep.ArticlesRemoved))
	rep.Warnings = nil
	if _, err := b.send(ctx, to, renderReport("已删除《"+name+"》", rep), nil); err != nil {
		b.log.Warn("send removal report failed", "chat_id", to.chatID, b.errAttr(err))
	}
	return outcomeDone
}
