#!/bin/sh
# Makes the man page: help2man turns `mmtune --help` into NAME, SYNOPSIS and OPTIONS; every
# command's own `mmtune COMMAND --help` becomes a subsection of COMMANDS, as printed; mmtune.h2m
# adds what --help does not say (description, exit status, environment, files).
# Usage: make-man.sh MMTUNE VERSION MMTUNE.H2M OUTPUT.1  (writes OUTPUT.1.gz)
set -eu
mmtune=$1 version=$2 h2m=$3 out=$4
include=$(mktemp)
trap 'rm -f "$include"' EXIT
cat "$h2m" >"$include"
printf '\n[COMMANDS]\n' >>"$include"
for command in $("$mmtune" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
  printf '.SS "mmtune %s"\n.nf\n' "$command"
  # Escape what roff would read as requests or escapes.
  "$mmtune" "$command" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
  printf '.fi\n'
done >>"$include"
help2man --no-info --section=1 --version-string="$version" \
  --name="memory-manager stress tests and tuning advice" --include="$include" --output="$out" "$mmtune"
gzip -9nf "$out"
