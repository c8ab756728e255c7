#!/bin/sh
# classroom.sh - write a student kit's GitHub Classroom workflow (.github/workflows/classroom.yml)
# to stdout. Usage: grader/student/classroom.sh KIT [GRADER]   (grader/student-kit.sh runs it)
#
# Classroom's command grader gives a step its max-score when its command exits 0, else nothing;
# so that the points are the grader's, the workflow grades once (make grade FORMAT=json), then
# has one command step per check, worth the check's points, that reads that grade and exits 0
# only if the check passed (grader --from --check --fail-below-full). The reporter adds them up:
# its total is the JSON's. The run's summary page gets the same feedback as the terminal
# (--format=markdown). Hidden checks are not in a student kit: the summary says their points.
# Action inputs as of classroom-resources/autograding-command-grader@v1 (test-name, command,
# timeout in minutes, max-score) and autograding-grading-reporter@v1 (runners, and for each
# runner ID an environment variable ID_RESULTS holding its step's result output).
set -eu
kit=${1:?usage: grader/student/classroom.sh KIT [GRADER]}
grader=${2:-build/grader}
grade=build/classroom.json

cat <<'EOF'
# classroom.yml - GitHub Classroom autograding for threadlab (written by make student-kit).
# Grades every lab once on each push, shows the feedback on the run's summary page, and gives
# GitHub Classroom one result per check, worth that check's points.
name: Autograding Tests
"on":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 90
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Grade every lab (make grade)
        run: mkdir -p build && make -s grade FORMAT=json > build/classroom.json
      - name: Feedback on the summary page
        if: always()
        run: build/grader --from=build/classroom.json --format=markdown >> "$GITHUB_STEP_SUMMARY"
EOF

runners=""
checks=$(mktemp "${TMPDIR:-/tmp}/classroom.XXXXXX")
trap 'rm -f "$checks"' EXIT
for id in $("$grader" --kit="$kit" --list | awk '{ print $1 }'); do
    # the handout's table (the same in every kit): "| `kind:name` | points | ... |"
    "$grader" --kit="$kit" --table="$id" | awk -F '|' '$2 ~ /^ `[a-z]+:[A-Za-z0-9_]+` $/ {
            gsub(/[ `]/, "", $2); gsub(/ /, "", $3); print $2, $3 }' >"$checks"
    while read -r check points; do
        step=$(echo "$id-$check" | tr ':_' '--')
        runners="$runners${runners:+,}$step"
        cat <<EOF
      - name: "$id $check"
        id: $step
        if: always()
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "$id $check"
          command: "build/grader --from=$grade --lab=$id --check=$check --fail-below-full"
          timeout: 1
          max-score: $points
EOF
    done <"$checks"
done

cat <<'EOF'
      - name: Autograding Reporter
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
EOF
for step in $(echo "$runners" | tr ',' ' '); do
    echo "          $(echo "$step" | tr '[:lower:]' '[:upper:]')_RESULTS: \"\${{steps.$step.outputs.result}}\""
done
cat <<EOF
        with:
          runners: $runners
EOF
