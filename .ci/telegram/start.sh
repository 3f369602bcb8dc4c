#!/bin/sh
# Start the Bot API emulator (telegram-test-api 4.2.1) on 127.0.0.1 in the
# background, wait until it answers, and print its URL, e.g.
#   export KBOT_TEST_TELEGRAM_URL=$(.ci/telegram/start.sh)
# Stop it with .ci/telegram/stop.sh. Installs the pinned package first
# when node_modules is missing. Set PORT to choose the port.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
run="$dir/.run"
mkdir -p "$run"
if [ ! -d "$dir/node_modules/telegram-test-api" ]; then
	(cd "$dir" && npm ci --no-audit --no-fund >&2)
fi
if [ -f "$run/emulator.pid" ] && kill -0 "$(cat "$run/emulator.pid")" 2>/dev/null; then
	echo "emulator already running (pid $(cat "$run/emulator.pid")); run stop.sh first" >&2
	exit 1
fi
rm -f "$run/url"
KBOT_EMULATOR_URL_FILE="$run/url" node "$dir/server.js" >"$run/emulator.log" 2>&1 &
pid=$!
echo "$pid" >"$run/emulator.pid"
i=0
while [ ! -s "$run/url" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "emulator exited; its log:" >&2
		cat "$run/emulator.log" >&2
		rm -f "$run/emulator.pid"
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 300 ]; then
		echo "emulator did not answer within 30s" >&2
		kill "$pid" 2>/dev/null || true
		rm -f "$run/emulator.pid"
		exit 1
	fi
	sleep 0.1
done
cat "$run/url"
