package atomicfile_test

import (
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"

	"kbot/knowledge/atomicfile"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	errBoom := errors.New("encoder failed")
	tests := []struct {
		name string
		// old is the file's content before, nil for no file.
		old     []byte
		write   func(w io.Writer) error
		want    string // content after
		wantErr error
	}{
		{
			name:  "new file holds what was written",
			write: func(w io.Writer) error { _, err := io.WriteString(w, "新内容"); return err },
			want:  "新内容",
		},
		{
			name:  "existing file is replaced whole",
			old:   []byte("a much longer old content that must not survive"),
			write: func(w io.Writer) error { _, err := io.WriteString(w, "short"); return err },
			want:  "short",
		},
		{
			name: "failed write leaves the old file untouched",
			old:  []byte("old"),
			write: func(w io.Writer) error {
				if _, err := io.WriteString(w, "half"); err != nil {
					return err
				}
				return errBoom
			},
			want:    "old",
			wantErr: errBoom,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "index.kbot")
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := atomicfile.Write(path, tt.write)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write error = %v, want %v", err, tt.wantErr)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("file holds %q, want %q", got, tt.want)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("directory holds %q, want only the file (no temporary file left)", names)
			}
		})
	}
}

func TestWriteFileCreatesDirectoryAndJoinsParts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "uploads", "nested", "doc.txt")
	if err := atomicfile.WriteFile(path, []byte("KBOT"), nil, []byte("正文")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "KBOT正文" {
		t.Errorf("file holds %q, want %q", got, "KBOT正文")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
}

func TestWriteOverADirectoryFailsAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, []byte("data")); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "taken" {
		t.Errorf("directory holds %q, want only the directory that was there", names)
	}
}

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "atomicfile")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.json")
	if err := atomicfile.WriteFile(path, []byte(`{"v":1}`)); err != nil {
		log.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, []byte(`{"v":2}`)); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	os.Stdout.Write(append(data, '\n'))
	// Output: {"v":2}
}
