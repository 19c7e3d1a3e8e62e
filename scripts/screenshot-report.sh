#!/usr/bin/env bash
# Opens an mmtune HTML report in headless Chromium, fails when the page logs a console error (a
# script error, a blocked load, a Content-Security-Policy violation) or when its plots did not
# reach the DOM, and writes a PNG screenshot.
#
#   scripts/screenshot-report.sh [--mmtune BIN] [--size WIDTH,HEIGHT] INPUT OUT.png
#
# INPUT is a report (.html) or any JSON mmtune writes (rendered first with `BIN report`; BIN
# defaults to `mmtune` on PATH). Needs Debian's chromium package (apt-get install -y chromium);
# not run in CI, where installing Chromium would cost minutes for every run. Exit: 0 ok, 1 the
# page has console errors or no plots, 2 bad usage or no Chromium.
set -euo pipefail

usage() {
  echo "usage: $0 [--mmtune BIN] [--size WIDTH,HEIGHT] INPUT(.html|.json) OUT.png" >&2
  exit 2
}

mmtune=mmtune
size=1280,2400
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --mmtune) mmtune=${2:?}; shift 2 ;;
    --size) size=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
[[ $# -eq 2 ]] || usage
input=$1
out=$2
[[ -r $input ]] || { echo "$0: $input: cannot read" >&2; exit 2; }
[[ $size =~ ^[0-9]+,[0-9]+$ ]] || { echo "$0: --size: \"$size\" must be WIDTH,HEIGHT" >&2; exit 2; }

chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chromium ]] || { echo "$0: no chromium here (apt-get install -y chromium)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ $input == *.json ]]; then
  "$mmtune" report "$input" -o "$work/report.html"
  page=$work/report.html
else
  page=$(realpath "$input")
fi

# No network, no first-run or background traffic, a throwaway profile; root needs --no-sandbox.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-default-apps --disable-extensions --mute-audio --hide-scrollbars
  --enable-logging=stderr --v=0)

"$chromium" "${flags[@]}" --user-data-dir="$work/profile-dom" --dump-dom "file://$page" \
  >"$work/dom.html" 2>"$work/dom.log" || {
  cat "$work/dom.log" >&2
  echo "$0: chromium failed to load $page" >&2
  exit 1
}
# Console messages (console.error, uncaught exceptions, CSP "Refused to …") are logged as CONSOLE.
if grep -E 'CONSOLE|Refused to|Uncaught' "$work/dom.log" >"$work/console.log"; then
  echo "$0: console errors in $page:" >&2
  cat "$work/console.log" >&2
  exit 1
fi
expected=$(grep -o '<svg class="plot"' "$page" | wc -l)
rendered=$(grep -o '<svg class="plot"' "$work/dom.html" | wc -l)
if [[ $rendered -ne $expected ]]; then
  echo "$0: $expected plots in the file, $rendered in the page's DOM" >&2
  exit 1
fi

"$chromium" "${flags[@]}" --user-data-dir="$work/profile-shot" --window-size="$size" \
  --screenshot="$work/shot.png" "file://$page" >/dev/null 2>"$work/shot.log" || {
  cat "$work/shot.log" >&2
  exit 1
}
[[ -s $work/shot.png ]] || { echo "$0: chromium wrote no screenshot" >&2; exit 1; }
mv "$work/shot.png" "$out"
echo "$0: $page: $rendered plots, no console errors; screenshot in $out"
