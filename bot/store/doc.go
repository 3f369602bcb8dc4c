// Package store is kbot's durable record of what its Telegram users asked and
// how they judged the answers: the questions kbot refused or that users marked
// 👎 (the "gaps" an admin should fill) and the usage figures behind /stats and
// `kbot report`.
//
// It owns one SQLite file in the data directory (FileName), written through
// modernc.org/sqlite, a pure Go driver, so the static binary needs no cgo.
// The schema is versioned (PRAGMA user_version); each migration runs in its
// own transaction when the file is opened. The file is in WAL mode with a
// busy timeout, so readers (reports) never wait for the writer.
//
// # What is stored, and for how long
//
// For each question answered in Telegram: its text (whitespace collapsed,
// at most MaxTextRunes characters), when it was asked, the chat type
// (private, group, supergroup, channel), the county it was scoped to, the
// outcome (answered, refused with the reason, or error), the answer mode, the
// cited articles (ID, title, county) and a reference to the answer message so
// that a vote can be attached to it. For each vote: 👍 or 👎, an optional
// reason (答非所问, 不完整, 引用有误, 没找到) and when it was cast; one vote per
// user and answer, which the user can change. Chat and user IDs are kept only
// as keyed hashes (HMAC-SHA-256 with a random salt made once per database and
// kept in it, never logged); names, usernames and answer texts are never
// stored. Because Telegram IDs are few enough to enumerate, the hashes keep
// IDs out of reports and exports, not from someone who holds the file.
//
// Questions older than the retention period (DefaultRetention, 180 days,
// see WithRetention) are deleted together with their citations and votes:
// when the file is opened and then once a day (WithPruneEvery), or on demand
// with Prune.
//
// # Writing without slowing answers
//
// All writes go through one writer goroutine with a bounded queue; it commits
// whatever is queued in one transaction (group commit). RecordQuestion only
// queues: an answer never waits for the disk. RecordVote waits for its
// commit as long as its context allows, so that a voter can be told whether
// the vote counted. Neither waits for room in the queue: a full queue drops
// the record, counts it (Status) and returns ErrQueueFull. Close writes what
// is queued.
//
// A corrupt file is moved aside to <file>.corrupt-<unix time> with a warning
// in the log and a fresh one is started. When the file is locked by another
// process, unwritable or missing its directory, writes fail or wait in the
// queue while the store retries opening it with backoff; it records again as
// soon as it can. Start returns a store that opens in the background, so a
// bot can answer from its first second whatever the state of the file; Open
// is for callers that need the file now, such as a report.
package store
