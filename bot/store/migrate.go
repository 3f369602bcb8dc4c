package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migration takes the schema from version-1 to version. Its SQL runs in one
// transaction together with the version bump, so a failed migration leaves
// the file as it was.
type migration struct {
	version int
	sql     string
}

// migrations is the schema's history, oldest first; versions count from 1
// without gaps. Never edit a released migration: add one. Adding one means
// adding its seed to the migration test, which opens a file of every older
// version.
var migrations = []migration{
	{version: 1, sql: `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

-- One row per question answered, refused or failed. Times are Unix
-- milliseconds (UTC). chat_hash and message_id name the answer message that
-- votes attach to; message_id is 0 when there is none.
CREATE TABLE questions (
	id         INTEGER PRIMARY KEY,
	asked_at   INTEGER NOT NULL,
	chat_type  TEXT    NOT NULL CHECK (chat_type IN ('private', 'group', 'supergroup', 'channel')),
	chat_hash  BLOB    NOT NULL,
	message_id INTEGER NOT NULL,
	text       TEXT    NOT NULL,
	county     TEXT    NOT NULL,
	outcome    TEXT    NOT NULL CHECK (outcome IN ('answered', 'refused', 'error')),
	reason     TEXT    NOT NULL,
	mode       TEXT    NOT NULL
);
CREATE INDEX questions_asked_at ON questions (asked_at);
CREATE UNIQUE INDEX questions_answer ON questions (chat_hash, message_id) WHERE message_id <> 0;

-- The articles an answer cited, in the answer's order.
CREATE TABLE citations (
	question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	article_id  TEXT    NOT NULL,
	title       TEXT    NOT NULL,
	county      TEXT    NOT NULL,
	PRIMARY KEY (question_id, position)
) WITHOUT ROWID;
CREATE INDEX citations_article ON citations (article_id);

-- One vote per user and answer; changing it replaces the row.
CREATE TABLE votes (
	question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
	user_hash   BLOB    NOT NULL,
	value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
	reason      TEXT    NOT NULL,
	voted_at    INTEGER NOT NULL,
	PRIMARY KEY (question_id, user_hash)
) WITHOUT ROWID;
CREATE INDEX votes_voted_at ON votes (voted_at);
`},
}

// migrate applies the migrations the file lacks and returns the version it
// found. A file newer than ms is an error and is left untouched: an older
// kbot must not write to it.
func migrate(ctx context.Context, db *sql.DB, ms []migration) (from int, err error) {
	from, err = userVersion(ctx, db)
	if err != nil {
		return 0, err
	}
	if from > len(ms) {
		return from, fmt.Errorf("schema version %d is newer than this kbot's %d", from, len(ms))
	}
	for _, m := range ms[from:] {
		if err := applyMigration(ctx, db, m); err != nil {
			return from, fmt.Errorf("migrate to version %d: %w", m.version, err)
		}
	}
	return from, nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Rollback after Commit is a no-op; after a failure its error would
	// only repeat the failure.
	defer func() { _ = tx.Rollback() }()
	// Another process may have migrated since we looked: check again
	// under the write lock that BEGIN IMMEDIATE took.
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v >= m.version {
		return nil
	}
	if v != m.version-1 {
		return fmt.Errorf("file is at version %d, migration expects %d", v, m.version-1)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	// PRAGMA takes no parameters; the version is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

func userVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
