#!/bin/sh
# Stop the emulator started by start.sh.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
run="$dir/.run"
[ -f "$run/emulator.pid" ] || exit 0
pid=$(cat "$run/emulator.pid")
if kill "$pid" 2>/dev/null; then
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$run/emulator.pid" "$run/url"
