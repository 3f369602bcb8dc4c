package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"kbot/knowledge"
)

// errTooLarge means a download exceeded MaxDocumentBytes.
var errTooLarge = errors.New("document larger than the limit")

// cmdDocument adds an admin's uploaded .txt, .md or .pdf file to the
// knowledge base. A PDF's text is extracted by the knowledge base; the
// bot only checks that the file is a PDF at all.
func (b *Bot) cmdDocument(ctx context.Context, r *request) string {
	doc := r.msg.Document
	if !b.isAdmin(r.userID) {
		b.log.Warn("document upload refused: not an admin", "update_id", r.updateID, "chat_id", r.chatID, "user_id", r.userID)
		b.say(ctx, r.to, "抱歉，只有管理员可以向知识库添加文件。如需添加资料，请联系管理员。")
		return outcomeDenied
	}
	name := cleanFileName(doc.FileName)
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".txt", ".md":
	case ".markdown":
		// The knowledge base reads only .txt and .md sources.
		name = strings.TrimSuffix(name, path.Ext(name)) + ".md"
	case ".pdf":
	default:
		b.say(ctx, r.to, "只支持 .txt 和 .md 文本文件（UTF-8 或 GBK 编码）以及含文字的 .pdf 文件。")
		return outcomeDone
	}
	limit := b.opts.MaxDocumentBytes
	if doc.FileSize > limit {
		b.say(ctx, r.to, fmt.Sprintf("文件太大（%s），上限是 %s。请拆分后分别发送。", humanBytes(doc.FileSize), humanBytes(limit)))
		return outcomeDone
	}

	data, err := b.download(ctx, doc.FileID, limit)
	switch {
	case errors.Is(err, errTooLarge):
		b.say(ctx, r.to, fmt.Sprintf("文件太大，上限是 %s。请拆分后分别发送。", humanBytes(limit)))
		return outcomeDone
	case err != nil:
		b.log.Error("download document failed", "update_id", r.updateID, "chat_id", r.chatID, b.errAttr(err))
		b.metrics.errors.WithLabelValues("upload").Inc()
		b.say(ctx, r.to, "无法从 Telegram 下载这个文件，请稍后重新发送。")
		return outcomeError
	}
	var problem string
	if ext == ".pdf" {
		problem = checkPDF(data)
	} else {
		data, problem = checkText(data)
	}
	if problem != "" {
		b.say(ctx, r.to, problem)
		return outcomeDone
	}

	pctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	pv, err := b.kb.PreviewDocument(pctx, name, data)
	if err != nil {
		b.metrics.errors.WithLabelValues("upload").Inc()
		b.log.Warn("add document failed", "stage", "preview", "update_id", r.updateID, "user_id", r.userID, "file", name, b.errAttr(err))
		b.say(ctx, r.to, uploadRefusal(name, err))
		return outcomeDone
	}
	tok := b.uploads.put(pendingUpload{name: pv.Name, data: pv.Data, user: r.userID})
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
		{Text: "入库", CallbackData: "u:ok:" + tok},
		{Text: "取消", CallbackData: "u:no:" + tok},
	}}}
	if _, err := b.send(ctx, r.to, renderPreview(name, pv), kb); err != nil {
		b.log.Warn("send upload preview failed", "chat_id", r.chatID, b.errAttr(err))
		return outcomeError
	}
	return outcomeDone
}

// pendingUpload is an upload shown to an admin and not yet accepted.
type pendingUpload struct {
	name string
	data []byte
	user int64
}

