package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"kbot/knowledge"
)

const (
	searchPageSize = 5
	searchMaxPages = 4
	listPageSize   = 10
	// reloadTimeout bounds a reload or upload started from the chat.
	reloadTimeout = 15 * time.Minute
)

type command struct {
	desc  string // menu text
	admin bool
	run   func(b *Bot, ctx context.Context, r *request) string
}

// commandTable maps each command to its handler. Menu order is menuOrder.
func commandTable() map[string]command {
	return map[string]command{
		"start":    {desc: "开始使用", run: (*Bot).cmdHelp},
		"help":     {desc: "使用说明和示例问题", run: (*Bot).cmdHelp},
		"ask":      {desc: "提问：/ask 问题", run: (*Bot).cmdAsk},
		"search":   {desc: "查找段落：/search 关键词", run: (*Bot).cmdSearch},
		"region":   {desc: "只查某县区：/region 永吉县；/region 全部 取消", run: (*Bot).cmdRegion},
		"articles": {desc: "文章列表", run: (*Bot).cmdArticles},
		"source":   {desc: "查看上个回答第 n 条来源的原文：/source n", run: (*Bot).cmdSource},
		"reload":   {desc: "重新载入知识库（管理员）", admin: true, run: (*Bot).cmdReload},
		"stats":    {desc: "运行状态和使用统计（管理员）", admin: true, run: (*Bot).cmdStats},
		"gaps":     {desc: "未答好的问题；/gaps csv 导出（管理员）", admin: true, run: (*Bot).cmdGaps},
		"sources":  {desc: "来源文件，可删除上传的（管理员）", admin: true, run: (*Bot).cmdSources},
	}
}

var menuOrder = []string{"ask", "search", "region", "articles", "source", "help", "start", "reload", "stats", "gaps", "sources"}

// Texts Telegram shows about the bot: the description on an empty chat,
// and the short one on its profile and when it is shared.
const (
	botDescription      = "党建知识问答机器人：回答关于已收录党建刊物文章的问题，每条回答都注明出处（《标题》— 作者）。私聊直接提问；群聊中用 /ask 问题，或 @我 提问。"
	botShortDescription = "党建刊物知识问答，回答注明文章和作者。"
)

// registerCommands shows the command menu in Telegram clients: members
// and groups see the member commands; each admin's private chat also
// shows the admin ones. It also sets the bot's descriptions. A failure
// only costs the menu, so it is logged and ignored.
func (b *Bot) registerCommands(ctx context.Context) {
	var members, admins []models.BotCommand
	for _, name := range menuOrder {
		c := models.BotCommand{Command: name, Description: b.commands[name].desc}
		if !b.commands[name].admin {
			members = append(members, c)
		}
		admins = append(admins, c)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	calls := []func(ctx context.Context) error{
		func(ctx context.Context) error {
			_, err := b.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: members, Scope: &models.BotCommandScopeDefault{}})
			return err
		},
		func(ctx context.Context) error {
			_, err := b.api.SetMyDescription(ctx, &tg.SetMyDescriptionParams{Description: botDescription})
			return err
		},
		func(ctx context.Context) error {
			_, err := b.api.SetMyShortDescription(ctx, &tg.SetMyShortDescriptionParams{ShortDescription: botShortDescription})
			return err
		},
	}
	for _, id := range slices.Sorted(maps.Keys(b.admins)) {
		calls = append(calls, func(ctx context.Context) error {
			_, err := b.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: admins, Scope: &models.BotCommandScopeChat{ChatID: id}})
			return err
		})
	}
	for _, call := range calls {
		if err := b.callAPI(cctx, 0, call); err != nil {
			// An admin who never opened a chat with the bot has no
			// chat to show a menu in.
			b.log.Warn("setting the command menu or description failed; it may be missing", b.errAttr(err))
			b.metrics.errors.WithLabelValues("telegram").Inc()
		}
	}
}

