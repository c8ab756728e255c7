#!/bin/sh
# setup.sh - Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu):
# install what threadlab needs and build the grader, so that each submission only grades.
set -eu
cd /autograder/source
sh grader/setup.sh
make build/grader