// commitUpload adds a previewed upload to the knowledge base, for the
// admin who pressed 入库.
func (b *Bot) commitUpload(ctx context.Context, to target, userID int64, up pendingUpload) string {
	if !b.reloadMu.TryLock() {
		b.say(ctx, to, "知识库正在重新载入，请稍后再点“入库”。")
		return outcomeDone
	}
	defer b.reloadMu.Unlock()
	actx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	rep, err := b.kb.AddDocument(actx, up.name, up.data)
	if err != nil {
		b.metrics.reloads.WithLabelValues("error").Inc()
		b.metrics.errors.WithLabelValues("upload").Inc()
		b.log.Error("add document failed", "user_id", userID, "file", up.name, b.errAttr(err))
		b.say(ctx, to, uploadRefusal(up.name, err))
		return outcomeError
	}
	b.metrics.reloads.WithLabelValues("ok").Inc()
	b.log.Info("document added", "user_id", userID, "file", up.name, "bytes", len(up.data),
		"added", len(rep.ArticlesAdded), "changed", len(rep.ArticlesChanged), "took_ms", rep.Took.Milliseconds())
	rep.Warnings = warningsAbout(rep.Warnings, up.name)
	if _, err := b.send(ctx, to, renderUpload(up.name, rep), nil); err != nil {
		b.log.Warn("send upload report failed", "chat_id", to.chatID, b.errAttr(err))
	}
	return outcomeDone
}

// renderPreview shows what an upload would add: the article table and
// what the reader noticed.
func renderPreview(name string, pv knowledge.Preview) string {
	var s strings.Builder
	fmt.Fprintf(&s, "<b>《%s》将加入 %d 篇文章</b>", esc(name), len(pv.Articles))
	if pv.Name != name {
		fmt.Fprintf(&s, "（保存为 %s）", esc(pv.Name))
	}
	if pv.Replaces {
		s.WriteString("\n<i>将替换之前上传的同名文件。</i>")
	}
	s.WriteString("\n")
	const show = 30
	for i, a := range pv.Articles {
		if i == show {
			fmt.Fprintf(&s, "\n……另有 %d 篇", len(pv.Articles)-show)
			break
		}
		fmt.Fprintf(&s, "\n%d. 《%s》", i+1, esc(a.Title))
		if by := a.Byline(); by != "" {
			s.WriteString("— " + esc(by))
		} else {
			s.WriteString("— <i>未署名</i>")
		}
		if len(a.Regions) > 0 {
			s.WriteString("〔" + esc(strings.Join(a.Regions, "、")) + "〕")
		}
	}
	if len(pv.Warnings) > 0 {
		s.WriteString("\n\n<b>提示</b>")
		for _, w := range pv.Warnings {
			s.WriteString("\n• " + esc(userSafe(w)))
		}
	}
	s.WriteString("\n\n确认无误请点“入库”；只有入库后知识库才会改变。")
	return s.String()
}

func renderUpload(name string, rep knowledge.Report) string {
	title := "已添加《" + name + "》"
	if strings.EqualFold(path.Ext(name), ".pdf") {
		title += "（已提取其中的文字）"
	}
	if len(rep.ArticlesAdded)+len(rep.ArticlesChanged) == 0 {
		title = "《" + name + "》已处理，但没有新增或修改文章"
	}
	return renderReport(title, rep)
}

// download fetches a Telegram file, reading at most limit bytes.
func (b *Bot) download(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	f, err := b.api.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", err)
	}
	if f.FileSize > limit {
		return nil, errTooLarge
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, fmt.Errorf("download file: %s", b.redact(err.Error()))
	}
	resp, err := b.opts.HTTPClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			uerr.URL = b.redact(uerr.URL)
		}
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// checkText turns away uploads that are plainly not text (empty, a PDF,
// binary) and strips a UTF-8 byte-order mark. It returns a message for the
// user when it turns one away. The encoding is left to the knowledge base,
// which also reads GB18030 (GBK) Chinese.
func checkText(data []byte) ([]byte, string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, "文件是空的，没有可添加的内容。"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return nil, "这个文件其实是 PDF。请把文件名的扩展名改为 .pdf 后重新发送。"
	case bytes.IndexByte(data, 0) >= 0:
		return nil, "这个文件不是文本文件，请发送 UTF-8 或 GBK 编码的 .txt 或 .md 文件。"
	}
	return data, ""
}

