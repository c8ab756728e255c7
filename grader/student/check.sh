#!/bin/sh
# check.sh - make test's check of the student kit, both ways (run from the full kit's root).
# Usage: grader/student/check.sh [GRADER]
#   1. grader/student-kit.sh builds a student kit into a temporary directory, and
#      grader/student/leak-check.sh must find nothing in it;
#   2. a copy with planted leaks must fail it, naming every one: the first secret line of each
#      lab's solution appended to that lab's public test file, and a solutions/, a
#      grader/selftest/ and a labs/NN-name/hidden/ directory. A check that cannot fail is no check.
#   3. `make test` passes inside the student kit: its grader builds, every lab reads "not
#      started", every stub builds and links with its tests and scores 0 (about 50 s on two
#      busy cores; STUDENT_KIT_TEST=0 skips it).
set -u
grader=${1:-build/grader}
work=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-student-kit.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
ok() { echo "ok     $*"; }
fail() { echo "FAILED $*"; failed=$((failed + 1)); }

if ! sh grader/student-kit.sh "$work/kit" "$grader" >"$work/make.txt" 2>&1; then
    fail "make student-kit:"; cat "$work/make.txt"
    exit 1
fi
if sh grader/student/leak-check.sh "$work/kit" >"$work/clean.txt" 2>&1; then
    ok "the student kit holds no solution line and no instructor-only path"
else
    fail "the student kit leaks:"; cat "$work/clean.txt"
fi

# The leaks to plant: one secret line per solution file, in that lab's first public test file.
cp -R "$work/kit" "$work/planted"
sh grader/student/leak-check.sh --secret >"$work/secret.txt"
planted=0
for sol in solutions/*/*; do
    lab=$(basename "$(dirname "$sol")")
    target=$(find "$work/planted/labs/$lab/tests" -name '*.c' 2>/dev/null | sort | head -n 1)
    line=$(awk -F '\t' -v f="$sol" 'index($1, f ":") == 1 { print $2; exit }' "$work/secret.txt")
    if [ -z "$target" ] || [ -z "$line" ]; then
        continue
    fi
    printf '%s\n' "$line" >>"$target"
    echo "$target:$(wc -l <"$target"):" >>"$work/expect.txt"
    planted=$((planted + 1))
done
[ $planted -gt 0 ] || fail "no solution line could be planted (no solutions, or no public tests?)"
mkdir -p "$work/planted/solutions/05-queue" "$work/planted/grader/selftest"
first_lab=$(find "$work/planted/labs" -mindepth 1 -maxdepth 1 -type d | sort | head -n 1)
mkdir -p "$first_lab/hidden"
for p in solutions grader/selftest "labs/${first_lab##*/}/hidden"; do
    echo "$work/planted/$p:" >>"$work/expect.txt"
done

if sh grader/student/leak-check.sh "$work/planted" >"$work/planted.txt" 2>&1; then
    fail "leak-check.sh passed a student kit with planted leaks"
else
    missed=0
    while read -r want; do
        grep -qF "LEAK $want" "$work/planted.txt" || { echo "       not found: $want"; missed=1; }
    done <"$work/expect.txt"
    if [ $missed = 0 ]; then
        ok "leak-check.sh finds each of $planted planted solution lines and 3 instructor-only paths"
    else
        fail "leak-check.sh missed planted leaks; it said:"; cat "$work/planted.txt"
    fi
fi

if [ "${STUDENT_KIT_TEST:-1}" = 1 ]; then
    if (cd "$work/kit" && make -s test) >"$work/test.txt" 2>&1; then
        ok "make test passes inside the student kit"
    else
        fail "make test inside the student kit:"; cat "$work/test.txt"
    fi
fi
[ $failed = 0 ]
