#!/bin/sh
# grade-one.sh NAME DIR - grade one student of a class (grade-class.sh runs it, several at once).
#
# Copies the lab files the grader reads from DIR (regular files only) into a work folder, grades
# that copy with the grader under a wall-clock bound, and stores in $CLASS_OUT/students/:
#   NAME.json   the grader's JSON grade (absent when the student could not be graded)
#   NAME.notes  what the instructor should hear of, one line each (symbolic links, extra or
#               misplaced files, not a submission, the grader failing or taking too long)
#   NAME.files  the lab files graded, laid out like labs/, for the class report's similarity
#               (the copy the grade names is gone with the work folder)
#   NAME.key    the key (lib.sh) of the files graded, written last: a result counts only when
#               its key is there and matches. A failed grade's key is "retry": the next run
#               grades it again.
# Each file is written whole or not at all (lib.sh class_write). Prints one line when done:
# "NAME<TAB>graded|failed|not-a-submission<TAB>SCORE/MAX<TAB>SECONDS". Interrupted (TERM, INT,
# HUP), it stops the grader and stores nothing.
# The environment comes from grade-class.sh: CLASS_OUT, CLASS_KIT, CLASS_GRADER, CLASS_TOOL,
# CLASS_KIT_OBJECTS, CLASS_LABS, CLASS_ALL_DIRS, CLASS_KIT_KEY, CLASS_OPTIONS,
# CLASS_GRADER_ARGS, CLASS_TIMEOUT, CLASS_KEEP.
set -u
name=$1
dir=$2
. "$CLASS_KIT/grader/class/lib.sh"
students=$CLASS_OUT/students
work=$CLASS_OUT/.work/students/$name
sub=$work/sub/$name
# the build folder: a name without spaces (make), where the sandbox's uid can reach it
build=$CLASS_BUILD_ROOT/build/$(printf "%s" "$name" | sha256sum | cut -c1-16)
start=$(date +%s)
rm -rf "$work" "$build"
mkdir -p "$sub" "$CLASS_OUT/logs"
notes=$work/notes.txt
: >"$notes"
note() { echo "$*" >>"$notes"; }

# Store what this run found; the key last. Then say so on stdout and clean up.
finish() { # STATUS SCORE KEY
    rm -f "$students/$name.key" # first: until the new key is there, no result counts
    class_write "$students/$name.notes" <"$notes"
    rm -rf "$students/$name.files"
    [ "$1" != graded ] || mv "$work/sub/$name" "$students/$name.files"
    echo "$3" | class_write "$students/$name.key"
    [ "${CLASS_KEEP:-0}" != 0 ] || rm -rf "$work" "$build"
    printf '%s\t%s\t%s\t%s\n' "$name" "$1" "$2" $(($(date +%s) - start))
    exit 0
}

# Not a submission: none of the kit's lab folders. Say what is there instead.
is_submission=no
for d in $CLASS_ALL_DIRS; do
    [ -d "$dir/$d" ] && is_submission=yes && break
done
if [ $is_submission = no ]; then
    found=$(cd "$dir" 2>/dev/null && find . -maxdepth 3 -type f -name '*.c' | head -3 |
        sed 's|^\./||' | tr '\n' ' ' | sed 's/ $//')
    note "not a submission: no lab folder (such as ${CLASS_ALL_DIRS%% *}/)" \
        "in it${found:+; it holds $found}; lay it out like labs/" \
        "(e.g. $name/05-queue/queue.c) and run again"
    rm -f "$students/$name.json"
    finish not-a-submission "-" "$(class_key "$dir")"
fi

# The files the grader reads, copied; the rest looked at only to say what is off.
echo "$CLASS_LABS" | while read -r _id d stub; do
    [ -n "$d" ] || continue
    f=$dir/$d/$stub
    if [ -L "$dir/$d" ] || [ -L "$f" ]; then
        note "$d/$stub is a symbolic link, not graded: hand in the file itself"
    elif [ -f "$f" ]; then
        if [ -n "$(find "$f" -size +65536k)" ]; then
            note "$d/$stub is over 64 MB, not graded: hand in the source file only"
        else
            mkdir -p "$sub/$d" && cp "$f" "$sub/$d/$stub"
        fi
    elif [ -e "$f" ]; then
        note "$d/$stub is not a regular file, not graded: hand in the source file"
    else
        elsewhere=$(cd "$dir" && find . -maxdepth 4 -type f -name "$stub" | head -1 | sed 's|^\./||')
        [ -z "$elsewhere" ] ||
            note "$d/$stub is missing but $elsewhere is there: move it to $d/$stub (as handed" \
                "in, the lab scores 0)"
    fi
    if [ -d "$f" ] || [ ! -d "$dir/$d" ] || [ -L "$dir/$d" ]; then
        continue
    fi
    extra=$(cd "$dir/$d" && for x in * .[!.]*; do
        [ -e "$x" ] && [ "$x" != "$stub" ] && [ ! -e "$CLASS_KIT/labs/$d/$x" ] && printf '%s ' "$x"
    done)
    [ -z "$extra" ] ||
        note "extra files in $d/ not graded: ${extra% } (only $stub is: code elsewhere is not seen)"
done

key=$(class_key "$sub")
# Interrupted: stop the grader (timeout passes TERM on to it) and store nothing.
stopped=0
pid=""
trap 'stopped=1; [ -z "$pid" ] || kill -TERM $pid 2>/dev/null' INT TERM HUP
# shellcheck disable=SC2086 # CLASS_GRADER_ARGS is a list of options without spaces
timeout -k 30 "$CLASS_TIMEOUT" "$CLASS_GRADER" --kit="$CLASS_KIT" --submission="$sub" \
    --build-dir="$build" --kit-objects="$CLASS_KIT_OBJECTS" --format=json \
    $CLASS_GRADER_ARGS >"$work/grade.json" 2>"$work/grader.log" &
pid=$!
[ $stopped = 0 ] || kill -TERM $pid 2>/dev/null # a signal before $! was known
wait $pid
rc=$?
while kill -0 $pid 2>/dev/null; do
    wait $pid
    rc=$?
done
if [ $stopped = 1 ]; then
    rm -rf "$work" "$build"
    exit 130
fi

log=$CLASS_OUT/logs/$name.log
if [ $rc = 0 ] && "$CLASS_TOOL" check "$work/grade.json" 2>>"$work/grader.log"; then
    class_write "$students/$name.json" <"$work/grade.json"
    rm -f "$log"
    score=$(awk -F'[:,]' '$1 ~ /^  "score"/ { s = $2 + 0 }
        $1 ~ /^  "max_score"/ { print s "/" ($2 + 0); exit }' "$work/grade.json")
    finish graded "$score" "$key"
fi
cp "$work/grader.log" "$log"
if [ $rc = 124 ] || [ $rc = 137 ]; then
    note "not graded: the grader ran over ${CLASS_TIMEOUT}s and was stopped (its own per-check" \
        "bounds should have ended it first): grade it alone, make grade SUBMISSION=$dir, to" \
        "see which check hangs; the next run tries again"
elif [ $rc = 0 ]; then
    note "not graded: the grader's output was not a grade ($(tail -n 1 "$log"));" \
        "see logs/$name.log; the next run tries again"
else
    note "not graded: the grader failed (exit $rc: $(tail -n 1 "$log" | cut -c1-200));" \
        "see logs/$name.log; the next run tries again"
fi
rm -f "$students/$name.json"
finish failed "-" retry
