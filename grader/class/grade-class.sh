#!/bin/sh
# grade-class.sh - grade a whole class (make grade-class SUBMISSIONS=... OUT=...).
#
# SUBMISSIONS is a folder holding a folder per student, each laid out like labs/
# (alice/05-queue/queue.c), or a file listing one student per line, "NAME GIT-URL [COMMIT]",
# cloned with git (fetch.sh). Every student is graded by the grader, several at once, each run
# bounded in time; a result is reused while the student's lab files and the kit are unchanged
# (lib.sh's key), so a re-run grades only what changed and a run killed midway resumes. Writes
# into OUT: students/NAME.json (the grader's grade), gradebook.csv (a column per lab),
# problems.txt (one line per student with a problem, saying what to do) and summary.txt.
#
# Settings (environment; the Makefile passes its variables of the same names):
#   LABS=id,...   the labs to grade (default: all)       SHARD=i/N  grade the i-th of N slices
#   JOBS=n        graders at a time (default: usable CPUs / GRADER_JOBS, at least 1)
#   GRADER_JOBS=n each grader's --jobs (default 1)       TIMEOUT=s  bound per student (1800)
#   SEED=n, RELEASE=1  passed to the grader              FORCE=1    ignore earlier results
#   KEEP=1        keep each student's work and build folders (OUT/.work)
#   KIT_OBJECTS=dir  where the kit's tests are compiled (default OUT/.work/kit/KIT-VERSION)
#   GRADER, CLASS_TOOL  the programs (default build/grader, build/class-gradebook)
# Exit status: 0 when every student has a result or a problem line that is theirs to fix; 1 on
# bad settings; 3 when some could not be graded (a grader failure or time-out: run again);
# 130 when interrupted (what was graded is kept: run the same command again to resume).
set -u
kit=$(pwd)
[ -f "$kit/grader/class/grade-class.sh" ] || {
    echo "grade-class: run it from the kit's root (make grade-class)" >&2
    exit 1
}
. "$kit/grader/class/lib.sh"
usage() {
    echo "grade-class: $*" >&2
    echo "usage: make grade-class SUBMISSIONS=dir-or-list OUT=dir [LABS=id,..] [JOBS=n]" \
        "[SHARD=i/N] [SEED=n] [RELEASE=1] [TIMEOUT=s] [FORCE=1]" >&2
    exit 1
}
submissions=${SUBMISSIONS:-}
out=${OUT:-}
[ -n "$submissions" ] && [ -n "$out" ] || usage "SUBMISSIONS and OUT are needed"
[ -e "$submissions" ] || usage "SUBMISSIONS=$submissions does not exist"
grader=${GRADER:-$kit/build/grader}
tool=${CLASS_TOOL:-$kit/build/class-gradebook}
# One lab at a time in each of as many graders as CPUs: the same load as two graders grading
# two labs at a time each, but one grader's build or slow lab no longer leaves a CPU idle
# (10 submissions: 400 s against 451 s, every mutant caught alike).
grader_jobs=${GRADER_JOBS:-1}
cpus=$(nproc 2>/dev/null || echo 1)
# a CPU quota (cgroup v2 cpu.max, as containers and CI runners set) counts as fewer CPUs
if [ -r /sys/fs/cgroup/cpu.max ] && read -r quota period </sys/fs/cgroup/cpu.max &&
    [ "$quota" != max ]; then
    [ $((quota / period)) -ge 1 ] && [ $((quota / period)) -lt "$cpus" ] && cpus=$((quota / period))
fi
jobs=${JOBS:-$((cpus / grader_jobs))}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
timeout_s=${TIMEOUT:-1800}
shard=${SHARD:-1/1}
case $shard in */*) ;; *) usage "SHARD=$shard: it should be i/N (SHARD=2/4)" ;; esac
shard_i=${shard%/*}
shard_n=${shard#*/}
[ "$shard_i" -ge 1 ] 2>/dev/null && [ "$shard_n" -ge "$shard_i" ] 2>/dev/null ||
    usage "SHARD=$shard: it should be i/N with 1 <= i <= N (SHARD=2/4)"
