#!/bin/sh
# test.sh GRADER - make test's proof of make grade-class, on a small class made of the kit's own
# files, two quick labs (threads, tls):
#   alice  both labs' solutions                  bob    the stubs, untouched
#   carol  tls does not compile, an extra file   eve    a symbolic link and a FIFO as lab files
#   notes  no lab folder (not a submission)      o"neil, j  a name a CSV must quote (stubs)
#   kate   a clone of her student kit (labs/ inside): the threads stub, the tls solution
#   dave.zip  a file, not a folder
# A first run is killed once alice is graded; the second resumes (the graders it starts are
# counted: none for alice); the gradebook's rows and the problem lines are checked; a third
# run grades nothing; when carol hands in the stub instead, a fourth grades her alone. Then
# two shards, one run as the Slurm script runs it, the other with the GitHub workflow's own
# command, merged from what the workflow uploads, give the same gradebook and problems; on a
# terminal, a progress bar. A list of git repositories (a local file:// one): a name listed
# twice, a URL that does not clone. Fake graders that hang, fail and print garbage: each
# bounded, reported, retried, and the batch goes on.
set -u
grader=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
kit=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp" # the sandbox's uid builds in here when root runs the test
trap 'rm -rf "$tmp"' EXIT
cd "$kit" || exit 1
say() { echo "grade-class test: $*"; }
began=$(date +%s)
step() { say "step $1 at $(($(date +%s) - began))s"; }
failed=0
# one compilation of the kit's tests for every run here (each OUT has its own by default)
export KIT_OBJECTS="$tmp/kit-objects"
fail() {
    say "FAILED: $*"
    failed=1
}
[ -x build/class-gradebook ] || { say "build/class-gradebook is not built"; exit 1; }

# The grader, counted: each grading of a student appends its submission's name to calls.
cat >"$tmp/grader" <<EOF
#!/bin/sh
sub=
for a; do case \$a in --submission=*) sub=\${a#--submission=} ;; esac; done
case \$sub in */sub/*) echo "\${sub##*/}" >>"$tmp/calls" ;; esac
[ -z "\${REPLAY:-}" ] || case \$sub in */sub/*) exec cat "\$REPLAY/\${sub##*/}.json" ;; esac
case \${sub##*/} in
hang) sleep 300 & echo \$! >"$tmp/hang.child"; sleep 300 ;;
crash) echo "grader: something broke" >&2; exit 3 ;;
garbage) printf '\\001\\377 not json'; exit 0 ;;
esac
exec "$grader" "\$@"
EOF
chmod +x "$tmp/grader"
calls() { # the students graded since the last call, sorted, on one line
    sort "$tmp/calls" 2>/dev/null | tr '\n' ' '
    : >"$tmp/calls"
}
grade() { # OUT [VAR=value...]: grade-class on the class in $tmp/class
    o=$1
    shift
    env GRADER="$tmp/grader" SUBMISSIONS="$tmp/class" OUT="$o" LABS=threads,tls JOBS=1 "$@" \
        sh grader/class/grade-class.sh >"$tmp/log" 2>&1
}

c=$tmp/class
mkdir -p "$c/alice/01-threads" "$c/alice/09-tls" "$c/bob/01-threads" "$c/bob/09-tls" \
    "$c/carol/01-threads" "$c/carol/09-tls" "$c/eve/01-threads" "$c/eve/09-tls" "$c/notes/src" \
    "$c/o\"neil, j/01-threads"
cp solutions/01-threads/threads.c "$c/alice/01-threads/"
cp solutions/09-tls/tls.c "$c/alice/09-tls/"
cp labs/01-threads/threads.c "$c/bob/01-threads/"
cp labs/09-tls/tls.c "$c/bob/09-tls/"
cp labs/01-threads/threads.c "$c/carol/01-threads/"
{ cat solutions/09-tls/tls.c; echo "int broken(void) { return }"; } >"$c/carol/09-tls/tls.c"
echo "int helper;" >"$c/carol/09-tls/helper.c"
ln -s /etc/passwd "$c/eve/01-threads/threads.c"
mkfifo "$c/eve/09-tls/tls.c"
cp solutions/05-queue/queue.c "$c/notes/src/"
cp labs/01-threads/threads.c "$c/o\"neil, j/01-threads/"
mkdir -p "$c/kate/labs/01-threads" "$c/kate/labs/09-tls" "$c/kate/grader"
cp labs/01-threads/threads.c "$c/kate/labs/01-threads/"
cp solutions/09-tls/tls.c "$c/kate/labs/09-tls/"
cp README.md "$c/kate/" && cp grader/markup.c "$c/kate/grader/"
echo "not a folder" >"$c/dave.zip"

