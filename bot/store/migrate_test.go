package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seeds holds, for each released schema version that is older than the
// latest, SQL that writes one refused question "旧版本的问题" in that
// version's tables. TestMigrateFromEveryOlderVersion opens a file left at
// each older version and expects the question to survive; adding a
// migration means adding the seed of the version it replaces.
var seeds = map[int]string{}

func TestMigrationVersions(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d has version %d: versions must count from 1 without gaps", i, m.version)
		}
	}
}

func TestMigrateFromEveryOlderVersion(t *testing.T) {
	for v := 0; v < len(migrations); v++ {
		t.Run(fmt.Sprintf("from version %d", v), func(t *testing.T) {
			path := testPath(t)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := migrate(ctxT(t), db, migrations[:v]); err != nil {
				t.Fatalf("build a version %d file: %v", v, err)
			}
			wantGaps := 0
			if v > 0 {
				seed, ok := seeds[v]
				if !ok {
					t.Fatalf("no seed for schema version %d: add one to seeds", v)
				}
				if _, err := db.Exec(seed); err != nil {
					t.Fatalf("seed version %d: %v", v, err)
				}
				wantGaps = 1
			}
			db.Close()

			s := openAt(t, path)
			err = s.withDB(func(db *sql.DB) error {
				got, err := userVersion(ctxT(t), db)
				if err == nil && got != len(migrations) {
					err = fmt.Errorf("schema version %d after open, want %d", got, len(migrations))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			gaps := mustGaps(t, s, time.Time{})
			if len(gaps) != wantGaps || (wantGaps == 1 && gaps[0].Question != "旧版本的问题") {
				t.Errorf("gaps after migrating %+v, want %d (the seeded question)", gaps, wantGaps)
			}
			// The migrated file takes new records.
			mustRecord(t, s, refused("新问题", 1, 1))
			mustVote(t, s, Vote{Answer: AnswerRef{ChatID: 1, MessageID: 1}, UserID: 1, Verdict: ThumbsDown})
		})
	}
}

func TestMigrateEmptyFile(t *testing.T) {
	path := testPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// A zero-length file is an empty database, not a corrupt one.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path)
	mustRecord(t, s, refused("问题", 1, 1))
	if matches, _ := filepath.Glob(path + ".corrupt-*"); len(matches) != 0 {
		t.Errorf("an empty file was moved aside: %v", matches)
	}
}

// TestMigrateStepsInTransactions checks the runner with a made-up history:
// migrations apply in order, a failing one leaves the file at the version
// before it with none of its changes, and a later run resumes there.
func TestMigrateStepsInTransactions(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms := []migration{
		{1, "CREATE TABLE a (x INTEGER)"},
		{2, "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1)"},
		{3, "CREATE TABLE c (z INTEGER); INSERT INTO missing VALUES (1)"},
	}
	if from, err := migrate(ctx, db, ms[:1]); err != nil || from != 0 {
		t.Fatalf("migrate to 1: from %d, %v", from, err)
	}
	from, err := migrate(ctx, db, ms)
	if err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("migrate with a failing step: %v, want an error naming version 3", err)
	}
	if from != 1 {
		t.Errorf("found version %d, want 1", from)
	}
	if v, _ := userVersion(ctx, db); v != 2 {
		t.Errorf("version after the failure %d, want 2", v)
	}
	tables := func() string {
		rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return strings.Join(names, ",")
	}
	if got := tables(); got != "a,b" {
		t.Errorf("tables after the failure %q, want a,b (c rolled back)", got)
	}

	ms[2].sql = "CREATE TABLE c (z INTEGER); INSERT INTO a VALUES (2)"
	if from, err := migrate(ctx, db, ms); err != nil || from != 2 {
		t.Fatalf("migrate after the fix: from %d, %v", from, err)
	}
	if _, err := migrate(ctx, db, ms); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM a").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows in a: %d, %v; want 2 (each step ran once)", n, err)
	}
	if got := tables(); got != "a,b,c" {
		t.Errorf("tables %q, want a,b,c", got)
	}
}
