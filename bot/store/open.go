package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// saltKey is the meta row holding the hashing salt.
const saltKey = "id_salt"

// maxOpenConns bounds the pool: one writer and a few report readers.
const maxOpenConns = 4

// openFile opens the database at path, moves a corrupt file aside and
// starts a fresh one, applies migrations and returns the hashing salt.
func openFile(ctx context.Context, path string, cfg config, log *slog.Logger) (*handle, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("record database path %q: '?' is not allowed in the name", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory of record database: %w", err)
	}
	h, err := openChecked(ctx, path, cfg)
	if err == nil || !corrupt(err) {
		return h, err
	}
	aside, merr := moveAside(path, cfg.now())
	if merr != nil {
		return nil, fmt.Errorf("record database %s is corrupt (%v) and cannot be moved aside: %w", path, err, merr)
	}
	log.Warn("record database is corrupt; moved it aside and starting a new one (earlier votes and gaps are in the moved file)",
		"path", path, "moved_to", aside, "err", err)
	return openChecked(ctx, path, cfg)
}

// openChecked opens path, checks its integrity, migrates it and loads the
// salt. Errors that mean a corrupt file satisfy corrupt.
func openChecked(ctx context.Context, path string, cfg config) (*handle, error) {
	dsn := path + "?" + strings.Join([]string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", cfg.busyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		// In WAL mode NORMAL loses no committed transaction when kbot
		// crashes, only (at worst) the last ones on a power cut, and it
		// saves an fsync a commit.
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
		// Writers take the write lock at BEGIN, so two writers wait on
		// the busy timeout instead of failing on a lock upgrade.
		"_txlock=immediate",
	}, "&")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open record database %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	fail := func(step string, err error) (*handle, error) {
		// The close error adds nothing to err.
		_ = db.Close()
		return nil, fmt.Errorf("%s record database %s: %w", step, path, err)
	}
	if err := checkIntegrity(ctx, db); err != nil {
		return fail("check", err)
	}
	if _, err := migrate(ctx, db, cfg.migrations); err != nil {
		return fail("migrate", err)
	}
	salt, err := loadSalt(ctx, db)
	if err != nil {
		return fail("read salt of", err)
	}
	h, err := prepare(ctx, db, salt)
	if err != nil {
		return fail("prepare statements for", err)
	}
	return h, nil
}

// errCorrupt marks an integrity check that found damage.
var errCorrupt = errors.New("integrity check failed")

// checkIntegrity runs SQLite's quick check: it reads every page, so a
// damaged file is noticed at open rather than at some later write.
func checkIntegrity(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// sqliteCode returns the primary SQLite result code in err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// corrupt reports whether err means the file is not a usable database, so
// that moving it aside is the remedy. Locks and permissions are not.
func corrupt(err error) bool {
	if errors.Is(err, errCorrupt) {
		return true
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// transient reports whether a write failed because of the file or its
// locks rather than the record, so that reopening and retrying can succeed.
func transient(err error) bool {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_PERM, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB,
		sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_INTERRUPT:
		return true
	case 0:
		// Not from SQLite: the driver or the file system (a closed
		// connection, an I/O error).
		return true
	}
	return false
}

// needsReopen reports whether a failed write calls for a new connection:
// the file may have been replaced, damaged or made unreachable. A lock or a
// full disk does not; waiting is enough.
func needsReopen(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL:
		return false
	}
	return !errors.Is(err, context.DeadlineExceeded)
}

// moveAside renames the database file and its WAL and shared-memory files
// to <name>.corrupt-<unix time>; it returns the new name of the database.
func moveAside(path string, now time.Time) (string, error) {
	suffix := fmt.Sprintf(".corrupt-%d", now.Unix())
	aside := path + suffix
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	// A WAL belongs to the file it was written for; left in place, a
	// fresh database would try to replay it.
	for _, ext := range []string{"-wal", "-shm"} {
		err := os.Rename(path+ext, path+suffix+ext)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return aside, err
		}
	}
	return aside, nil
}

// loadSalt returns the database's salt, making it on first use. It writes
// only then, so that a file locked by another writer still opens for
// reading.
func loadSalt(ctx context.Context, db *sql.DB) ([]byte, error) {
	var salt []byte
	err := db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", saltKey).Scan(&salt)
	if err == nil {
		return checkSalt(salt)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("make salt: %w", err)
	}
	// INSERT OR IGNORE keeps the first salt when two processes open a new
	// file at once; both then read the same one.
	if _, err := db.ExecContext(ctx, "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", saltKey, fresh); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", saltKey).Scan(&salt); err != nil {
		return nil, err
	}
	return checkSalt(salt)
}

func checkSalt(salt []byte) ([]byte, error) {
	if len(salt) < 16 {
		return nil, fmt.Errorf("salt is %d bytes, want at least 16", len(salt))
	}
	return salt, nil
}
