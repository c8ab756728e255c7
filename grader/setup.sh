#!/bin/sh
# setup.sh - make sure this Debian or Ubuntu machine has what threadlab needs, installing it
# when allowed (root, or passwordless sudo); otherwise print the one command to run.
# Usage: grader/setup.sh [--check] [--instructor]
#   --check       report only, never install
#   --instructor  also the instructor's tools, which make class-report and make gradescope
#                 (and the full kit's make test) use and a student never needs: gnuplot
#                 (plots), sim_c (similarity-tester), zip (the Gradescope bundle), and python3
#                 with PyYAML, which make test parses the Classroom workflow with. make grade
#                 and make check never ask for them.
set -u

packages="gcc libc6-dev make binutils pkg-config valgrind libjansson-dev libexpat1-dev git"
# Criterion builds the grader's own unit tests (grader/tests/), which only the full kit has: a
# student kit does not ask for it and the two dozen packages it pulls in.
[ -d "$(dirname "$0")/tests" ] && packages="$packages libcriterion-dev"
# Instructor-only: "package:command", the command being what the report runs (any gnuplot will
# do, gnuplot-nox is the one without a display); python3-yaml (and with it python3) parses the
# student kit's Classroom workflow in make test (grader/student/classroom-test.py).
instructor="gnuplot-nox:gnuplot similarity-tester:sim_c zip:zip python3-yaml"

check=no
for arg in "$@"; do
    case $arg in
    --check) check=yes ;;
    --instructor) packages="$packages ${instructor}" ;;
    *) echo "usage: grader/setup.sh [--check] [--instructor]" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "threadlab: this machine has no dpkg: threadlab's set-up supports Debian and Ubuntu." >&2
    echo "Install by hand: a C compiler (gcc), make, binutils, pkg-config, Criterion, Valgrind," >&2
    echo "jansson and expat (with their development headers), and git." >&2
    exit 1
fi

missing=""
for p in $packages; do
    case $p in
    *:*) command -v "${p#*:}" >/dev/null 2>&1 || missing="$missing ${p%%:*}" ;;
    *) dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
        missing="$missing $p" ;;
    esac
done
missing=${missing# }
[ -z "$missing" ] && exit 0

command="apt-get install -y --no-install-recommends $missing"
if [ "$check" != yes ]; then
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo"
    else
        sudo="none"
    fi
    if [ "$sudo" != none ]; then
        echo "threadlab: installing $missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        if $sudo apt-get update -qq >&2 && $sudo $command >&2; then
            exit 0
        fi
        echo "threadlab: the installation failed (see apt-get's messages above)." >&2
        exit 1
    fi
fi
echo "threadlab needs packages that are not installed: $missing" >&2
echo "Install them with this one command, then run make again:" >&2
echo "" >&2
if command -v sudo >/dev/null 2>&1; then
    echo "    sudo apt-get update && sudo $command" >&2
else # a minimal Debian has no sudo: root's password, then
    echo "    su -c 'apt-get update && $command'" >&2
fi
echo "" >&2
exit 1
