// Package openaicompat is the transport kbot's two clients of
// OpenAI-compatible servers share: the embedder in package embeddings and
// the answer writer in knowledge/llm.
//
// It owns what both need around go-openai, which makes a single attempt
// and nothing more: [NewClient] builds a client whose HTTP layer reports a
// server's Retry-After; [Retrier] repeats an attempt after a failure that
// another attempt may cure (429, 5xx, timeouts, broken connections), with
// jittered exponential backoff, the server's Retry-After, a limit per
// attempt and a budget for the retries; [Classify] sorts a failure into a
// [Kind] and says whether it is worth retrying; [Redact] takes secrets out
// of an error's message while errors.Is and errors.As still see the cause.
//
// The package depends on go-openai and the standard library only, so the
// domain packages never import it; only the adapters do.
package openaicompat
