#!/bin/sh
# merge.sh OUT SHARD-DIR... - one gradebook from the OUT folders of a class graded in shards
# (make merge-results OUT=dir SHARDS="dir1 dir2 ..."): their students/ copied into OUT, then
# report.sh writes gradebook.csv, problems.txt and summary.txt as an unsharded run would.
# Refused, saying which: shards of different kits, options or N, a shard missing or given
# twice, a student in two shards.
set -u
out=${1:?usage: merge.sh OUT SHARD-DIR...}
shift
kit=$(cd "$(dirname "$0")/../.." && pwd)
. "$kit/grader/class/lib.sh"
fail() {
    echo "merge-results: $*" >&2
    exit 1
}
[ $# -gt 0 ] || fail "no shard folders given (SHARDS=\"dir1 dir2 ...\")"
first=""
seen=" "
for d in "$@"; do
    [ -f "$d/shard" ] && [ -f "$d/students.list" ] ||
        fail "$d is not the OUT of a grade-class run (no shard and students.list in it)"
    read -r i n rest <"$d/shard"
    [ -n "$first" ] || first="$n $rest"
    [ "$n $rest" = "$first" ] ||
        fail "$d was graded as one of $n shards with \"$rest\", another as \"$first\": grade" \
            "every shard with the same kit and options"
    case $seen in *" $i "*) fail "shard $i/$n is given twice (again in $d)" ;; esac
    seen="$seen$i "
done
n=${first%% *}
k=1
while [ $k -le "$n" ]; do
    case $seen in *" $k "*) ;; *) fail "shard $k/$n is missing: its grades would be lost" ;; esac
    k=$((k + 1))
done

mkdir -p "$out/students" "$out/logs" "$out/.work"
out=$(cd "$out" && pwd)
for d in "$@"; do
    [ "$(cd "$d" && pwd)" != "$(cd "$out" && pwd)" ] || fail "OUT cannot be one of the shards"
done
: >"$out/.work/all"
for d in "$@"; do
    cat "$d/students.list" >>"$out/.work/all"
    # only the shard's own students: an earlier run's leftovers there are not its to give
    while IFS= read -r name; do
        rm -rf "$out/students/$name".json "$out/students/$name".notes \
            "$out/students/$name".key "$out/students/$name".fetch "$out/students/$name".files
        for f in "$d/students/$name".json "$d/students/$name".notes "$d/students/$name".key \
            "$d/students/$name".fetch; do
            [ ! -f "$f" ] || cp -p "$f" "$out/students/"
        done
        # the lab files graded, for the class report's similarity
        [ ! -d "$d/students/$name.files" ] || cp -pR "$d/students/$name.files" "$out/students/"
    done <"$d/students.list"
    [ ! -d "$d/logs" ] || cp -pR "$d/logs/." "$out/logs/"
done
dup=$(LC_ALL=C sort "$out/.work/all" | uniq -d | head -3 | tr '\n' ' ')
[ -z "$dup" ] || fail "students graded in two shards: $dup(shards of different class lists?)"
LC_ALL=C sort "$out/.work/all" | class_write "$out/students.list"
for d in "$@"; do cat "$d/list-problems.txt" 2>/dev/null; done | LC_ALL=C sort -u |
    class_write "$out/list-problems.txt"
echo "1 1 ${first#* }" | class_write "$out/shard"
labs=$(echo "$first" | sed -n 's/.*labs=\([^ ]*\).*/\1/p')
sh "$kit/grader/class/report.sh" "$out" "$labs"
