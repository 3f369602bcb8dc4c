package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"kbot/knowledge"
)

// uploadDocument sends a document from the admin and waits for the reply
// that contains want; it returns all replies so far.
func uploadDocument(t *testing.T, api *fakeAPI, name string, data []byte, want string) []string {
	t.Helper()
	api.addFile("f1", data)
	m := msg(testAdminID, testAdminID, "private", "")
	delete(m, "text")
	m["document"] = map[string]any{"file_id": "f1", "file_unique_id": "f1", "file_name": name, "file_size": len(data)}
	api.push(map[string]any{"message": m})
	return awaitReply(t, api, testAdminID, want)
}

// awaitReply waits for a message to chat that contains want and returns
// all the chat's messages so far.
func awaitReply(t *testing.T, api *fakeAPI, chat int64, want string) []string {
	t.Helper()
	var texts []string
	waitFor(t, "reply containing "+want, func() bool {
		texts = texts[:0]
		found := false
		for _, c := range api.sent(chat) {
			texts = append(texts, c.params["text"])
			found = found || strings.Contains(c.params["text"], want)
		}
		return found
	})
	return texts
}

// pressButton presses, as user, the button whose callback data starts
// with prefix on the last message to chat that has one.
func pressButton(t *testing.T, api *fakeAPI, user, chat int64, prefix string) {
	t.Helper()
	sent := api.sent(chat)
	for i := len(sent) - 1; i >= 0; i-- {
		for _, b := range keyboard(t, sent[i]) {
			text, data, _ := strings.Cut(b, "=")
			_ = text
			if strings.HasPrefix(data, prefix) {
				api.press(user, chat, sent[i].msgID, data)
				return
			}
		}
	}
	t.Fatalf("no button %q* in the messages to chat %d", prefix, chat)
}

// acceptUpload presses 入库 under the last upload preview and waits for
// the report.
func acceptUpload(t *testing.T, api *fakeAPI, want string) []string {
	t.Helper()
	pressButton(t, api, testAdminID, testAdminID, "u:ok:")
	return awaitReply(t, api, testAdminID, want)
}

func TestDocumentUploadInGB18030ReachesTheKnowledgeBase(t *testing.T) {
	t.Parallel()
	const text = "社区网格化管理的新探索\n\n船营区推行网格化管理，每个网格配备一名网格员。"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	api := newFakeAPI(t)
	kb := newFakeKB()
	start(t, api, kb, t.TempDir(), nil)
	uploadDocument(t, api, "网格.txt", gb, "《网格.txt》将加入 1 篇文章")
	acceptUpload(t, api, "已添加《网格.txt》")
	kb.mu.Lock()
	got, ok := kb.added["网格.txt"]
	kb.mu.Unlock()
	if !ok {
		t.Fatalf("AddDocument was not called; added = %v", kb.added)
	}
	if !bytes.Equal(got, gb) {
		t.Errorf("AddDocument received %q, want the uploaded GB18030 bytes %q unchanged", got, gb)
	}
}

