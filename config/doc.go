// Package config loads kbot's settings and checks them before anything starts.
//
// Settings come from three layers, each overriding the one before:
//
//  1. built-in defaults ([Default]), chosen so that kbot runs with no file
//     and no environment: the bundled issue, the offline embedder, extractive
//     answers and a data directory under the user's cache directory;
//  2. an optional YAML file;
//  3. environment variables named KBOT_*.
//
// An environment variable overrides only when it is set to a non-empty value:
// deployment tools commonly expand a missing variable to "", and an empty
// string must not silently wipe a setting from the file. To clear a setting
// (for example http_addr, to turn the operations endpoint off), use the file.
//
// [Load] then validates the result and reports every problem at once, each
// naming the YAML key, its environment variable, the bad value and what is
// allowed. Every setting is described once, in the table in fields.go, which
// drives the YAML reader, the environment overrides and [Reference], so the
// documentation cannot drift from the code.
//
// API keys and the bot token are of type [Secret], which prints REDACTED in
// every format kbot uses (fmt, log/slog, JSON, YAML). Error messages never
// quote a secret, even a malformed one.
package config
