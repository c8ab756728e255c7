#!/bin/sh
# student-kit.sh - write the repository students get (make student-kit OUT=dir).
# Usage: grader/student-kit.sh OUT [GRADER]   (run from the kit's root; GRADER: build/grader)
#
# What goes in is listed, never what stays out: every labs/NN-name/ folder as it is (handout,
# stub, lab.conf, public tests) except its hidden/ tests, include/, the grader's sources, its
# support code and set-up, the Makefile, a README for students and the GitHub Classroom
# workflow. Never solutions/, grader/selftest/ (mutants, variants, cheats), grader/tests/,
# grader/LABS.md (its examples quote a solution) or any labs/*/hidden/.
# grader/student/leak-check.sh proves it: make test fails if a solution line gets in.
set -eu
out=${1:?usage: grader/student-kit.sh OUT [GRADER]}
grader=${2:-build/grader}
[ -f grader/student-kit.sh ] || { echo "student-kit.sh: run it from the kit's root" >&2; exit 2; }

# OUT is made afresh, keeping only its .git (a course's template repository is regenerated in
# place); a directory that is not a student kit made here is refused, never emptied.
if [ -e "$out" ]; then
    if find "$out" -mindepth 1 -maxdepth 1 ! -name .git | grep -q . &&
        [ ! -f "$out/.threadlab-student-kit" ]; then
        echo "student-kit.sh: $out exists and is not a student kit; choose a new directory" >&2
        exit 2
    fi
    find "$out" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
fi
mkdir -p "$out/labs" "$out/include" "$out/grader/support" "$out/grader/student" \
    "$out/.github/workflows"

cp Makefile .clang-format .gitignore "$out/"
cp include/*.h "$out/include/"
cp grader/*.c grader/*.h grader/setup.sh grader/update-tables.sh "$out/grader/"
cp grader/support/*.c grader/support/*.h "$out/grader/support/"
cp grader/student/test.sh "$out/grader/student/"

# Every lab, whatever its number, so that a new lab needs no change here.
for dir in labs/[0-9]*-*/; do
    dir=${dir%/}
    [ -f "$dir/lab.conf" ] || continue
    mkdir -p "$out/$dir"
    for f in "$dir"/* "$dir"/.[!.]*; do
        [ -e "$f" ] || continue
        case ${f##*/} in
        hidden) ;; # instructor-only: the student kit says only how many points it holds
        *) cp -R "$f" "$out/$dir/" ;;
        esac
    done
    # Build leftovers never travel
    find "$out/$dir" \( -name '*.o' -o -name '*.d' \) -exec rm -f {} +
    # The stub as handed out, which make test grades (grader/student/test.sh): the one in labs/
    # is the student's work as soon as they start.
    stub=$(awk '$1 == "stub" { print $2; exit }' "$dir/lab.conf")
    mkdir -p "$out/grader/student/stubs/${dir#labs/}"
    cp "$dir/$stub" "$out/grader/student/stubs/${dir#labs/}/"
done

# The student README: the kit's README without its instructor and developer sections, then
# the student part (grader/student/README.md) with the points of every lab.
awk '/^## / { skip = ($0 ~ /^## (Instructor workflow|For instructors|For kit developers)/) }
     !skip' README.md >"$out/README.md"
{
    echo
    cat grader/student/README.md
    echo
    echo "| Lab | Id | Points graded by make grade | Points in hidden tests |"
    echo "|---|---|---:|---:|"
    # grader --list: "ID NN-name POINTS points HIDDEN hidden TITLE"
    "$grader" --kit="$out" --list |
        awk '{ printf "| `labs/%s` | `%s` | %d | %d |\n", $2, $1, $3, $5 }'
} >>"$out/README.md"

sh grader/student/classroom.sh "$out" "$grader" >"$out/.github/workflows/classroom.yml"

echo "made by grader/student-kit.sh: a threadlab student kit (no solutions, no hidden tests)" \
    >"$out/.threadlab-student-kit"
echo "student kit written to $out"
