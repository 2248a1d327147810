#!/bin/bash
# cmake/git_sha.cmake, which names the commit in every output's git_sha attribute: the commit of
# the tree, "-dirty" when a tracked file differs from it, "unknown" outside a checkout, and its
# output left untouched when nothing changed (so an unchanged tree recompiles nothing). It runs on
# a throwaway repository, so the state of the checkout under test does not matter.
set -eu
script=$1
cmake=${2:-cmake}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CEILING_DIRECTORIES=$tmp   # never find a repository above the throwaway ones
fail() { echo "FAIL: $*" >&2; exit 1; }
record() { "$cmake" -DSOURCE_DIR="$1" -DOUT="$tmp/sha.inc" -P "$script"; cat "$tmp/sha.inc"; }

git init -q "$tmp/repo"
echo a > "$tmp/repo/f"
git -C "$tmp/repo" add f
git -C "$tmp/repo" -c user.email=t@example.org -c user.name=t commit -q -m one
sha=$(git -C "$tmp/repo" rev-parse --short=12 HEAD)

[ "$(record "$tmp/repo")" = "\"$sha\"" ] || fail "clean tree: got $(cat "$tmp/sha.inc"), expected \"$sha\""
before=$(stat -c %y "$tmp/sha.inc")
sleep 1.1
record "$tmp/repo" > /dev/null
[ "$(stat -c %y "$tmp/sha.inc")" = "$before" ] || fail "an unchanged tree rewrote the file"

echo b > "$tmp/repo/f"
[ "$(record "$tmp/repo")" = "\"$sha-dirty\"" ] || fail "changed tree: got $(cat "$tmp/sha.inc")"
git -C "$tmp/repo" -c user.email=t@example.org -c user.name=t commit -q -am two
sha2=$(git -C "$tmp/repo" rev-parse --short=12 HEAD)
[ "$(record "$tmp/repo")" = "\"$sha2\"" ] || fail "new commit: got $(cat "$tmp/sha.inc"), expected \"$sha2\""

mkdir "$tmp/plain"
[ "$(record "$tmp/plain")" = '"unknown"' ] || fail "outside a checkout: got $(cat "$tmp/sha.inc")"
echo "git_sha.cmake: clean, unchanged, dirty, new commit and no checkout all as expected"
