#!/bin/sh
# report.sh OUT LAB,LAB,... - the class's gradebook.csv, problems.txt and summary.txt, from
# what OUT/students/ holds for each student that OUT/students.list names (grade-class.sh and
# merge.sh run it). Prints the summary. Exit status 3 when some student is waiting for a retry
# (the grader failed or ran out of time), else 0.
set -u
out=$1
lab_ids=$2
kit=$(cd "$(dirname "$0")/../.." && pwd)
tool=${CLASS_TOOL:-$kit/build/class-gradebook}
. "$kit/grader/class/lib.sh"
s=$out/students
tab=$(printf '\t')

# "NAME<TAB>JSON" for the tool: JSON empty where the student has no grade.
while IFS= read -r name; do
    if [ -f "$s/$name.json" ] && [ -f "$s/$name.key" ]; then
        printf '%s\t%s\n' "$name" "$s/$name.json"
    else
        printf '%s\t\n' "$name"
    fi
done <"$out/students.list" >"$out/.work/report.list" 2>/dev/null || : >"$out/.work/report.list"

"$tool" csv "$lab_ids" <"$out/.work/report.list" | class_write "$out/gradebook.csv"

# One line per student: the notes of fetching and grading, then what the grade says. One awk
# reads every student's files (a shell loop would start a process per student).
{
    awk -F '\t' -v s="$s" '{
        name = $1; text = ""; sep = ""
        for (i = 1; i <= 2; i++) {
            f = s "/" name (i == 1 ? ".fetch" : ".notes")
            while ((r = getline line < f) > 0) if (line != "") { text = text sep line; sep = "\t" }
            if (i == 1) fetched = r >= 0
            close(f)
        }
        k = s "/" name ".key"
        if ((getline key < k) < 0 && !fetched) text = "not graded yet (an interrupted run?): run grade-class again"
        close(k)
        n = split(text, part, "\t")
        for (i = 1; i <= n; i++) print name "\t" part[i]
    }' "$out/.work/report.list"
    "$tool" problems <"$out/.work/report.list"
} | awk -F '\t' '
    !($1 in text) { order[++n] = $1; text[$1] = $2; next }
    { text[$1] = text[$1] "; " $2 }
    END { for (i = 1; i <= n; i++) print order[i] ": " text[order[i]] }' |
    LC_ALL=C sort >"$out/.work/problems"
cat "$out/list-problems.txt" "$out/.work/problems" 2>/dev/null | class_write "$out/problems.txt"

retry=$(awk -v s="$s" '{ k = s "/" $0 ".key"; if ((getline key < k) > 0 && key == "retry") n++
    close(k) } END { print n + 0 }' "$out/students.list")
students=$(wc -l <"$out/students.list")
graded=$(grep -c "$tab." "$out/.work/report.list")
problems=$(wc -l <"$out/problems.txt")
{
    echo "students: $students, graded: $graded, not graded: $((students - graded))"
    echo "problems: $problems line(s) in $out/problems.txt"
    [ $retry = 0 ] || echo "waiting for a retry (grader failed or ran out of time): $retry"
    # the lab columns counted from the right: a quoted name may hold commas
    awk -F, 'NR == 1 { cols = NF - 1; for (k = 1; k <= cols; k++) head[k] = $(k + 1); next }
        $NF != "" { m++; for (k = 1; k <= cols; k++) sum[k] += $(NF - cols + k) }
        END { if (m) { printf "mean of %d graded:", m
                       for (k = 1; k <= cols; k++) printf " %s %.1f", head[k], sum[k] / m
                       print "" } }' "$out/gradebook.csv"
    echo "gradebook: $out/gradebook.csv; grades: $out/students/NAME.json"
} | class_write "$out/summary.txt"
cat "$out/summary.txt"
head -n 20 "$out/problems.txt"
[ "$problems" -le 20 ] || echo "... and $((problems - 20)) more in $out/problems.txt"
[ $retry = 0 ] || exit 3
exit 0
