#!/bin/sh
# test.sh - make test in a student kit (made by grader/student-kit.sh): the kit works here.
# Usage: grader/student/test.sh [GRADER]   (run from the kit's root; GRADER: build/grader)
#
# The instructor's self-test (mutants, variants, cheats graded against the solutions) needs
# what a student kit leaves out; this proves what a student relies on instead:
#   1. the grader runs, and every lab, untouched, reads "not started" with 0 points;
#   2. every stub builds and links with its lab's tests, and scores 0 when graded anyway
#      (--grade-stubs, as make check: tests, ThreadSanitizer and policy).
# The stubs graded are the ones handed out (grader/student/stubs, laid out like labs/), not
# those in labs/, which are the student's work once started: make test checks the kit, never
# the work, and passes whatever the labs hold.
set -u
grader=${1:-build/grader}
stubs=$PWD/grader/student/stubs
work=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-kit-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAILED $*"; failed=$((failed + 1)); }

labs=$("$grader" --kit=. --list | awk '{ print $1 }')
[ -n "$labs" ] || fail "the grader lists no labs"

if ! "$grader" --kit=. --submission="$stubs" --build-dir="$work/fresh" --color=never \
    >"$work/fresh.txt" 2>&1; then
    fail "the grader failed on the untouched kit:"; cat "$work/fresh.txt"
fi
for id in $labs; do
    grep -q "^$id: not started" "$work/fresh.txt" || fail "$id does not read 'not started'"
done
grep -q '^Score: 0/' "$work/fresh.txt" || fail "the untouched kit does not score 0"
[ $failed = 0 ] && echo "ok     every lab reads 'not started', Score: 0"

if ! "$grader" --kit=. --submission="$stubs" --build-dir="$work/stubs" --grade-stubs --quick \
    --color=never >"$work/stubs.txt" 2>&1; then
    fail "the grader failed on the stubs:"; cat "$work/stubs.txt"
fi
# Graded anyway, a stub that built and scored 0 still reads "not started" (output.c); one that
# did not build reads "ID: 0/M" with the compiler's or the linker's errors, one that scored
# reads "ID: N/M".
for id in $labs; do
    if ! grep -q "^$id: not started" "$work/stubs.txt"; then
        fail "the $id stub was not built, or not graded to 0:"
        awk -v id="$id" '$0 ~ "^" id ":" { on = 1 } on && /^$/ { exit } on' "$work/stubs.txt"
    fi
done
grep -q '^Score: 0/' "$work/stubs.txt" || fail "the stubs, graded, do not score 0"
[ $failed = 0 ] && echo "ok     every stub builds, links with its tests and scores 0"
echo "$failed failed"
[ $failed = 0 ]
