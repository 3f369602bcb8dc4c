package bot

import "testing"

// TestOpsEndpointOff: an empty HTTPAddr (http_addr: "" in the config)
// turns the operations endpoint off; the bot still serves chats.
func TestOpsEndpointOff(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), func(o *Options) { o.HTTPAddr = "" })
	if addr := h.bot.OpsAddr(); addr != "" {
		t.Errorf("OpsAddr = %q, want \"\" with the endpoint off", addr)
	}
	api.private(testUserID, "端点关闭时的问题")
	api.waitSent(testUserID, 1)
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