func TestDocumentUploadRefusedByTheKnowledgeBase(t *testing.T) {
	t.Parallel()
	// The errors are shaped as Base.AddDocument returns them: the loader's
	// reason flattened into text, naming the stored path.
	tests := []struct {
		name   string
		err    error
		want   string // in the reply
		logged string // in the log
	}{
		{
			name: "undecodable file is explained",
			err:  fmt.Errorf("add document %q: %w", "x.txt", fmt.Errorf("/srv/kbot/uploads/x.txt: skipped: %s", knowledge.ErrUndecodable)),
			want: "无法识别文件的编码", logged: "/srv/kbot/uploads/x.txt: skipped: not UTF-8",
		},
		{
			name: "undecodable file wrapped is explained",
			err:  fmt.Errorf("add document %q: /srv/kbot/uploads/x.txt: skipped: %w", "x.txt", knowledge.ErrUndecodable),
			want: "无法识别文件的编码", logged: "/srv/kbot/uploads/x.txt: skipped: not UTF-8",
		},
		{
			name: "file without text is explained",
			err:  fmt.Errorf("add document %q: /srv/kbot/uploads/x.txt: skipped: %w", "x.txt", knowledge.ErrEmpty),
			want: "文件里没有正文", logged: "skipped: file is empty",
		},
		{
			name: "other failure gets a general apology",
			err:  errors.New(`add document "x.txt": reload: embed chunk "c-1": dial tcp 10.0.0.5:443: connection refused`),
			want: "添加失败，知识库保持不变", logged: "dial tcp 10.0.0.5:443: connection refused",
		},
		{
			name: "deadline gets a timeout notice",
			err:  fmt.Errorf("add document %q: reload: %w", "x.txt", context.DeadlineExceeded),
			want: "处理超时", logged: "reload: context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			kb.addFn = func(string, []byte) (knowledge.Report, error) { return knowledge.Report{}, tt.err }
			h := start(t, api, kb, t.TempDir(), nil)
			texts := uploadDocument(t, api, "x.txt", []byte("标题\n正文内容。"), tt.want)
			reply := texts[len(texts)-1]
			for _, leak := range []string{"/srv/kbot", "skipped", "add document", "10.0.0.5", "dial tcp"} {
				if strings.Contains(reply, leak) {
					t.Errorf("reply %q shows the raw error (%q)", reply, leak)
				}
			}
			if n := len([]rune(reply)); n > 120 {
				t.Errorf("reply is %d characters, want a short message: %q", n, reply)
			}
			h.stop()
			if logs := h.logs.String(); !strings.Contains(logs, "add document failed") || !strings.Contains(logs, tt.logged) {
				t.Errorf("the full error was not logged:\n%s", logs)
			}
		})
	}
}

func TestDocumentUploadPDF(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.7\n% a PDF as far as the bot checks\n")
	tests := []struct {
		name   string
		err    error
		want   string // in the reply
		logged string // in the log
	}{
		{
			name: "pdf reaches the knowledge base and the reply names what was added",
			want: "已添加《议事厅.pdf》（已提取其中的文字）",
		},
		{
			name: "encrypted pdf is explained",
			err:  fmt.Errorf("add document %q: %w", "议事厅.pdf", fmt.Errorf("extract pdf: %w: encrypted PDF: invalid password", knowledge.ErrPDFEncrypted)),
			want: "有密码保护", logged: "encrypted PDF: invalid password",
		},
		{
			name: "pdf without text is explained",
			err:  fmt.Errorf("add document %q: extract pdf: %w", "议事厅.pdf", knowledge.ErrPDFNoText),
			want: "没有可提取的文字", logged: "no extractable text",
		},
		{
			name: "damaged pdf is explained",
			err:  fmt.Errorf("add document %q: extract pdf: %w: missing %%%%EOF", "议事厅.pdf", knowledge.ErrPDFCorrupt),
			want: "文件可能已损坏", logged: "missing %%EOF",
		},
		{
			name: "pdf with too many pages is explained",
			err:  fmt.Errorf("add document %q: extract pdf: %w: more than 2000 pages", "议事厅.pdf", knowledge.ErrPDFTooLarge),
			want: "页数或内容过多", logged: "more than 2000 pages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			kb := newFakeKB()
			if tt.err != nil {
				kb.addFn = func(string, []byte) (knowledge.Report, error) { return knowledge.Report{}, tt.err }
			}
			h := start(t, api, kb, t.TempDir(), nil)
			var texts []string
			if tt.err == nil {
				uploadDocument(t, api, "议事厅.pdf", pdf, "将加入")
				texts = acceptUpload(t, api, tt.want)
			} else {
				texts = uploadDocument(t, api, "议事厅.pdf", pdf, tt.want)
			}
			kb.mu.Lock()
			got, ok := kb.previewed["议事厅.pdf"]
			kb.mu.Unlock()
			if !ok || !bytes.Equal(got, pdf) {
				t.Fatalf("the knowledge base got %q (called: %v), want the PDF's bytes unchanged", got, ok)
			}
			reply := texts[len(texts)-1]
			if tt.err == nil {
				if !strings.Contains(reply, "• 《上传的文章》") {
					t.Errorf("reply %q does not say what was added", reply)
				}
				return
			}
			if strings.Contains(reply, "extract pdf") || len([]rune(reply)) > 120 {
				t.Errorf("reply %q is not a short message for people", reply)
			}
			h.stop()
			if logs := h.logs.String(); !strings.Contains(logs, "add document failed") || !strings.Contains(logs, tt.logged) {
				t.Errorf("the full error was not logged:\n%s", logs)
			}
		})
	}
}
