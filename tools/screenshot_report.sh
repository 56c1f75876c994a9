#!/bin/sh
# Screenshot an HTML report in headless Chromium (no network), to look at it.
#   tools/screenshot_report.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
# Example: cnnquiz report out --html /tmp/r.html && tools/screenshot_report.sh /tmp/r.html /tmp/r.png
set -eu
page=$(realpath "$1")
out=${2:-/tmp/cnnquiz_report.png}
size=${3:-1200x1600}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --hide-scrollbars --screenshot="$out" --window-size="$(echo "$size" | tr x ,)" \
  "file://$page" >/dev/null 2>&1
echo "$out"
