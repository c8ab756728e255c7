#!/bin/sh
# make-test.sh GRADER SELFTEST [SELFTEST-ARGS...] - what make test runs: each test script below
# with GRADER, then the self-test, whatever they said. A CI log often keeps only its tail, so
# the last lines name every part that failed and repeat the lines in which it said so.
set -u
grader=$1
selftest=$2
shift 2
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=
for t in grader/student/check.sh grader/gradescope/test.sh grader/class/test.sh \
    grader/tests/private-dirs.sh; do
    log=$logs/$(echo "$t" | tr / _)
    { sh "$t" "$grader"; echo $? >"$log.rc"; } 2>&1 | tee "$log"
    [ "$(cat "$log.rc")" = 0 ] || failed="$failed $t"
done
"$selftest" "$@" | tee "$logs/selftest"
# tee's status, not the self-test's: its own line says how many failed
grep -q '^[0-9]* passed, 0 failed$' "$logs/selftest" || failed="$failed self-test"
[ -n "$failed" ] || exit 0
echo
for t in $failed; do
    log=$logs/$(echo "$t" | tr / _)
    [ "$t" = self-test ] && log=$logs/selftest
    echo "== $t failed; what it said of it:"
    grep -E 'FAIL|fail|not found|error' "$log" | grep -v '^ok ' | tail -n 15
done
echo "make test FAILED:$failed"
exit 1
