#!/bin/sh
# leak-check.sh - does a student kit hold anything of the solutions or of the instructor's tests?
# Usage: grader/student/leak-check.sh STUDENT_KIT   (run from the full kit's root)
# Prints each leak and exits 1; exits 0 when there is none.
#        grader/student/leak-check.sh --secret   prints the lines no student kit may hold
#        (FILE:LINE, a tab, the normalized line), for grader/student/check.sh to plant.
#
# 1. Paths: no path component named solutions, selftest or hidden, and no grader/tests or
#    grader/LABS.md (instructor material: mutants, variants, cheats, hidden tests, examples
#    that quote a solution).
# 2. Lines: no line of a file under solutions/ appears in any file of the student kit, unless
#    it is trivial or the kit gives it to students on purpose. Lines are compared normalized:
#    carriage returns dropped, each run of spaces and tabs made one space, both ends trimmed.
#    A line is TRIVIAL when it
#      (a) has no letter or digit: `}`, `};`, `{`, `*/`, blank;
#      (b) is a preprocessor line #include, #if, #ifdef, #ifndef, #elif, #else, #endif, #pragma;
#      (c) has fewer than five names (runs of letters, digits and underscores: identifiers,
#          numbers, and the words of a comment), such as `return err;`, `struct timespec t;`,
#          `pthread_join(tids[i], NULL);` or `pthread_mutex_lock(&q->lock);`: one call or one
#          declaration, which any C file (the grader's own code, a public test) may share with
#          a solution without telling anything;
#      (d) is a counting loop's header, `for (int i = 0; i < n; i++) {`, whatever the names.
#    A line is GIVEN when it is a line of a lab's stub or handout (labs/*/README.md) in the
#    full kit: the instructor wrote those for students, and the handouts quote the idioms the
#    solutions use (the deadline arithmetic, the lock and unlock of a worker loop).
#    What remains, about 350 lines of the eight labs' solutions, is a solution's logic and its
#    comments: none of it may appear anywhere in the student kit.
#    Hidden tests are kept out by their path only: built on the public tests' harness, they
#    share its idioms (the ITEM macro, a TL_CHECK's first line), which are no secret.
# grader/student/check.sh proves, on every make test, that this check finds a planted line.
set -eu
kit=${1:?usage: grader/student/leak-check.sh STUDENT_KIT | --secret}
[ -d solutions ] || { echo "leak-check.sh: run it from the full kit's root (no solutions/ here)" >&2; exit 2; }
mode=kit
if [ "$kit" = --secret ]; then
    mode=secret kit=/dev/null
elif [ ! -d "$kit" ]; then
    echo "leak-check.sh: no student kit at $kit" >&2
    exit 2
fi
leaks=0

bad_paths=""
[ $mode = kit ] && bad_paths=$(cd "$kit" && find . \( -name .git -prune \) -o \( -name solutions \
    -o -name selftest -o -name hidden -o -path ./grader/tests -o -path ./grader/LABS.md \) -print)
for p in $bad_paths; do
    echo "LEAK $kit/${p#./}: instructor-only material in the student kit"
    leaks=$((leaks + 1))
done

# The files whose lines are given: each lab's handout and stub (named in its lab.conf).
given=""
for conf in labs/*/lab.conf; do
    dir=${conf%/lab.conf}
    stub=$(awk '$1 == "stub" { print $2 }' "$conf")
    for f in "$dir/README.md" "$dir/$stub"; do
        [ -f "$f" ] && given="$given $f"
    done
done
solution_files=$(find solutions -type f | sort)
kit_files=""
[ $mode = kit ] && kit_files=$(find "$kit" -name .git -prune -o -type f -print | sort)

# shellcheck disable=SC2086 # the file lists are word lists: kit paths hold no spaces
found=$(awk '
    function norm(s) { gsub(/\r/, "", s); gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
    function trivial(s,    copy) {
        if (s !~ /[A-Za-z0-9]/) return 1
        if (s ~ /^# ?(include|if|ifdef|ifndef|elif|else|endif|pragma)([^A-Za-z0-9_]|$)/) return 1
        copy = s
        if (gsub(/[A-Za-z0-9_]+/, "", copy) < 5) return 1
        if (s ~ /^for \([A-Za-z_][A-Za-z0-9_ ]* [A-Za-z_][A-Za-z0-9_]* = 0; [A-Za-z_][A-Za-z0-9_]* < [^;]+; [A-Za-z_][A-Za-z0-9_]*\+\+\)( \{)?$/) return 1
        return 0
    }
    { line = norm($0) }
    phase == "given" { given[line] = 1; next }
    phase == "solutions" {
        if (!(line in given) && !trivial(line) && !(line in secret))
            secret[line] = FILENAME ":" FNR
        next
    }
    line in secret { printf "LEAK %s:%d: %s (from %s)\n", FILENAME, FNR, line, secret[line] }
    END { if (mode == "secret") for (line in secret) printf "%s\t%s\n", secret[line], line }
' mode=$mode phase=given $given phase=solutions $solution_files phase=kit $kit_files)
if [ $mode = secret ]; then
    echo "$found" | sort -t: -k1,1 -k2,2n
    exit 0
fi
if [ -n "$found" ]; then
    echo "$found"
    leaks=$((leaks + $(echo "$found" | wc -l)))
fi

if [ $leaks -gt 0 ]; then
    echo "leak-check: $leaks leaks in the student kit $kit"
    exit 1
fi
echo "leak-check: no solution line and no instructor-only path in $kit"
