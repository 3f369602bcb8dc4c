package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"kbot/knowledge/atomicfile"
)

const scopesFile = "chat-scopes.json"

// maxScopes bounds the chats whose scope is kept; past it the oldest
// setting is forgotten.
const maxScopes = 10000

// scopeStore keeps the county each chat asked to be scoped to with
// /region, on disk so that a restart keeps it.
type scopeStore struct {
	path string

	mu     sync.Mutex
	scopes map[int64]string
	order  []int64 // chats in the order their scope was set, oldest first
}

// openScopes loads the saved scopes; a file that cannot be read is
// reported and an empty store started (a scope is only a convenience).
func openScopes(dir string) (*scopeStore, error) {
	s := &scopeStore{path: filepath.Join(dir, scopesFile), scopes: map[int64]string{}}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read chat scopes: %w", err)
	}
	var saved map[string]string
	if err := json.Unmarshal(data, &saved); err != nil {
		return s, fmt.Errorf("parse chat scopes %s: %w", s.path, err)
	}
	for k, v := range saved {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || v == "" {
			continue
		}
		s.scopes[id] = v
		s.order = append(s.order, id)
	}
	return s, nil
}

func (s *scopeStore) get(chat int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scopes[chat]
}

// set scopes chat to region ("" clears it) and saves the scopes.
func (s *scopeStore) set(chat int64, region string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, had := s.scopes[chat]; had {
		for i, id := range s.order {
			if id == chat {
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
	}
	if region == "" {
		delete(s.scopes, chat)
	} else {
		s.scopes[chat] = region
		s.order = append(s.order, chat)
		for len(s.order) > maxScopes {
			delete(s.scopes, s.order[0])
			s.order = s.order[1:]
		}
	}
	saved := make(map[string]string, len(s.scopes))
	for id, r := range s.scopes {
		saved[strconv.FormatInt(id, 10)] = r
	}
	data, err := json.Marshal(saved)
	if err != nil {
		return fmt.Errorf("encode chat scopes: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, data); err != nil {
		return fmt.Errorf("save chat scopes: %w", err)
	}
	return nil
}
