#!/usr/bin/env bash
# Builds Nimbus (release) and starts `nimbus serve` with embedded defaults.
# Extra arguments go to `nimbus serve`, e.g. `scripts/run.sh --port 9001`.
set -euo pipefail
cd "$(dirname "$0")/.."
# bubblewrap sandboxes every function; without it Nimbus falls back to plain processes.
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) \
    || echo "run.sh: could not install bubblewrap; functions will run as plain processes" >&2
fi
# The web console's JavaScript libraries (Debian packages, served locally from
# /usr/share/javascript); without them the console works without highlighting and graphs.
if [ ! -e /usr/share/javascript/codemirror/lib/codemirror.js ] || [ ! -e /usr/share/javascript/chart.js/chart.min.js ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjs-codemirror libjs-chart.js) \
      || echo "run.sh: could not install libjs-codemirror/libjs-chart.js; the console has no highlighting or graphs" >&2
  fi
fi
swift build -c release   # nimbus and nimbus-init
exec .build/release/nimbus serve "$@"