mkdir -p "$out/students" "$out/logs" "$out/.work" || usage "cannot create OUT=$out"
out=$(cd "$out" && pwd)
case $submissions in /*) ;; *) submissions=$kit/$submissions ;; esac

# One grade-class at a time on an OUT: the lock is held until every grader it started is gone.
exec 9>"$out/.lock"
flock -n 9 || {
    echo "grade-class: another grade-class is writing $out; wait for it or choose another OUT" >&2
    exit 1
}

labs=$(class_labs "$grader" "$kit" "${LABS:-}") || exit 1
[ -n "$labs" ] || usage "no lab to grade"
lab_ids=$(echo "$labs" | awk '{ printf "%s%s", sep, $1; sep = "," }')
grader_args="--lab=$lab_ids --jobs=$grader_jobs${SEED:+ --seed=$SEED}"
[ "${RELEASE:-0}" = 0 ] || grader_args="$grader_args --release"
kit_key=$(class_kit_key "$grader" "$kit")
export CLASS_OUT="$out" CLASS_KIT="$kit" CLASS_GRADER="$grader" CLASS_TOOL="$tool"
export CLASS_LABS="$labs" CLASS_KIT_KEY="$kit_key" CLASS_GRADER_ARGS="$grader_args"
export CLASS_OPTIONS="labs=$lab_ids seed=${SEED:-} release=${RELEASE:-0}"
CLASS_ALL_DIRS=$("$grader" --kit="$kit" --list | awk '{ printf "%s ", $2 }')
export CLASS_ALL_DIRS
export CLASS_TIMEOUT="$timeout_s" CLASS_KEEP="${KEEP:-0}"
# Where the graders build: in OUT (locked), so that shards never share a folder that one of
# them is still writing, whatever machines and file systems they run on; but when root grades
# into a folder the sandbox's uid cannot reach (under /root), in one of root's under /tmp
# named after OUT, as the grader itself does.
build_root=$out/.work
if [ "$(id -u)" = 0 ] && ! class_reachable "$out"; then
    build_root=${TMPDIR:-/tmp}/threadlab-class-$(echo "$out" | sha256sum | cut -c1-12)
    mkdir "$build_root" 2>/dev/null
    if [ -L "$build_root" ] || [ "$(stat -c %u:%a "$build_root" 2>/dev/null)" != 0:755 ]; then
        build_root=$(mktemp -d) && chmod 755 "$build_root" # not ours: a fresh one
    fi
fi
export CLASS_BUILD_ROOT="$build_root"
# The kit's compiled tests, one folder per kit version.
export CLASS_KIT_OBJECTS="${KIT_OBJECTS:-$build_root/kit/$kit_key}"

# The class: "NAME<TAB>DIR" lines in .work/class (DIR empty: nothing to grade, the student's
# notes say why), and problems that belong to no student in list-problems.txt.
: >"$out/list-problems.txt"
if [ -d "$submissions" ]; then
    for entry in "$submissions"/* "$submissions"/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=${entry##*/}
        case $name in .*) continue ;; esac # .git, .DS_Store: never a student
        if class_bad_name "$name"; then
            echo "$name: not graded, $why: rename the folder" >>"$out/list-problems.txt"
        elif [ -L "$entry" ]; then
            echo "$name: a symbolic link, not followed: put the student's folder itself there" \
                >>"$out/list-problems.txt"
        elif [ -d "$entry" ]; then
            printf '%s\t%s\n' "$name" "$(class_lab_root "$entry")"
        else
            echo "$name: a file, not a student's folder: unpack it into a folder named after" \
                "the student" >>"$out/list-problems.txt"
        fi
    done >"$out/.work/class.all"
else
    sh "$kit/grader/class/fetch.sh" --list "$submissions" >"$out/.work/class.all" \
        2>>"$out/list-problems.txt" || exit 1
fi
LC_ALL=C sort -u -o "$out/list-problems.txt" "$out/list-problems.txt"

# This shard's slice: the i-th of every N in the names' sorted order.
LC_ALL=C sort -t "$(printf '\t')" -k1,1 "$out/.work/class.all" |
    awk -F '\t' -v i="$shard_i" -v n="$shard_n" '(NR - 1) % n == i - 1' >"$out/.work/class"
