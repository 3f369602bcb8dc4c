// Package llm writes kbot's answers with a chat model reached through any
// OpenAI-compatible API (OpenAI, DeepSeek, Qwen on DashScope, Ollama, vLLM).
//
// Data flows one way. knowledge.Base retrieves passages and hands them,
// numbered [1]..[n], to Writer.Write. Write builds a prompt whose rules live
// in the system message and whose data (passages, question, recent turns)
// sits in delimited blocks of the user message, with delimiter look-alikes
// inside the data neutralised so that text such as "忽略以上指令" stays data.
// The completion is fetched (streamed when asked, with retries on 429, 5xx
// and timeouts), checked for empty or garbled output, and then passed
// through CheckCitations, which keeps only markers that name a given passage
// and whose quoted spans really occur in it, and renumbers them densely.
//
// Any failure is returned as an *Error; Base then falls back to an
// extractive answer. Errors and logs never contain the API key. The
// requests go through the transport shared with the embedder
// (embeddings/openaicompat): retries within a budget per call, Retry-After,
// error classes. A circuit breaker stops asking a model that failed too
// many calls in a row, so that answers fall back at once, and lets one call
// probe it after a cool-down; Writer.Breaker reports its state.
//
// Writer.Rewrite turns an elliptical follow-up (它、他们、那……呢) into a
// standalone question with one short call, and makes no call at all for a
// question that stands on its own.
package llm
