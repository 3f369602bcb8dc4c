// Package embeddings turns text into vectors for kbot's retrieval.
//
// An [Embedder] pairs a provider and model with a [Func] that embeds a batch
// of texts. Two providers exist:
//
//   - [Local], the offline default: hashed Chinese character n-grams and
//     ASCII words, with built-in down-weighting of function words and
//     question words. It needs no network, no key and no corpus statistics,
//     so the same text always gives the same vector and vectors can be
//     cached and compared across runs.
//   - [OpenAI], any server that speaks the OpenAI embeddings API (OpenAI,
//     Ollama, vLLM, ...), with batching, bounded concurrency and retries.
//     Its retries, Retry-After handling and error classes come from the
//     subpackage openaicompat, which the chat model writer shares.
//
// Every vector an Embedder returns is L2-normalised and has exactly
// Embedder.Dims elements. [Embedder.ID] names the vector space
// (provider/model/dims); vectors with different IDs must never be compared
// or stored in the same index.
//
// A [Cache] sits in front of any Embedder: it keys vectors by the embedder's
// ID and a hash of the text, embeds only the misses and persists everything
// in one binary file, so re-ingesting an unchanged corpus costs no calls.
// A [PassageCache] binds the cache file to one embedder for index builds.
//
// The package does not import the knowledge package: cmd/kbot hands an
// Embedder's ID, Dims and Embed to it as a knowledge.Embedder, and a
// PassageCache as its knowledge.PassageCache.
//
// Data flows: knowledge chunks → PassageCache.Embed → (misses)
// Embedder.Embed → normalised vectors → the index, which records
// Embedder.ID and checks it on load.
package embeddings
