#!/bin/sh
# check.sh - make test's check of the student kit, both ways (run from the full kit's root).
# Usage: grader/student/check.sh [GRADER]
#   1. grader/student-kit.sh builds a student kit into a temporary directory, and
#      grader/student/leak-check.sh must find nothing in it;
#   2. a copy with planted leaks must fail it, naming every one: the first secret line of each
#      lab's solution appended to that lab's public test file, and a solutions/, a
#      grader/selftest/ and a labs/NN-name/hidden/ directory. A check that cannot fail is no check.
#   3. `make test` passes inside the student kit, one of whose labs a student has started (and
#      that does not compile yet): its grader builds, every lab's stub as handed out reads "not
#      started", builds and links with its tests and scores 0;
#   4. its GitHub Classroom workflow, tested offline (grader/student/classroom-test.py).
# 3 and 4 take about two minutes on two busy cores; STUDENT_KIT_TEST=0 skips them.
set -u
grader=${1:-build/grader}
work=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-student-kit.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Root's graders move a build their sandbox uid cannot reach (under mktemp's 0700 folders) to
# TMPDIR: inside this one, so that nothing of the test stays behind.
chmod 755 "$work"
export TMPDIR="$work"
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
    # a student's work in progress, which make test must leave alone: it checks the kit
    echo "not C yet" >>"$work/kit/labs/01-threads/threads.c"
    if (cd "$work/kit" && make -s test) >"$work/test.txt" 2>&1; then
        ok "make test passes inside the student kit (a lab started there, and not compiling)"
    else
        fail "make test inside the student kit:"; cat "$work/test.txt"
    fi
fi
# 4. The GitHub Classroom workflow, offline: its shape, and its steps run here on the kit with
#    one lab edited in place to pass some checks and fail others (the threads lab with the
#    mutant ignore_task_error): their points must add up to the grade's JSON.
if [ "${STUDENT_KIT_TEST:-1}" = 1 ] && python3 -c 'import yaml' 2>/dev/null; then
    selftest=$(dirname "$grader")/selftest
    if [ -x "$selftest" ] && "$selftest" --kit=. --only=01-threads/mutants/ignore_task_error \
        --apply-only="$work/patched" >/dev/null 2>&1; then
        # edited in place, as a student does and as GitHub grades it
        cp "$work/patched/01-threads/mutants/ignore_task_error.c" "$work/kit/labs/01-threads/threads.c"
        if python3 grader/student/classroom-test.py "$work/kit" >"$work/ci.txt" 2>&1; then
            ok "the Classroom workflow's steps, run here: $(head -n 1 "$work/ci.txt")"
        else
            fail "the Classroom workflow:"; cat "$work/ci.txt"
        fi
    else
        fail "cannot apply grader/selftest/01-threads/mutants/ignore_task_error.patch with $selftest"
    fi
elif [ "${STUDENT_KIT_TEST:-1}" = 1 ]; then
    # no YAML parser here: at least one command step per check, and the reporter reads them all
    yml="$work/kit/.github/workflows/classroom.yml"
    steps=$(grep -c 'uses: classroom-resources/autograding-command-grader@v1' "$yml")
    runners=$(awk '/runners:/ { print $2 }' "$yml" | tr ',' '\n' | grep -c .)
    if [ "$steps" -gt 0 ] && [ "$steps" = "$runners" ]; then
        ok "the Classroom workflow has $steps command steps, all reported (no PyYAML: not run)"
    else
        fail "the Classroom workflow has $steps command steps and $runners runners"
    fi
fi
[ $failed = 0 ]
