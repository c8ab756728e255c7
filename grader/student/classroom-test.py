#!/usr/bin/env python3
"""classroom-test.py - the student kit's GitHub Classroom workflow, tested offline.

Usage: grader/student/classroom-test.py STUDENT_KIT [SUBMISSION]
  (grader/student/check.sh runs it, on a kit whose labs/ a student edited in place, as on
  GitHub; the kit's build/grader must be built)

1. Its shape: the workflow parses as YAML; it runs on push; its steps are the checkout, `run`
   steps, one classroom-resources/autograding-command-grader@v1 step per check of every lab
   (test-name, command, timeout, max-score: that check's points, from the handout's table), and
   last the autograding-grading-reporter@v1 whose `runners` are exactly those steps' ids, each
   with its ID_RESULTS variable holding that step's result output, as the reporter reads them.
2. Its totals: each `run` step runs here as GitHub runs it (bash -e, in the kit, with
   GITHUB_STEP_SUMMARY a file; SUBMISSION, if given, graded instead of the kit's labs/);
   then each command step's command, earning its max-score on exit 0 as the command grader
   does. The points earned and the points possible must equal the grade's JSON (the file the
   workflow wrote), lab by lab and in all, and the summary page must show that total. The
   submission must pass some checks and fail others, or the test would prove nothing.
Prints one line per finding and "N failed"; exits 1 if any.
"""
import json
import os
import re
import subprocess
import sys

import yaml

COMMAND = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
COMMAND_INPUTS = {"test-name", "setup-command", "command", "timeout", "max-score"}


def main():
    kit = sys.argv[1]
    submission = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    failures = []
    with open(os.path.join(kit, ".github/workflows/classroom.yml")) as f:
        doc = yaml.safe_load(f)
    # YAML 1.1 reads a bare `on` key as True: the workflow quotes it, as GitHub's own do
    on = doc.get("on")
    if not on or "push" not in on:
        failures.append("the workflow does not run on push")
    jobs = doc.get("jobs", {})
    if len(jobs) != 1:
        failures.append("the workflow has %d jobs, not 1" % len(jobs))
    steps = next(iter(jobs.values()))["steps"]
    if not steps[0].get("uses", "").startswith("actions/checkout@"):
        failures.append("the first step is not actions/checkout")
    runs = [s for s in steps if "run" in s]
    commands = [s for s in steps if s.get("uses") == COMMAND]
    reporter = steps[-1]
    if reporter.get("uses") != REPORTER:
        failures.append("the last step is not %s" % REPORTER)
    ids = [s.get("id", "") for s in commands]
    if len(set(ids)) != len(ids) or not all(re.fullmatch(r"[a-z][a-z0-9-]*", i) for i in ids):
        failures.append("the command steps' ids are not unique lowercase words: %s" % ids)
    for s in commands:
        w = s.get("with", {})
        if set(w) - COMMAND_INPUTS or not {"test-name", "command", "max-score"} <= set(w):
            failures.append("step %s has inputs %s" % (s.get("id"), sorted(w)))
        if not isinstance(w.get("max-score"), int) or w["max-score"] <= 0:
            failures.append("step %s: max-score %r" % (s.get("id"), w.get("max-score")))
    runners = reporter.get("with", {}).get("runners", "").split(",")
    if runners != ids:
        failures.append("the reporter's runners are not the command steps, in order")
    env = reporter.get("env", {})
    for i in ids:
        want = "${{steps.%s.outputs.result}}" % i
        if env.get(i.upper() + "_RESULTS") != want:
            failures.append("the reporter has no %s_RESULTS = %s" % (i.upper(), want))

    # Run it here.
    summary = os.path.join(kit, "build", "step-summary.md")
    os.makedirs(os.path.dirname(summary), exist_ok=True)
    open(summary, "w").close()
    environ = dict(os.environ, GITHUB_STEP_SUMMARY=summary)
    environ.pop("SUBMISSION", None)
    if submission:
        environ["SUBMISSION"] = submission
    for s in runs:
        r = subprocess.run(["bash", "-e", "-c", s["run"]], cwd=kit, env=environ,
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures.append("step '%s' failed (%d): %s" % (s["name"], r.returncode, r.stderr[-2000:]))
    grade_file = os.path.join(kit, "build", "classroom.json")
    try:
        with open(grade_file) as f:
            grade = json.load(f)
    except (OSError, ValueError) as e:
        failures.append("the workflow wrote no grade: %s" % e)
        return report(failures)
    earned, possible = {}, {}
    for s in commands:
        lab = s["with"]["test-name"].split()[0]
        r = subprocess.run(["bash", "-c", s["with"]["command"]], cwd=kit, env=environ,
                           capture_output=True, text=True)
        possible[lab] = possible.get(lab, 0) + s["with"]["max-score"]
        earned[lab] = earned.get(lab, 0) + (s["with"]["max-score"] if r.returncode == 0 else 0)
    for lab in grade["labs"]:
        got = (earned.get(lab["id"], 0), possible.get(lab["id"], 0))
        if got != (lab["score"], lab["max_score"]):
            failures.append("%s: the workflow's steps give %d/%d, the JSON %d/%d" %
                            (lab["id"], got[0], got[1], lab["score"], lab["max_score"]))
    total = (sum(earned.values()), sum(possible.values()))
    print("workflow: %d command steps give %d/%d; FORMAT=json: %d/%d" %
          (len(commands), total[0], total[1], grade["score"], grade["max_score"]))
    if total != (grade["score"], grade["max_score"]):
        failures.append("the totals differ")
    if not 0 < total[0] < total[1]:
        failures.append("the submission passed all or nothing (%d/%d): nothing was proven" % total)
    with open(summary) as f:
        page = f.read()
    if "| **Total** | **%d/%d** |" % (grade["score"], grade["max_score"]) not in page:
        failures.append("the summary page does not show the total:\n" + page[:1500])
    return report(failures)


def report(failures):
    for f in failures:
        print("FAILED " + f)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
