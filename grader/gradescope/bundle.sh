#!/bin/sh
# bundle.sh OUT [LAB] - Gradescope's autograder bundle: setup.sh and run_autograder at the root,
# beside the kit without its solutions and self-test (its hidden tests stay: this bundle is the
# instructor's). LAB: the lab this assignment grades (one Gradescope assignment per lab), else
# every lab. OUT ending in .zip is zipped, else it is the bundle's directory (make test's).
set -eu
out=$1
lab=${2:-}
kit=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
cp -R "$kit/Makefile" "$kit/include" "$kit/labs" "$kit/grader" "$tree/"
[ -f "$kit/README.md" ] && cp "$kit/README.md" "$tree/"
rm -rf "$tree/grader/selftest" "$tree/grader/tests"
cp "$kit/grader/gradescope/setup.sh" "$kit/grader/gradescope/run_autograder" "$tree/"
chmod +x "$tree/setup.sh" "$tree/run_autograder"
if [ -n "$lab" ]; then
    grep -qs "^id *$lab\$" "$tree"/labs/*/lab.conf || { echo "bundle.sh: no lab '$lab'" >&2; exit 2; }
    echo "$lab" > "$tree/gradescope.lab"
fi
case $out in
*.zip)
    command -v zip >/dev/null || {
        echo "bundle.sh: zip is not installed: sudo apt-get install -y zip" >&2
        exit 1
    }
    rm -f "$out"
    abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
    (cd "$tree" && zip -qr "$abs" .)
    ;;
*)
    rm -rf "$out"
    mkdir -p "$out"
    cp -R "$tree/." "$out/"
    ;;
esac
echo "bundle.sh: wrote $out${lab:+ (lab $lab)}" >&2
