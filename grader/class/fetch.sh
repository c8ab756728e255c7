#!/bin/sh
# fetch.sh - a class given as a list of git repositories (grade-class.sh runs it).
#
# fetch.sh --list FILE: reads lines "NAME GIT-URL [COMMIT]" (blank lines and # comments
#   skipped) and prints "NAME<TAB>URL<TAB>COMMIT<TAB>NOTE" for each student, the first line of
#   a name kept and the note saying which later lines were not graded. Lines that name no
#   usable student go to stderr, one line each, saying what to fix.
# fetch.sh --fetch FILE: reads those lines on stdin (one shard's), clones each repository into
#   $CLASS_OUT/clones/NAME at its commit (reused while the URL and commit are the same; with no
#   commit, cloned afresh every run) and prints "NAME<TAB>DIR", DIR the clone's labs/ (a
#   student kit) or the clone itself, and empty when it could not be cloned. What the
#   instructor should hear of goes to $CLASS_OUT/students/NAME.fetch.
# git never asks for a password (a private repository fails at once) and each clone is bounded
# in time. Needs git (sudo apt-get install -y git).
set -u
kit=$(cd "$(dirname "$0")/../.." && pwd)
. "$kit/grader/class/lib.sh"
tab=$(printf '\t')
mode=$1
list=$2

if [ "$mode" = --list ]; then
    set -f # a line is split into fields, never expanded as a pattern
    n=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        # shellcheck disable=SC2086 # split the line into its fields
        set -- $line
        case ${1:-#} in '#'*) continue ;; esac
        if [ $# -lt 2 ] || [ $# -gt 3 ]; then
            echo "${list##*/} line $n: not graded, \"$line\" is not NAME GIT-URL [COMMIT]: fix the line" >&2
        elif class_bad_name "$1"; then
            echo "${list##*/} line $n: not graded, $why: give the student a plain name" >&2
        else
            case $2 in -*)
                echo "${list##*/} line $n: not graded, a URL that starts with '-': fix the line" >&2
                continue ;;
            esac
            case ${3:-} in -* | *[!0-9A-Za-z._/-]*)
                echo "${list##*/} line $n: not graded, \"$3\" is not a commit: fix the line" >&2
                continue ;;
            esac
            printf "%s\t%s\t%s\t%s\n" "$1" "$2" "${3:--}" "$n" # "-": none
        fi
    done <"$list" |
        # one submission per name: the first line's; the note says which lines were not graded
        awk -F "\t" -v list="${list##*/}" '
            !($1 in url) { order[++k] = $1; url[$1] = $2; commit[$1] = $3; first[$1] = $4; next }
            { dup[$1] = dup[$1] "\037listed again on line " $4 " of " list " (" $2 " " $3 "), not graded: line " first[$1] " (" url[$1] " " commit[$1] ") was; give each submission its own name, or delete the line that is not this student'"'"'s" }
            END { for (i = 1; i <= k; i++) { x = order[i]; print x "\t" url[x] "\t" commit[x] "\t" substr(dup[x], 2) } }'
    exit 0
fi

# --fetch
command -v git >/dev/null 2>&1 || {
    echo "grade-class: a list of repositories needs git: sudo apt-get install -y git" >&2
    exit 1
}
clones=$CLASS_OUT/clones
mkdir -p "$clones"
while IFS="$tab" read -r name url commit note; do
    [ "$commit" != - ] || commit=""
    fetch_note=$CLASS_OUT/students/$name.fetch
    # (no process for a student with nothing to note: a re-run of 200 takes seconds)
    if [ -n "$note" ]; then
        printf "%s\n" "$note" | tr "\037" "\n" | class_write "$fetch_note"
    elif [ -s "$fetch_note" ] || [ ! -e "$fetch_note" ]; then
        : >"$fetch_note"
    fi
    dest=$clones/$name
    want="$url ${commit:-(default branch)}"
    have=""
    [ ! -f "$dest.fetched" ] || read -r have <"$dest.fetched"
    if [ -n "$commit" ] && [ -d "$dest" ] && [ "$have" = "$want" ]; then
        :
    else
        rm -rf "$dest.tmp" "$dest.fetched"
        if GIT_TERMINAL_PROMPT=0 GIT_SSH_COMMAND='ssh -o BatchMode=yes' \
            timeout -k 10 600 git clone --quiet --no-checkout -- "$url" "$dest.tmp" \
            >"$dest.log" 2>&1 &&
            { git -C "$dest.tmp" rev-parse --quiet --verify "${commit:-HEAD}^{commit}" >/dev/null ||
                { echo "fatal: there is no commit $commit in it" >>"$dest.log" && false; }; } &&
            git -C "$dest.tmp" checkout --quiet --detach "${commit:-HEAD}" >>"$dest.log" 2>&1; then
            rm -rf "$dest" && mv "$dest.tmp" "$dest" && echo "$want" >"$dest.fetched"
            rm -f "$dest.log"
        else
            why=$( (grep "^fatal:" "$dest.log" || cat "$dest.log") | head -n 1 | cut -c1-200)
            rm -rf "$dest.tmp" "$dest"
            {
                [ -z "$note" ] || printf "%s\n" "$note" | tr "\037" "\n"
                echo "not graded: git could not fetch $want ($why): check the URL and commit," \
                    "and that the repository is public or readable by this account; the next" \
                    "run tries again"
            } | class_write "$fetch_note"
            rm -f "$CLASS_OUT/students/$name.json" "$CLASS_OUT/students/$name.key"
            printf '%s\t\n' "$name"
            continue
        fi
    fi
    printf '%s\t%s\n' "$name" "$(class_lab_root "$dest")"
done
