package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// handle is an open database with what the writer needs of it: the salt
// and the statements it runs for every record, prepared once because
// parsing SQL would otherwise cost a quarter of each write.
type handle struct {
	db   *sql.DB
	salt []byte

	insertQuestion *sql.Stmt
	insertCitation *sql.Stmt
	findAnswer     *sql.Stmt
	upsertVote     *sql.Stmt
}

// findAnswerSQL finds the question an answer message belongs to. Its
// "message_id <> 0" lets SQLite use the partial index questions_answer;
// without it the lookup scans the table.
const findAnswerSQL = "SELECT id FROM questions WHERE chat_hash = ? AND message_id = ? AND message_id <> 0"

func prepare(ctx context.Context, db *sql.DB, salt []byte) (*handle, error) {
	h := &handle{db: db, salt: salt}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&h.insertQuestion, `
INSERT INTO questions (asked_at, chat_type, chat_hash, message_id, text, county, outcome, reason, mode)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (chat_hash, message_id) WHERE message_id <> 0 DO NOTHING`},
		{&h.insertCitation, `
INSERT INTO citations (question_id, position, article_id, title, county) VALUES (?, ?, ?, ?, ?)`},
		{&h.findAnswer, findAnswerSQL},
		{&h.upsertVote, `
INSERT INTO votes (question_id, user_hash, value, reason, voted_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (question_id, user_hash) DO UPDATE
SET value = excluded.value,
    reason = CASE WHEN excluded.reason = '' AND excluded.value = votes.value THEN votes.reason ELSE excluded.reason END,
    voted_at = excluded.voted_at`},
	} {
		st, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			// The statements prepared so far go with the caller's
			// db.Close.
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.dst = st
	}
	return h, nil
}

// close closes the statements and the database.
func (h *handle) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{h.insertQuestion, h.insertCitation, h.findAnswer, h.upsertVote} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	errs = append(errs, h.db.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close record database: %w", err)
	}
	return nil
}

// writeTx is one batch's transaction as the records' apply functions see
// it.
type writeTx struct {
	ctx context.Context
	tx  *sql.Tx
	h   *handle
}

// exec runs a prepared statement inside the transaction; database/sql
// reuses its preparation on the transaction's connection.
func (w *writeTx) exec(st *sql.Stmt, args ...any) (sql.Result, error) {
	return w.tx.StmtContext(w.ctx, st).ExecContext(w.ctx, args...)
}

// eachRow runs query with args and calls f on each row.
func eachRow(ctx context.Context, tx *sql.Tx, f func(*sql.Rows) error, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