func (b *Bot) cmdHelp(ctx context.Context, r *request) string {
	if id, ok := strings.CutPrefix(strings.TrimSpace(r.args), deepLinkArticle); ok && r.cmd == "start" {
		return b.showCard(ctx, r.to, id)
	}
	st := b.kb.Stats()
	var s strings.Builder
	s.WriteString("<b>您好！我是党建知识问答机器人。</b>\n")
	issue := st.IssueName
	if issue == "" && len(st.Sources) > 0 {
		issue = strings.Join(st.Sources, "、")
	}
	if issue != "" {
		fmt.Fprintf(&s, "我熟悉《%s》", esc(strings.Trim(issue, "《》")))
	} else {
		s.WriteString("我熟悉已收录的资料")
	}
	fmt.Fprintf(&s, "，共 %d 篇文章和新闻", st.Articles)
	if regions := b.kb.Regions(); len(regions) > 0 {
		fmt.Fprintf(&s, "，涉及 %s", esc(strings.Join(regions, "、")))
	}
	s.WriteString("。回答都注明出处：[1] 等标记对应文末的《标题》— 作者（职务）。\n\n")

	s.WriteString("<b>怎么问</b>\n")
	s.WriteString("• 私聊：直接发送问题\n")
	if name := b.username(); name != "" {
		fmt.Fprintf(&s, "• 群聊：/ask 问题，或 @%s 问题，或回复我的消息\n", esc(name))
	} else {
		s.WriteString("• 群聊：/ask 问题，或 @我 问题，或回复我的消息\n")
	}
	s.WriteString("\n<b>命令</b>\n")
	for _, name := range menuOrder {
		c := b.commands[name]
		if name == "start" || c.admin && !b.isAdmin(r.userID) {
			continue
		}
		fmt.Fprintf(&s, "/%s — %s\n", name, esc(c.desc))
	}
	if b.isAdmin(r.userID) {
		s.WriteString("发送 .txt 或 .md 文件（私聊）— 加入知识库（管理员）\n")
	}
	if ex := b.examples(); len(ex) > 0 {
		s.WriteString("\n<b>示例问题</b>\n")
		for i, q := range ex {
			fmt.Fprintf(&s, "%d. %s\n", i+1, esc(q))
		}
	}
	if _, err := b.send(ctx, r.to, strings.TrimSpace(s.String()), nil); err != nil {
		b.log.Warn("send help failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

// examples builds three example questions from what the knowledge base
// holds, falling back to general ones.
func (b *Bot) examples() []string {
	var ex []string
	regions := b.kb.Regions()
	if len(regions) > 0 {
		ex = append(ex, regions[0]+"在基层党建方面做了哪些工作？")
	}
	for _, a := range b.kb.Articles("") {
		if a.Author != "" && a.Title != "" {
			ex = append(ex, "《"+a.Title+"》的主要做法是什么？")
			break
		}
	}
	if len(regions) > 1 {
		ex = append(ex, regions[len(regions)-1]+"有哪些经验值得借鉴？")
	}
	for _, q := range []string{"如何发挥党员先锋模范作用？", "基层党组织如何服务群众？", "怎样加强党员教育管理？"} {
		if len(ex) >= 3 {
			break
		}
		ex = append(ex, q)
	}
	return ex
}

func (b *Bot) cmdAsk(ctx context.Context, r *request) string {
	if r.args == "" {
		b.askForQuestion(ctx, r)
		return outcomeDone
	}
	return b.cmdQuestion(ctx, r)
}

// askForQuestion asks the user to write the question in a reply. The
// reply is forced (the client opens a reply to this message), so it
// reaches the bot in a group even in privacy mode.
func (b *Bot) askForQuestion(ctx context.Context, r *request) {
	text := "请回复这条消息，写下您的问题，例如：" + b.examples()[0]
	mk := &models.ForceReply{ForceReply: true, Selective: true, InputFieldPlaceholder: "请输入问题"}
	if _, _, err := b.sendMarkup(ctx, r.to, esc(text), mk); err != nil {
		b.log.Warn("send message failed", "chat_id", r.chatID, b.errAttr(err))
	}
}

func (b *Bot) cmdSearch(ctx context.Context, r *request) string {
	if r.args == "" {
		b.say(ctx, r.to, "请在 /search 后面写上关键词，例如：/search 乡村振兴")
		return outcomeDone
	}
	if n := utf8.RuneCountInString(r.args); n > maxQuestionRunes {
		b.say(ctx, r.to, fmt.Sprintf("关键词太长了（%d 字），请精简到 %d 字以内再查。", n, maxQuestionRunes))
		return outcomeDone
	}
	return b.showSearch(ctx, r.to, r.args, 0)
}

// showSearch sends one page of search results.
func (b *Bot) showSearch(ctx context.Context, to target, query string, page int) string {
	want := (page + 1) * searchPageSize
	qctx, cancel := context.WithTimeout(ctx, b.opts.QuestionTimeout)
	defer cancel()
	results, err := b.kb.Search(qctx, query, knowledge.SearchOptions{K: want + 1})
	if err != nil {
		b.log.Error("search failed", "chat_id", to.chatID, b.errAttr(err))
		b.metrics.errors.WithLabelValues("knowledge").Inc()
		b.say(ctx, to, "抱歉，查找时出了点问题，请稍后再试。")
		return outcomeError
	}
	more := len(results) > want && page+1 < searchMaxPages
	results = results[:min(len(results), want)]
	if page*searchPageSize >= len(results) {
		if page == 0 {
			b.say(ctx, to, "没有找到与“"+cutRunes(query, 30)+"”相关的内容。可以换个关键词，或发送 /articles 浏览文章列表。")
			return outcomeRefused
		}
		b.say(ctx, to, "没有更多结果了。")
		return outcomeDone
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<b>“%s”的相关段落</b>（第 %d 页）\n", esc(query), page+1)
	var kb models.InlineKeyboardMarkup
	var row []models.InlineKeyboardButton
	for i, res := range results[page*searchPageSize:] {
		n := page*searchPageSize + i + 1
		fmt.Fprintf(&s, "\n<b>%d.</b> %s\n", n, esc(articleLine(res.Article)))
		if res.Chunk.Heading != "" {
			s.WriteString("<i>" + esc(res.Chunk.Heading) + "</i>\n")
		}
		text := cutRunes(res.Chunk.Text, 160)
		s.WriteString(esc(text))
		if text != strings.TrimSpace(res.Chunk.Text) {
			fmt.Fprintf(&s, "（全文见“原文 %d”）", n)
		}
		s.WriteString("\n")
		row = append(row, models.InlineKeyboardButton{Text: fmt.Sprintf("原文 %d", n), CallbackData: passageData(n, res.Chunk.ID)})
	}
	kb.InlineKeyboard = append(kb.InlineKeyboard, row)
	if more {
		kb.InlineKeyboard = append(kb.InlineKeyboard, []models.InlineKeyboardButton{{Text: "更多 »", CallbackData: b.pageData(kindSearch, page+1, query)}})
	}
	if _, err := b.send(ctx, to, strings.TrimSpace(s.String()), &kb); err != nil {
		b.log.Warn("send search results failed", "chat_id", to.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

// cmdRegion sets the chat's scope: "/region 磐石市" answers the following
// questions from that county's articles and news only, until
// "/region 全部"; a bare /region says what the scope is.
func (b *Bot) cmdRegion(ctx context.Context, r *request) string {
	arg := strings.TrimSpace(r.args)
	regions := b.kb.Regions()
	known := "知识库中还没有按县区归类的文章。"
	if len(regions) > 0 {
		known = "已知县区：" + strings.Join(regions, "、")
	}
	switch {
	case arg == "":
		cur := b.scopes.get(r.chatID)
		msg := "当前没有设定查询范围，问题在全部文章中查找。"
		if cur != "" {
			msg = "当前查询范围：" + cur + "。发送 /region 全部 取消。"
		}
		example := "磐石市"
		if len(regions) > 0 {
			example = regions[0]
		}
		b.say(ctx, r.to, msg+"\n用法：/region "+example+" 只在该县区的文章中查找。\n"+known)
		return outcomeDone
	case clearsScope(arg):
		if err := b.scopes.set(r.chatID, ""); err != nil {
			b.log.Warn("save chat scope", "chat_id", r.chatID, "err", err)
		}
		b.say(ctx, r.to, "已取消查询范围，之后的问题在全部文章中查找。")
		return outcomeDone
	}
	region := canonicalRegion(arg, regions)
	if region == "" && len(b.kb.Articles(arg)) > 0 {
		region = arg
	}
	if region == "" {
		b.say(ctx, r.to, "没有找到“"+cutRunes(arg, 20)+"”的文章。"+known)
		return outcomeRefused
	}
	if err := b.scopes.set(r.chatID, region); err != nil {
		b.log.Warn("save chat scope", "chat_id", r.chatID, "err", err)
	}
	return b.showRegion(ctx, r.to, region, 0, "已将查询范围设为"+region+"：之后的问题只在"+region+"的文章和新闻中查找，回答末尾会注明。发送 /region 全部 取消。")
}

// clearsScope reports whether a /region argument asks for every county.
func clearsScope(arg string) bool {
	switch strings.ToLower(arg) {
	case "全部", "全部县区", "所有", "所有县区", "全市", "取消", "清除", "all", "none", "off":
		return true
	}
	return false
}

// canonicalRegion finds the known region a user's spelling names:
// itself, or the one it abbreviates (磐石 for 磐石市).
func canonicalRegion(arg string, regions []string) string {
	for _, r := range regions {
		if r == arg {
			return r
		}
	}
	var found string
	for _, r := range regions {
		if strings.HasPrefix(r, arg) {
			if found != "" {
				return "" // ambiguous
			}
			found = r
		}
	}
	return found
}

// showRegion sends one page of a region's articles, one line each on what
// they did.
func (b *Bot) showRegion(ctx context.Context, to target, region string, page int, lead string) string {
	arts := b.kb.Articles(region)
	if len(arts) == 0 {
		regions := b.kb.Regions()
		msg := "没有找到“" + cutRunes(region, 20) + "”的文章。"
		if len(regions) > 0 {
			msg += "\n已知县区：" + strings.Join(regions, "、")
		}
		b.say(ctx, to, msg)
		return outcomeRefused
	}
	pages := (len(arts) + listPageSize - 1) / listPageSize
	if page >= pages { // only buttons ask for later pages; the caller explains
		return outcomeStale
	}
	var s strings.Builder
	if lead != "" {
		s.WriteString(esc(lead) + "\n\n")
	}
	fmt.Fprintf(&s, "<b>%s</b>：共 %d 篇文章和新闻", esc(region), len(arts))
	if pages > 1 {
		fmt.Fprintf(&s, "（第 %d/%d 页）", page+1, pages)
	}
	s.WriteString("\n")
	for i, a := range arts[page*listPageSize : min(len(arts), (page+1)*listPageSize)] {
		fmt.Fprintf(&s, "\n<b>%d.</b> %s\n", page*listPageSize+i+1, esc(articleLine(a)))
		if lead := a.Lead(80); lead != "" {
			s.WriteString(esc(lead) + "\n")
		}
	}
	var kb *models.InlineKeyboardMarkup
	if page+1 < pages {
		kb = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "更多 »", CallbackData: b.pageData(kindRegion, page+1, region)}}}}
	}
	if _, err := b.send(ctx, to, strings.TrimSpace(s.String()), kb); err != nil {
		b.log.Warn("send region list failed", "chat_id", to.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

func (b *Bot) cmdArticles(ctx context.Context, r *request) string {
	return b.showArticles(ctx, r.to, 0)
}

func (b *Bot) showArticles(ctx context.Context, to target, page int) string {
	arts := b.kb.Articles("")
	if len(arts) == 0 {
		b.say(ctx, to, "知识库里还没有文章。")
		return outcomeDone
	}
	pages := (len(arts) + listPageSize - 1) / listPageSize
	if page >= pages { // only buttons ask for later pages; the caller explains
		return outcomeStale
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<b>文章列表</b>（共 %d 篇，第 %d/%d 页）\n", len(arts), page+1, pages)
	for i, a := range arts[page*listPageSize : min(len(arts), (page+1)*listPageSize)] {
		fmt.Fprintf(&s, "\n%d. %s", page*listPageSize+i+1, esc(articleLine(a)))
	}
	var kb *models.InlineKeyboardMarkup
	if page+1 < pages {
		kb = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "更多 »", CallbackData: b.pageData(kindArticles, page+1, "")}}}}
	}
	if _, err := b.send(ctx, to, s.String(), kb); err != nil {
		b.log.Warn("send article list failed", "chat_id", to.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

func (b *Bot) cmdSource(ctx context.Context, r *request) string {
	cites := b.history.lastCitations(r.chatID, r.userID, time.Now())
	if len(cites) == 0 {
		b.say(ctx, r.to, "还没有可以查看来源的回答。请先提问，再用 /source 1 查看第 1 条来源的原文。")
		return outcomeDone
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.Trim(r.args, "[]")))
	if err != nil {
		b.say(ctx, r.to, fmt.Sprintf("请写上来源编号，例如：/source 1（上一个回答共有 %d 条来源）", len(cites)))
		return outcomeDone
	}
	i := slices.IndexFunc(cites, func(c knowledge.Citation) bool { return c.N == n })
	if i < 0 {
		b.say(ctx, r.to, fmt.Sprintf("上一个回答没有第 %d 条来源，共有 %d 条。", n, len(cites)))
		return outcomeDone
	}
	c := cites[i]
	art := knowledge.Article{Title: c.Title, Author: c.Author, AuthorPost: c.AuthorPost, Section: c.Section}
	chunk := knowledge.Chunk{ID: c.ChunkID, Heading: c.Heading, Text: c.Text}
	if _, err := b.send(ctx, r.to, renderPassage(c.N, c.Title, art, chunk), nil); err != nil {
		b.log.Warn("send passage failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

func (b *Bot) cmdReload(ctx context.Context, r *request) string {
	if !b.reloadMu.TryLock() {
		b.say(ctx, r.to, "已有一次重新载入正在进行，请稍候。")
		return outcomeDone
	}
	defer b.reloadMu.Unlock()
	b.say(ctx, r.to, "正在重新载入知识库……期间仍可正常提问。")
	rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	rep, err := b.kb.Reload(rctx)
	if err != nil {
		b.metrics.reloads.WithLabelValues("error").Inc()
		b.metrics.errors.WithLabelValues("reload").Inc()
		b.log.Error("reload failed; the old index stays", "user_id", r.userID, b.errAttr(err))
		b.say(ctx, r.to, "重新载入失败，仍在使用原来的索引。\n原因："+cutRunes(userSafe(b.redact(err.Error())), 300))
		return outcomeError
	}
	b.metrics.reloads.WithLabelValues("ok").Inc()
	b.log.Info("reload done", "user_id", r.userID, "articles", rep.Articles, "chunks", rep.Chunks,
		"added", len(rep.ArticlesAdded), "changed", len(rep.ArticlesChanged), "removed", len(rep.ArticlesRemoved),
		"embedded", rep.ChunksEmbedded, "cached", rep.ChunksCached, "took_ms", rep.Took.Milliseconds())
	for i, w := range rep.Warnings {
		rep.Warnings[i] = userSafe(w)
	}
	if _, err := b.send(ctx, r.to, renderReport("重新载入完成", rep), nil); err != nil {
		b.log.Warn("send reload report failed", "chat_id", r.chatID, b.errAttr(err))
	}
	return outcomeDone
}

// renderReport says what an ingest changed.
func renderReport(title string, rep knowledge.Report) string {
	var s strings.Builder
	fmt.Fprintf(&s, "<b>%s</b>，用时 %s\n", esc(title), seconds(rep.Took))
	fmt.Fprintf(&s, "文章：共 %d 篇；新增 %d，修改 %d，删除 %d\n", rep.Articles, len(rep.ArticlesAdded), len(rep.ArticlesChanged), len(rep.ArticlesRemoved))
	fmt.Fprintf(&s, "分块：共 %d 个；新计算向量 %d，沿用缓存 %d\n", rep.Chunks, rep.ChunksEmbedded, rep.ChunksCached)
	list := func(label string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&s, "\n<b>%s</b>\n", label)
		for _, it := range items {
			s.WriteString("• " + esc(it) + "\n")
		}
	}
	list("新增", rep.ArticlesAdded)
	list("修改", rep.ArticlesChanged)
	list("删除", rep.ArticlesRemoved)
	list("提示", rep.Warnings)
	return strings.TrimSpace(s.String())
}

func (b *Bot) cmdStats(ctx context.Context, r *request) string {
	st := b.kb.Stats()
	var s strings.Builder
	s.WriteString("<b>运行状态</b>\n")
	fmt.Fprintf(&s, "索引：%s\n", map[bool]string{true: "已就绪", false: "未就绪"}[b.kb.Ready()])
	if st.IssueName != "" {
		fmt.Fprintf(&s, "刊物：%s\n", esc(st.IssueName))
	}
	fmt.Fprintf(&s, "文章 %d 篇，分块 %d 个，县区 %d 个\n", st.Articles, st.Chunks, len(st.Regions))
	if len(st.Sources) > 0 {
		fmt.Fprintf(&s, "来源文件：%s\n", esc(strings.Join(st.Sources, "、")))
	}
	if st.Embedder != "" {
		fmt.Fprintf(&s, "向量模型：%s（%d 维）\n", esc(st.Embedder), st.Dims)
	}
	if b.opts.ModelStatus != nil {
		fmt.Fprintf(&s, "语言模型：%s\n", esc(b.opts.ModelStatus()))
	}
	if !st.LoadedAt.IsZero() {
		fmt.Fprintf(&s, "载入时间：%s\n", st.LoadedAt.Format("2006-01-02 15:04:05"))
	}
	c := b.metrics.snapshot()
	fmt.Fprintf(&s, "\n本次运行 %s；回答 %d 次，其中无相关内容 %d 次，超时 %d 次，出错 %d 次；限流 %d 次\n",
		time.Since(b.started).Round(time.Second), c.questions, c.refusals, c.timeouts, c.failures, c.rateLimited)
	if b.opts.Record != nil {
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		usage, err := b.opts.Record.Stats(qctx, time.Now().Add(-reportWindow))
		cancel()
		if err != nil {
			b.log.Warn("read usage figures", "err", err)
			s.WriteString("\n<i>使用统计暂时读不到。</i>\n")
		} else {
			s.WriteString(renderUsage(usage))
		}
		if st := b.opts.Record.Status(); !st.Open || st.Dropped > 0 {
			fmt.Fprintf(&s, "\n<i>提问记录：%s，丢弃 %d 条</i>\n", map[bool]string{true: "正常", false: "暂不可写"}[st.Open], st.Dropped)
		}
	}
	if _, err := b.send(ctx, r.to, s.String(), nil); err != nil {
		b.log.Warn("send stats failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}