cut -f1 "$out/.work/class" | class_write "$out/students.list"
echo "$shard_i $shard_n $kit_key $CLASS_OPTIONS" | class_write "$out/shard"
total=$(wc -l <"$out/.work/class")
[ "$total" -gt 0 ] || echo "grade-class: no student in $SUBMISSIONS${SHARD:+ (shard $shard)}" >&2
if [ ! -d "$submissions" ]; then
    # clone what this shard grades, where its list says (notes for those that fail)
    sh "$kit/grader/class/fetch.sh" --fetch "$submissions" <"$out/.work/class" \
        >"$out/.work/class.fetched" || exit 1
    mv "$out/.work/class.fetched" "$out/.work/class"
fi

# What changed since the last run (or was never graded): the rest is kept as it is.
class_changed "$out/.work/class" "$out/students" "${FORCE:-0}" >"$out/.work/todo"
todo=$(($(wc -l <"$out/.work/todo") / 2))
cached=$(($(cut -f2 "$out/.work/class" | grep -c .) - todo))
[ $cached = 0 ] || echo "grade-class: $cached of $total unchanged since they were graded: kept"

# The kit's tests, compiled once for every grader that follows (grader --kit-objects): by one
# grader alone first, as the graders that share them need (build.c's .built stamp).
warm_up() {
    need=no
    for d in $(echo "$labs" | awk '{ print $1 }'); do
        [ -f "$CLASS_KIT_OBJECTS/kit-$d/.built" ] || need=yes
    done
    [ $need = yes ] || return 0
    # an earlier kit version's objects are of no more use
    [ -n "${KIT_OBJECTS:-}" ] || find "$build_root/kit" -mindepth 1 -maxdepth 1 ! -name "$kit_key" \
        -exec rm -rf {} + 2>/dev/null
    echo "grade-class: compiling the kit's tests for $lab_ids"
    mkdir -p "$out/.work/warm-up"
    "$grader" --kit="$kit" --submission="$kit/labs" --lab="$lab_ids" --grade-stubs \
        --check=none:none --kit-objects="$CLASS_KIT_OBJECTS" --build-dir="$build_root/warm-up" \
        --format=json >"$out/.work/warm-up.json" 2>"$out/.work/warm-up.log"
    rm -rf "$build_root/warm-up"
    for d in $(echo "$labs" | awk '{ print $1 }'); do
        [ -f "$CLASS_KIT_OBJECTS/kit-$d/.built" ] || {
            echo "grade-class: the kit's tests for $d do not build: this is the kit's problem," \
                "not a student's; see $out/.work/warm-up.json" >&2
            exit 1
        }
    done
}

# Progress: a bar with an estimate of the time left on a terminal, else a line per student.
progress() {
    done_n=0
    begin=$(date +%s)
    while IFS="$(printf '\t')" read -r name status score secs; do
        done_n=$((done_n + 1))
        elapsed=$(($(date +%s) - begin))
        left=$((elapsed * (todo - done_n) / done_n))
        if [ -t 2 ]; then
            width=30
            fill=$((width * done_n / todo))
            bar=$(printf '%*s' $fill '' | tr ' ' '#')$(printf '%*s' $((width - fill)) '' | tr ' ' '.')
            printf '\r[%s] %d/%d graded, %dm%02ds left ' "$bar" $done_n $todo \
                $((left / 60)) $((left % 60)) >&2
            [ $done_n -lt $todo ] || echo >&2
        else
            echo "grade-class: [$done_n/$todo] $name: $status $score (${secs}s)"
        fi
    done
}

interrupted() {
    [ -z "${pool:-}" ] || kill -TERM "-$pool" 2>/dev/null
    wait
    echo "grade-class: interrupted; what was graded is kept: run the same command again to" \
        "resume" >&2
    exit 130
}
trap interrupted INT TERM HUP

if [ $todo -gt 0 ]; then
    warm_up
    echo "grade-class: grading $todo student(s), $jobs at a time"
    # In a session of its own, so that stopping this run stops every grade-one (each stops its
    # grader); -n 2: a name and a folder each, one per line, whatever spaces they hold. The
    # reader is in the background too: wait, unlike read, returns at once on a signal.
    rm -f "$out/.work/done" && mkfifo "$out/.work/done"
    setsid sh -c 'exec xargs -d "\n" -n 2 -P "$1" sh "$2/grader/class/grade-one.sh" <"$3"' \
        - "$jobs" "$kit" "$out/.work/todo" >"$out/.work/done" &
    pool=$!
    progress <"$out/.work/done" &
    wait $pool
    wait
fi
trap - INT TERM HUP

sh "$kit/grader/class/report.sh" "$out" "$lab_ids"
