// Package knowledge is kbot's domain: the articles of the magazine, the
// passages they are cut into, and how a question about them is answered
// with citations. It depends on no technology; the parts that wrap one
// are injected through Options by the program that wires kbot
// (cmd/kbot).
//
// What it owns:
//
//   - the domain types: Article, Chunk, Question, Turn, Answer, Citation,
//     Result, SearchOptions, Report and Stats, with the named kinds Method,
//     Mode and RefusalReason;
//   - chunking: whole sentences of one article under one heading;
//   - retrieval over an Index: BM25 over character bigrams, vector search
//     behind the VectorIndex interface, one filter predicate for both,
//     reciprocal rank fusion, the region boost and the ranking;
//   - answering: the refusal decision, answers about the collection
//     itself (who wrote what), outlines and extractive answers, or a
//     Writer (a language model, package knowledge/llm) when one is set;
//   - Base, which builds, persists, reloads and serves the Index, and the
//     evaluation of retrieval on a questions file.
//
// What it declares and others provide:
//
//   - LoadFunc reads source files into articles (knowledge/magazine);
//   - Embedder and PassageCache embed passages and questions
//     (kbot/embeddings);
//   - VectorIndexFunc builds the vector index (knowledge/chromem);
//   - Options.ExtractPDF reads uploaded PDFs (knowledge/pdf).
//
// Data flows one way. On a build, Base loads the sources into articles,
// chunks them, embeds each chunk (its text behind the article's title,
// section, byline and heading) through the PassageCache, builds the
// keyword and vector indexes and writes the index file atomically; then
// it swaps the new Index in whole, so queries never see a half-built one.
// On a question, Base embeds it, and Index.search filters, retrieves from
// both indexes, fuses and ranks; the refusal checks then decide whether
// the passages answer it, and the answer is composed from them with [n]
// markers that Citations resolve to article, author and passage.
package knowledge
