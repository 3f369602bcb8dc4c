// Package bot is kbot's Telegram adapter: it turns Bot API updates into calls
// on the knowledge base and answers into Telegram messages.
//
// Data flows one way. Updates arrive by long polling (the default) or by
// webhook; each is written to a small journal in the state directory before
// Telegram is told it was received, so a crash or restart loses none, and
// update IDs already handled are skipped, so none is answered twice. A router
// applies the allow-lists and the group rules (answer only commands, mentions
// and replies to the bot), then a handler per command or question asks the
// Knowledge interface and renders the answer as HTML with its sources and an
// inline keyboard. Long messages are split at sentence boundaries.
//
// No retrieval logic lives here: the package depends only on the small
// Knowledge interface, which *knowledge.Base satisfies.
//
// An operations endpoint serves /healthz, /readyz and /metrics (Prometheus).
// On shutdown Run stops taking updates, finishes the answers in flight and
// returns nil.
package bot
