package bot

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// TestUndecodableUpdateIsSkipped: an update the client library cannot
// decode must not be asked for again and again; the bot moves past it
// and keeps answering.
func TestUndecodableUpdateIsSkipped(t *testing.T) {
	api := newFakeAPI(t)
	h := start(t, api, newFakeKB(), t.TempDir(), nil)

	api.mu.Lock()
	bad := api.nextID
	api.nextID++
	api.updates = append(api.updates, json.RawMessage(`{"update_id":`+strconv.FormatInt(bad, 10)+`,"message":"not an object"}`))
	api.mu.Unlock()

	waitFor(t, "a getUpdates call past the undecodable update", func() bool {
		for _, c := range api.callsTo("getUpdates") {
			if off, _ := strconv.ParseInt(c.params["offset"], 10, 64); off > bad {
				return true
			}
		}
		return false
	})
	if !h.handled(bad) {
		t.Error("the undecodable update is not recorded as done")
	}
	// With the offset stuck the fake would answer at once, every time.
	before := len(api.callsTo("getUpdates"))
	time.Sleep(300 * time.Millisecond)
	if n := len(api.callsTo("getUpdates")) - before; n > 60 {
		t.Errorf("%d getUpdates calls in 300ms: the poller is spinning", n)
	}

	api.private(testUserID, "之后的问题")
	api.waitSent(testUserID, 1)
}
