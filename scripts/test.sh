#!/usr/bin/env bash
# Installs what the tests need, builds once, and runs every test:
# Swift unit tests, then the end-to-end suite (real server, aws CLI, boto3).
set -euo pipefail
cd "$(dirname "$0")/.."

# tool:package. bubblewrap is the sandbox; the suite checks its isolation.
need_apt=()
for pair in curl:curl zip:zip bwrap:bubblewrap chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_apt+=("${pair##*:}")
done
# `aws logs tail` is AWS CLI v2 only: Debian's awscli is v2, at /usr/bin/aws (pip's v1 stays first on PATH).
/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2' || need_apt+=(awscli)
# The console's JavaScript libraries (served from /usr/share/javascript) and the browser
# its end-to-end test drives through Playwright.
[ -e /usr/share/javascript/codemirror/lib/codemirror.js ] || need_apt+=(libjs-codemirror)
[ -e /usr/share/javascript/chart.js/chart.min.js ] || need_apt+=(libjs-chart.js)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
python3 -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt

swift build --build-tests
swift test --skip-build
NIMBUS_BIN="$PWD/.build/debug/nimbus" python3 -m pytest tests/e2e -q "$@"
