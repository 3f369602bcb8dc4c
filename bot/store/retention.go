package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Pruned counts what a prune deleted.
type Pruned struct {
	Questions int64 // with their citations
	Votes     int64
}

// Prune deletes the questions asked before the retention period, with their
// citations and votes, and returns how many it deleted. The store also
// prunes by itself when it opens the file and then periodically
// (WithPruneEvery).
func (s *Store) Prune(ctx context.Context) (Pruned, error) {
	var n Pruned
	err := s.do(ctx, false, func(w *writeTx) error {
		var err error
		n, err = s.prune(w.ctx, w.tx)
		return err
	})
	return n, err
}

// prune deletes old rows inside tx. A vote goes with its question, however
// recent the vote: retention counts from when the question was asked.
func (s *Store) prune(ctx context.Context, tx *sql.Tx) (Pruned, error) {
	cutoff := s.cfg.now().Add(-s.cfg.retention).UnixMilli()
	var n Pruned
	// Deleting the dependants explicitly does not rely on the
	// foreign_keys pragma being on for this connection.
	res, err := tx.ExecContext(ctx,
		"DELETE FROM votes WHERE question_id IN (SELECT id FROM questions WHERE asked_at < ?)", cutoff)
	if err != nil {
		return n, fmt.Errorf("prune votes: %w", err)
	}
	if n.Votes, err = res.RowsAffected(); err != nil {
		return n, fmt.Errorf("prune votes: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		"DELETE FROM citations WHERE question_id IN (SELECT id FROM questions WHERE asked_at < ?)", cutoff); err != nil {
		return n, fmt.Errorf("prune citations: %w", err)
	}
	res, err = tx.ExecContext(ctx, "DELETE FROM questions WHERE asked_at < ?", cutoff)
	if err != nil {
		return n, fmt.Errorf("prune questions: %w", err)
	}
	if n.Questions, err = res.RowsAffected(); err != nil {
		return n, fmt.Errorf("prune questions: %w", err)
	}
	return n, nil
}
