#!/usr/bin/env bash
# Starts the mock OpenAI-compatible server for kbot's end-to-end tests on
# 127.0.0.1 and a free port, waits until it answers, and prints its base URL
# (http://127.0.0.1:PORT/v1) on stdout. Stop it with stop.sh.
# Install first with: npm ci --prefix .ci/mock-llm
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
main="$dir/node_modules/@dwmkerr/mock-llm/dist/main.js"
if [[ ! -f "$main" ]]; then
	echo "mock-llm is not installed: run npm ci --prefix $dir" >&2
	exit 1
fi
if [[ -f "$dir/mock-llm.pid" ]] && kill -0 "$(cat "$dir/mock-llm.pid")" 2>/dev/null; then
	echo "mock-llm already runs as pid $(cat "$dir/mock-llm.pid"); run stop.sh first" >&2
	exit 1
fi

port=${MOCK_LLM_PORT:-$(node -e '
const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')}

# HOST keeps the server off other interfaces: it binds 0.0.0.0 by default.
HOST=127.0.0.1 PORT=$port nohup node "$main" --config "$dir/mock-llm.yaml" \
	>"$dir/mock-llm.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/mock-llm.pid"

if ! node -e '
const url = process.argv[1], deadline = Date.now() + 15000;
(async () => {
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).ok) process.exit(0); } catch {}
    await new Promise(r => setTimeout(r, 100));
  }
  process.exit(1);
})();' "http://127.0.0.1:$port/health"; then
	echo "mock-llm did not answer on 127.0.0.1:$port; its log:" >&2
	cat "$dir/mock-llm.log" >&2
	kill "$pid" 2>/dev/null || true
	rm -f "$dir/mock-llm.pid"
	exit 1
fi
echo "http://127.0.0.1:$port/v1"
