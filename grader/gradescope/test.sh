#!/bin/sh
# test.sh GRADER - make test's proof of the Gradescope bundle, offline, in a temporary tree laid
# out as Gradescope lays out /autograder: run_autograder grades a submission given as a student's
# whole repository (the cache lab's solution) to an assignment of the cache lab, and its results.json has
# Gradescope's shape and the grader's own totals for the same files (check_results.c); and when
# the grader cannot run, run_autograder still writes a results.json that says so.
set -u
grader=$1
kit=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Root's graders move a build their sandbox uid cannot reach (under mktemp's 0700 folders) to
# TMPDIR: inside this one, so that nothing of the test stays behind.
chmod 755 "$tmp"
export TMPDIR="$tmp"
say() { echo "gradescope test: $*"; }
failed=0

gcc -std=c11 -Wall -Wextra -Werror "$kit/grader/gradescope/check_results.c" -ljansson \
    -o "$tmp/check_results" || exit 1
ag=$tmp/autograder
sh "$kit/grader/gradescope/bundle.sh" "$ag/source" cache 2>/dev/null || { say "bundle.sh failed"; exit 1; }
for gone in solutions grader/selftest; do
    [ ! -e "$ag/source/$gone" ] || { say "the bundle holds $gone"; failed=1; }
done
mkdir -p "$ag/submission/labs/07-cache" "$tmp/same/07-cache"
cp "$kit/solutions/07-cache/cache.c" "$ag/submission/labs/07-cache/"
cp "$kit/solutions/07-cache/cache.c" "$tmp/same/07-cache/"
# the grader this kit built, not one built again inside the bundle
mkdir -p "$ag/source/build" && cp "$grader" "$ag/source/build/grader"

AUTOGRADER_ROOT=$ag sh "$ag/source/run_autograder" 2>"$tmp/log" || { say "run_autograder failed"; failed=1; }
"$grader" --kit="$kit" --submission="$tmp/same" --lab=cache --build-dir="$tmp/build" --format=json \
    > "$tmp/grade.json" 2>/dev/null
"$tmp/check_results" "$ag/results/results.json" "$tmp/grade.json" || failed=1
grep -q '"score": 100,' "$ag/results/results.json" || { say "the solution did not score 100"; failed=1; }

# a grader that cannot run: still a results file, score 0, saying why
rm -f "$ag/results/results.json"
printf '#!/bin/sh\nexit 3\n' > "$ag/source/build/grader"
AUTOGRADER_ROOT=$ag sh "$ag/source/run_autograder" 2>/dev/null
if grep -q '"score": 0' "$ag/results/results.json" 2>/dev/null &&
    grep -q 'could not grade' "$ag/results/results.json"; then
    say "a failed grade still writes results.json (score 0, saying why)"
else
    say "a failed grade wrote no usable results.json"
    failed=1
fi
[ $failed = 0 ] && say "passed" || say "FAILED"
exit $failed