# 1. Killed once alice is graded; nothing half-written; every grader it started is gone.
out=$tmp/out
env GRADER="$tmp/grader" SUBMISSIONS="$c" OUT="$out" LABS=threads,tls JOBS=1 \
    sh grader/class/grade-class.sh >"$tmp/log" 2>&1 &
run=$!
n=0
while [ ! -f "$out/students/alice.key" ] && [ $n -lt 300 ]; do
    sleep 0.5
    n=$((n + 1))
done
kill -TERM $run
wait $run
rc=$?
[ $rc = 130 ] || fail "a killed run exited $rc, not 130: $(tail -n 3 "$tmp/log")"
flock -w 60 "$out/.lock" true || fail "a killed run left graders running a minute later"
[ -z "$(find "$out/students" -name '*.tmp.*')" ] || fail "a killed run left half-written files"
done_before=$(cd "$out/students" && ls ./*.key | sed 's|^\./||; s|\.key$||' | sort | tr '\n' ' ')
first=$(calls)
case $done_before in alice*) ;; *) fail "the killed run had not kept alice's grade" ;; esac

step "2"
# 2. Resumed: only what the killed run had not finished.
grade "$out"
rc=$?
[ $rc = 0 ] || fail "the resumed run exited $rc: $(tail -n 5 "$tmp/log")"
resumed=$(calls)
for s in alice bob carol eve kate "o\"neil, j"; do
    case " $done_before" in *" $s "*) want=0 ;; *) want=1 ;; esac
    case " $resumed" in *" $s "*) got=1 ;; *) got=0 ;; esac
    [ $got = $want ] || fail "after the kill ($done_before kept), $s graded $got times on resuming"
done
say "killed after $first-> kept $done_before; resumed: $resumed"

cat >"$tmp/want.csv" <<'EOF'
student,threads,tls,total
alice,100,100,200
bob,0,0,0
carol,0,0,0
eve,0,0,0
kate,0,100,100
notes,,,
"o""neil, j",0,0,0
EOF
diff "$tmp/want.csv" "$out/gradebook.csv" >"$tmp/diff" || fail "gradebook.csv: $(cat "$tmp/diff")"
p=$out/problems.txt
expect() { # PATTERN WHAT: a line of problems.txt matches
    grep -q "$1" "$p" || fail "problems.txt has no line for $2 ($1)"
}
expect '^dave.zip: a file, not a student.s folder' "a file instead of a folder"
expect '^bob: every lab is still the kit.s stub' "a student who handed in the stubs"
expect '^carol: extra files in 09-tls/ not graded: helper.c' "an extra file"
expect '^carol: .*tls not graded (0 points): 09-tls/tls.c does not compile.*error: expected' \
    "a file that does not compile"
expect '^eve: 01-threads/threads.c is a symbolic link, not graded' "a symbolic link"
expect '^eve: .*09-tls/tls.c is not a regular file' "a FIFO"
expect '^notes: not a submission: no lab folder.*it holds src/queue.c' "a folder that is no submission"
! grep -q '^alice' "$p" || fail "problems.txt has a line for alice, who has no problem"
grep -q passwd "$out/students/eve.json" && fail "eve's grade quotes the file her link points to"
expect "^o\"neil, j: tls not handed in (0 points)$" "a missing file"
[ "$(wc -l <"$p")" = 6 ] || fail "problems.txt has $(wc -l <"$p") lines, not 6: $(cat "$p")"

# The class page compares what was graded: each grade's lab files are kept beside it
# (NAME.files), the grader's own copy being gone. tls: alice's and kate's solution, and carol's,
# one line longer.
if build/class-report --kit=. --results="$out/students" --out="$tmp/page" >"$tmp/log" 2>&1; then
    grep -q 'is missing: left out of the similarity' "$tmp/page/class.html" &&
        fail "the class page lost submissions: $(grep -o '[a-z]*: the submission directory [^<]*' \
            "$tmp/page/class.html" | head -n 2)"
    grep -q '3 files compared; 3 pairs' "$tmp/page/class.html" ||
        fail "the class page did not compare the tls of alice, carol and kate"
else
    fail "class-report failed: $(tail -n 3 "$tmp/log")"
fi

step "3"
# 3. Nothing changed: nothing graded. 4. carol hands in the tls stub instead: only carol.
grade "$out" || fail "the third run failed: $(tail -n 3 "$tmp/log")"
[ -z "$(calls)" ] || fail "a run with nothing changed graded again"
grep -q "7 of 7 unchanged" "$tmp/log" || fail "a run with nothing changed did not say so"
cp labs/09-tls/tls.c "$c/carol/09-tls/tls.c"
grade "$out" || fail "the fourth run failed: $(tail -n 3 "$tmp/log")"
[ "$(calls)" = "carol " ] || fail "after carol's change, not only carol was graded"
grep -q "^carol: .*every lab is still the kit.s stub" "$out/problems.txt" &&
    ! grep -q "does not compile" "$out/problems.txt" || fail "carol's new tls: $(grep carol "$out/problems.txt")"

# The kit's version changes with a test of the kit, not with a handout.
mkdir -p "$tmp/kit" && cp -R labs include grader "$tmp/kit/"
. grader/class/lib.sh
k1=$(class_kit_key "$grader" "$tmp/kit")
echo "more" >>"$tmp/kit/labs/09-tls/README.md"
[ "$(class_kit_key "$grader" "$tmp/kit")" = "$k1" ] || fail "a handout's change changed the kit's key"
echo "/* more */" >>"$tmp/kit/labs/09-tls/tests/$(ls "$tmp/kit/labs/09-tls/tests" | head -1)"
[ "$(class_kit_key "$grader" "$tmp/kit")" != "$k1" ] || fail "a test's change left the kit's key"

step "5"
# 5. Two shards: shard 1 as the Slurm script runs it, shard 2 with the workflow's command; what
# the workflow uploads, merged, is the unsharded run's gradebook and problems. What is tested
# here is the slicing and the merging, not the grader again: a grader that replays each
# student's grade from the unsharded run stands in for it (REPLAY).
wf=grader/class/grade-class.yml
export REPLAY="$out/students"
(
    export GRADER="$tmp/grader" SUBMISSIONS="$c" OUT="$tmp/slurm" LABS=threads,tls
    SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2 \
        SLURM_SUBMIT_DIR="$kit" SLURM_CPUS_PER_TASK=2 sh grader/class/grade-class.slurm
) >"$tmp/log" 2>&1 || fail "the Slurm script's task 1 failed: $(tail -n 3 "$tmp/log")"
run=$(sed -n 's/^ *run: \(make grade-class .*\)$/\1/p' $wf)
matrix=$(sed -n 's/^ *shard: \[\(.*\)\]$/\1/p' $wf | tr -d ' ')
[ "$matrix" = "$(seq -s, 1 "$(sed -n 's/^  SHARDS: \([0-9]*\).*/\1/p' $wf)")" ] ||
    fail "the workflow's matrix ($matrix) is not 1..SHARDS"
run=$(echo "$run" | sed 's/\${{ matrix.shard }}/2/; s/\${{ inputs.submissions }}/$SUBMISSIONS/;
    s/\${{ inputs.labs }}/$LABS/')
mkdir -p "$tmp/gh"
(cd "$tmp/gh" && rm -f Makefile && ln -s "$kit/Makefile" . && ln -s "$kit/grader" "$kit/build" \
    "$kit/labs" "$kit/include" .)
(
    cd "$tmp/gh" && export GRADER="$tmp/grader" SUBMISSIONS="$c" LABS=threads,tls SHARDS=2 &&
        eval "$run"
) >"$tmp/log" 2>&1 || fail "the workflow's grading command failed: $run: $(tail -n 3 "$tmp/log")"
# what upload-artifact keeps of each shard, where download-artifact puts it
paths=$(awk '/name: shard-/ { on = 1; next } on && /path: \|/ { p = 1; next }
    p && /^ *out\// { sub(/^ *out\//, ""); print; next } p { exit }' $wf)
[ -n "$paths" ] || fail "the workflow's upload step lists no path"
for s in 1 2; do
    from=$tmp/slurm/shard-1
    [ $s = 1 ] || from=$tmp/gh/out
    mkdir -p "$tmp/shards/shard-$s"
    for x in $paths; do
        [ ! -e "$from/$x" ] || cp -R "$from/$x" "$tmp/shards/shard-$s/"
    done
done
merge=$(sed -n 's/^ *run: \(make merge-results .*\)$/\1/p' $wf)
(cd "$tmp/gh" && rm -rf shards && cp -R "$tmp/shards" . && eval "$merge") >"$tmp/log" 2>&1 ||
    fail "the workflow's merge command failed: $merge: $(tail -n 3 "$tmp/log")"
diff "$out/gradebook.csv" "$tmp/gh/class/gradebook.csv" >"$tmp/diff" ||
    fail "sharded and unsharded gradebooks differ: $(cat "$tmp/diff")"
sed "s|$out/|OUT/|g" "$out/problems.txt" >"$tmp/p1"
sed "s|$tmp/slurm/shard-1/|OUT/|g; s|$tmp/gh/out/|OUT/|g; s|$tmp/gh/class/|OUT/|g" \
    "$tmp/gh/class/problems.txt" >"$tmp/p2"
diff "$tmp/p1" "$tmp/p2" >"$tmp/diff" || fail "sharded and unsharded problems differ: $(cat "$tmp/diff")"
n1=$(wc -l <"$tmp/slurm/shard-1/students.list")
n2=$(wc -l <"$tmp/gh/out/students.list")
[ $n1 -gt 0 ] && [ $n2 -gt 0 ] && [ $((n1 + n2)) = 7 ] || fail "shards of $n1 and $n2 students, not 7"
sh grader/class/merge.sh "$tmp/m2" "$tmp/shards/shard-1" >/dev/null 2>&1 &&
    fail "a merge with a shard missing was not refused"
[ "$(calls)" = "alice bob carol eve kate o\"neil, j " ] || fail "the two shards did not grade each student once"
# On a terminal (script gives the run one), a bar with the time left instead of a line each.
script -qec "env GRADER='$tmp/grader' SUBMISSIONS='$c' OUT='$tmp/tty' LABS=threads,tls \
    sh grader/class/grade-class.sh" /dev/null </dev/null >"$tmp/log" 2>&1
grep -q "\[#*\.*\] 3/7 graded, [0-9]*m[0-9]*s left" "$tmp/log" &&
    grep -q "\[#\{30\}\] 7/7 graded" "$tmp/log" && ! grep -q "grade-class: \[1/7\]" "$tmp/log" ||
    fail "no progress bar on a terminal: $(tr '\r' '\n' <"$tmp/log" | head -n 8)"
calls >/dev/null

step "6"
unset REPLAY
# 6. A list of git repositories: a name listed twice, a URL that does not clone.
git init -q "$tmp/repo" && mkdir -p "$tmp/repo/labs/01-threads" &&
    cp labs/01-threads/threads.c "$tmp/repo/labs/01-threads/" &&
    git -C "$tmp/repo" add -A && git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -qm 1
commit=$(git -C "$tmp/repo" rev-parse HEAD)
printf '%s\n' "# the class" "frank file://$tmp/repo $commit" "gina file://$tmp/nowhere $commit" \
    "frank file://$tmp/repo" >"$tmp/class.txt"
env GRADER="$tmp/grader" SUBMISSIONS="$tmp/class.txt" OUT="$tmp/git" LABS=threads,tls \
    sh grader/class/grade-class.sh >"$tmp/log" 2>&1 || fail "the git class: $(tail -n 3 "$tmp/log")"
p=$tmp/git/problems.txt
expect '^frank: listed again on line 4 of class.txt' "a name listed twice"
expect '^gina: not graded: git could not fetch' "a URL that does not clone"
grep -q '^frank,0,0,0$' "$tmp/git/gradebook.csv" && grep -q '^gina,,,$' "$tmp/git/gradebook.csv" ||
    fail "the git class's gradebook: $(cat "$tmp/git/gradebook.csv")"
[ "$(calls)" = "frank " ] || fail "the git class: not only frank was graded"

step "7"
# 7. A grader that hangs, one that fails, one that prints garbage: bounded, reported, retried.
c=$tmp/bad
for s in hang crash garbage; do
    mkdir -p "$c/$s/01-threads" && cp labs/01-threads/threads.c "$c/$s/01-threads/"
done
start=$(date +%s)
env GRADER="$tmp/grader" SUBMISSIONS="$c" OUT="$tmp/bad-out" LABS=threads JOBS=3 TIMEOUT=2 \
    sh grader/class/grade-class.sh >"$tmp/log" 2>&1
rc=$?
[ $rc = 3 ] || fail "a class with failed grades exited $rc, not 3"
[ $(($(date +%s) - start)) -lt 60 ] || fail "a hanging grader held the batch over a minute"
child=$(cat "$tmp/hang.child" 2>/dev/null)
# gone, or a zombie that init has yet to reap
state=$(sed -n "s/.*) \(.\).*/\1/p" "/proc/$child/stat" 2>/dev/null)
[ -n "$child" ] && { [ -z "$state" ] || [ "$state" = Z ]; } || fail "the hanging grader's child still runs"
p=$tmp/bad-out/problems.txt
expect '^hang: not graded: the grader ran over 2s' "a grader that hangs"
expect '^crash: not graded: the grader failed (exit 3: grader: something broke)' "a grader that fails"
expect '^garbage: not graded: the grader.s output was not a grade' "a grader's garbage"
[ "$(calls)" = "crash garbage hang " ] || fail "not every bad student was graded once"
env GRADER="$tmp/grader" SUBMISSIONS="$c" OUT="$tmp/bad-out" LABS=threads JOBS=3 TIMEOUT=2 \
    sh grader/class/grade-class.sh >"$tmp/log" 2>&1
[ "$(calls)" = "crash garbage hang " ] || fail "failed grades were not retried"

[ $failed = 0 ] && say "passed" || say "FAILED"
exit $failed
