# lib.sh - what grade-class.sh, grade-one.sh and merge.sh share (sourced, POSIX sh).
#
# A student's result is up to date when the key it was made with equals the key of the files
# the grader would read now. A key is text: one line naming the kit's version and the grading
# options, then sha256sum's line for each of the student's lab files that exists (the stub file
# lab.conf names, in the lab's folder), in the labs' order. Nothing else a student hands in is
# read by the grader, so nothing else is in the key.

# Is this student name one that cannot be a file name or a CSV cell without surprises: empty,
# hidden (leading dot), an option (leading dash), or holding a slash, a backslash or a control
# character (tab, newline)? Then sets why and returns 0. No subshell: it runs once per student.
# shellcheck disable=SC2034 # why is for the caller
class_bad_name() {
    case $1 in
    '') why="an empty name" ;;
    .* | -*) why="a name that starts with '${1%"${1#?}"}'" ;;
    */* | *\\*) why="a name with a slash or a backslash" ;;
    *[[:cntrl:]]*) why="a name with a tab, a line break or another control character" ;;
    *) return 1 ;;
    esac
    return 0
}

# The labs to grade, one "ID DIRNAME STUB" line each, in the kit's order: all of them, or those
# that $1 (a comma-separated list of ids or folder names) names. Exits on an unknown lab.
class_labs() { # GRADER KIT LABS
    "$1" --kit="$2" --list | while read -r _id _dir _rest; do
        _stub=$(awk '$1 == "stub" { print $2; exit }' "$2/labs/$_dir/lab.conf")
        echo "$_id $_dir $_stub"
    done | awk -v want="$3" '
        BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) if (w[i] != "") wanted[w[i]] = 1 }
        n == 0 || ($1 in wanted) || ($2 in wanted) { print; seen[$1] = seen[$2] = 1 }
        END {
            for (x in wanted) if (!(x in seen)) {
                print "grade-class: there is no lab \"" x "\" (build/grader --list shows them)" > "/dev/stderr"
                exit 2
            }
        }'
}

# The kit's version: a hash of everything that decides a grade (the labs' tests, stubs and
# lab.conf, include/, the grader's sources and support code) and of the grader binary itself.
# Handouts, the self-test and these scripts are left out: changing them changes no grade.
class_kit_key() { # GRADER KIT
    {
        (cd "$2" && find -H labs include grader -type f \
            ! -name '*.md' ! -name '*.o' ! -name '*.d' \
            ! -path 'grader/class/*' ! -path 'grader/selftest/*' ! -path 'grader/tests/*' \
            ! -path 'grader/student/*' ! -path 'grader/gradescope/*' |
            LC_ALL=C sort | xargs -d '\n' sha256sum)
        sha256sum <"$1"
    } | sha256sum | cut -c1-32
}

# The key of the submission in $1 (a directory laid out like labs/), for the labs in
# $CLASS_LABS, the kit $CLASS_KIT_KEY and the options $CLASS_OPTIONS. Only regular files are
# read, never through a symbolic link (a link to a file the instructor can read is no
# submission; a FIFO would hang sha256sum).
class_key() { # SUBMISSION
    echo "threadlab-class-key kit=$CLASS_KIT_KEY $CLASS_OPTIONS"
    files=$(echo "$CLASS_LABS" | while read -r _id _dir _stub; do
        [ -n "$_dir" ] || continue
        if [ -d "$1/$_dir" ] && [ ! -L "$1/$_dir" ] && [ -f "$1/$_dir/$_stub" ] &&
            [ ! -L "$1/$_dir/$_stub" ]; then
            echo "$_dir/$_stub"
        fi
    done)
    [ -z "$files" ] || (cd "$1" && echo "$files" | xargs -d '\n' sha256sum)
}

# Write stdin to $1 atomically: a temporary file beside it, renamed over it once complete, so
# that a kill at any moment leaves either the old file or the new one, never half of one.
class_write() { # FILE
    # a stop (grade-class kills its graders' whole group) may kill cat midway: no half file left
    cat >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1" || { rm -f "$1.tmp.$$"; return 1; }
}

# Can every user reach DIR (o+x on it and each folder above)? Root runs students' code as an
# unprivileged uid, which must reach its build folders (grader/main.c reachable_build_root).
class_reachable() { # DIR
    p=$1
    set --
    while [ -n "$p" ] && [ "$p" != / ]; do
        set -- "$@" "$p"
        p=${p%/*}
    done
    # the octal mode's last digit odd: o+x (%A would show the sticky /tmp's as "t")
    [ $# = 0 ] || [ -z "$(stat -c %a "$@" | grep -v '[13579]$')" ]
}

# The students of CLASS ("NAME<TAB>DIR" lines; DIR empty: nothing to grade) whose stored key
# in STUDENTS/NAME.key is not the key of their files now (or all with FORCE=1): "NAME\nDIR\n"
# each, for xargs. class_key's result for a whole class in a handful of processes (a re-run of
# 200 students takes seconds): the same files (regular, at most the 64 MB that grade-one.sh
# copies, in a folder that is no symbolic link), the same lines. Scratch files go beside CLASS.
class_changed() { # CLASS STUDENTS FORCE
    awk -F '\t' -v labs="$CLASS_LABS" '
        BEGIN { n = split(labs, line, "\n") }
        $2 != "" { for (i = 1; i <= n; i++) if (split(line[i], f, " ") == 3) {
                       print $2 "/" f[2]; print $2 "/" f[2] "/" f[3] } }' "$1" >"$1.paths"
    # what each path is, not following symbolic links; "directory" before the files in it
    LC_ALL=C xargs -r -d '\n' stat -c '%F	%s	%n' -- <"$1.paths" 2>/dev/null |
        awk -F '\t' '$1 == "directory" { dir[$3] = 1; next }
            $1 ~ /^regular/ && $2 <= 67108864 { d = $3; sub(/\/[^\/]*$/, "", d); if (d in dir) print $3 }' |
        xargs -r -d '\n' sha256sum -- >"$1.sums" 2>/dev/null
    awk -F '\t' -v labs="$CLASS_LABS" -v head="threadlab-class-key kit=$CLASS_KIT_KEY $CLASS_OPTIONS" \
        -v students="$2" -v force="$3" -v sums="$1.sums" '
        BEGIN {
            n = split(labs, line, "\n")
            while ((getline s < sums) > 0) hash[substr(s, 67)] = substr(s, 1, 64)
        }
        $2 != "" {
            want = head
            for (i = 1; i <= n; i++) if (split(line[i], f, " ") == 3) {
                p = $2 "/" f[2] "/" f[3]
                if (p in hash) want = want "\n" hash[p] "  " f[2] "/" f[3]
            }
            have = ""; k = students "/" $1 ".key"; sep = ""
            while ((getline s < k) > 0) { have = have sep s; sep = "\n" }
            close(k)
            if (force == 1 || have != want) print $1 "\n" $2
        }' "$1"
}

# The folder of a student's lab folders: DIR itself, or DIR/labs when DIR is a clone of a student
# kit (a Classroom repository, cloned by fetch.sh or downloaded into the class's folder) with no
# lab folder of its own at the top.
class_lab_root() { # DIR
    if [ -d "$1/labs" ] && [ ! -L "$1/labs" ]; then
        for _d in $CLASS_ALL_DIRS; do
            [ ! -d "$1/$_d" ] || { echo "$1"; return; }
        done
        echo "$1/labs"
    else
        echo "$1"
    fi
}
