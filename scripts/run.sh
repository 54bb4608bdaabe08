#!/usr/bin/env bash
# Builds Nimbus (release) and starts `nimbus serve` with embedded defaults.
# Extra arguments go to `nimbus serve`, e.g. `scripts/run.sh --port 9001`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product nimbus
exec .build/release/nimbus serve "$@"