// checkPDF turns away a file named .pdf that is not one, by its
// signature. It returns a message for the user when it does.
func checkPDF(data []byte) string {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "文件是空的，没有可添加的内容。"
	case !bytes.HasPrefix(data, []byte("%PDF-")):
		return "这个文件不是有效的 PDF。请确认文件内容后重新发送，或发送 .txt 文本文件。"
	}
	return ""
}

// uploadRefusal is what an admin reads when the knowledge base does not
// take a document: a short reason and what to do, never the error itself
// (it names server paths and addresses; the log has it).
func uploadRefusal(name string, err error) string {
	return "《" + cutRunes(name, 40) + "》" + uploadProblem(err)
}

// uploadProblem says why an upload was refused, in short Chinese.
func uploadProblem(err error) string {
	switch {
	case errors.Is(err, knowledge.ErrPDFEncrypted):
		return "添加失败，知识库保持不变：这个 PDF 有密码保护。请去掉密码后重新导出再发送。"
	case errors.Is(err, knowledge.ErrPDFNoText):
		return "添加失败，知识库保持不变：这个 PDF 里没有可提取的文字（可能是扫描件或图片）。请发送含文字的 PDF 或 .txt 文件。"
	case errors.Is(err, knowledge.ErrPDFTooLarge):
		return "添加失败，知识库保持不变：这个 PDF 页数或内容过多。请拆分后分别发送。"
	case errors.Is(err, knowledge.ErrPDFCorrupt):
		return "添加失败，知识库保持不变：无法读取这个 PDF，文件可能已损坏。请重新导出后再发送。"
	case isLoaderError(err, knowledge.ErrUndecodable):
		return "添加失败，知识库保持不变：无法识别文件的编码（既不是 UTF-8，也不是 GBK 中文）。请用记事本等工具另存为 UTF-8 编码后再发送。"
	case isLoaderError(err, knowledge.ErrEmpty):
		return "添加失败，知识库保持不变：文件里没有正文。请检查文件内容后再发送。"
	case errors.Is(err, context.DeadlineExceeded):
		return "添加失败，知识库保持不变：处理超时。请稍后再试，或把文件拆小后分别发送。"
	}
	return "添加失败，知识库保持不变。请确认文件是有正文的中文文章（UTF-8 或 GBK 编码）后重新发送；如仍失败，请联系运维人员查看日志。"
}

// isLoaderError reports whether err is, or reports, the loader's sentinel.
// AddDocument passes on the loader's reason for skipping a file as text,
// so errors.Is alone does not find it.
func isLoaderError(err, sentinel error) bool {
	return errors.Is(err, sentinel) || strings.Contains(err.Error(), sentinel.Error())
}

// cleanFileName keeps a safe base name for the stored source.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "upload.txt"
	}
	// File systems allow 255 bytes a name; a Chinese character takes
	// three. Keep room for the suffixes the knowledge base may add.
	if len(name) > maxFileNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:maxFileNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// maxFileNameBytes bounds a stored upload's name.
const maxFileNameBytes = 200

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// paths finds file paths (two parts or more) in a message, to show users
// only base names.
var paths = regexp.MustCompile(`(?:[A-Za-z]:)?(?:[\\/][^\s\\/:"'，。；：、）)》]+){2,}`)

// userSafe removes server paths from a message meant for a chat user,
// keeping each file's base name.
func userSafe(s string) string {
	return paths.ReplaceAllStringFunc(s, func(p string) string { return path.Base(strings.ReplaceAll(p, "\\", "/")) })
}

// warningsAbout keeps the warnings that name a file, so an upload's
// report does not repeat what the reader said about other sources.
func warningsAbout(warnings []string, name string) []string {
	var out []string
	for _, w := range warnings {
		if strings.Contains(w, name) {
			out = append(out, userSafe(w))
		}
	}
	return out
}
