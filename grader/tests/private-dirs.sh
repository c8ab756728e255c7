#!/bin/sh
# private-dirs.sh GRADER - make test's proof that root grades where the sandbox's uid cannot
# reach (a kit cloned in /root, as on a fresh machine): the build directory and the kit's
# objects shared through --kit-objects (as the self-test and grade-class share them) both move
# under TMPDIR, and a second grader reusing the first one's objects scores the solution too.
# Only root drops to another uid; anyone else has nothing to prove here, and is told so.
set -u
grader=$1
kit=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "private-dirs test: $*"; }
[ "$(id -u)" = 0 ] || { say "skipped (not root: every command runs as you)"; exit 0; }
private=$(mktemp -d) # 0700: out of the sandbox uid's reach
moved=$(mktemp -d)
chmod 755 "$moved"
trap 'rm -rf "$private" "$moved"' EXIT
mkdir -p "$private/sub/09-tls"
cp "$kit/solutions/09-tls/tls.c" "$private/sub/09-tls/"
failed=0
for n in 1 2; do
    TMPDIR=$moved "$grader" --kit="$kit" --submission="$private/sub" --lab=tls --format=json \
        --kit-objects="$private/objects" --build-dir="$private/build-$n" >"$private/out.json" \
        2>"$private/err.txt"
    if ! grep -q '"score": 100,' "$private/out.json"; then
        say "FAILED: grader $n did not score the solution 100:"
        grep -o '"problem": "[^"]*"' "$private/out.json" | head -n 3
        cat "$private/err.txt"
        failed=1
    fi
done
[ -z "$(ls -A "$private/objects" 2>/dev/null)" ] || { say "FAILED: kit objects left out of reach"; failed=1; }
[ $failed = 0 ] && say "passed (build directories and kit objects moved to TMPDIR)"
exit $failed
