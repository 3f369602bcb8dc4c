// Package atomicfile replaces a file so that a crash at any moment leaves
// either the old content or the new, never a mix or a truncated file.
//
// It is a leaf: it imports only the standard library, so any package of
// kbot may use it for the files it must not lose (the index, the
// embedding cache, uploaded documents, the update journal).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write replaces the file at path with what write writes. It creates a
// temporary file in path's directory (creating the directory when
// missing), hands it to write, syncs and closes it, renames it over path
// and syncs the directory so that the rename itself survives a power
// loss. The new file has mode 0600.
//
// On an error before the rename the temporary file is removed and path is
// untouched. When only the final directory sync fails, path already holds
// the new content: the error then says that its durability is
// unconfirmed, and wraps the cause.
func Write(path string, write func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	// A leading dot keeps a temporary file that a crash left behind out
	// of folder listings such as the uploaded documents.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close()      // may already be closed; the first error is what the caller gets
			_ = os.Remove(tmp) // best effort: a leftover temporary file is harmless
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	renamed = true
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s written, but its directory could not be opened to sync it: %w", path, err)
	}
	err = d.Sync()
	_ = d.Close() // read-only handle; the sync result is what matters
	if err != nil {
		return fmt.Errorf("%s written, but syncing its directory failed: %w", path, err)
	}
	return nil
}

// WriteFile is Write for content already in memory: it writes the parts
// one after the other.
func WriteFile(path string, parts ...[]byte) error {
	return Write(path, func(w io.Writer) error {
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	})
}
