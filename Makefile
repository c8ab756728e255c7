# threadlab: `make grade` grades your labs, `make check LAB=id` is the quick loop while you work,
# `make test` is the kit's own self-test (what CI runs). See README.md.
# The same Makefile serves a student kit (make student-kit OUT=dir), which has no grader/selftest:
# there `make test` checks that the kit works (grader/student/test.sh) and `make soak` is refused.

SUBMISSION ?=
LAB ?=
SEED ?=
# FORMAT=text (default), json, markdown, gradescope, junit or html: see build/grader --help
# and README.md, "Output formats".
FORMAT ?= text
CHECK ?=
RELEASE ?=
OUT ?=

BUILD := build
CC := gcc
CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g
GRADER_SRC := $(wildcard grader/*.c)
GRADER_HDR := $(wildcard grader/*.h)
GRADER_LIBS := -ljansson -lexpat
UNIT_TESTS := $(patsubst grader/tests/%.c,$(BUILD)/unit/%,$(wildcard grader/tests/test_*.c))

GRADE_ARGS := $(if $(SUBMISSION),--submission=$(SUBMISSION)) $(if $(LAB),--lab=$(LAB)) \
	$(if $(SEED),--seed=$(SEED)) $(if $(CHECK),--check=$(CHECK)) --format=$(FORMAT) \
	$(if $(filter-out 0,$(RELEASE)),--release)

# Root in a clone that another user owns (`sudo make grade`): install what is missing as root,
# then do the rest as the clone's owner, so that build/ holds nothing they cannot use, rebuild
# or remove. `make setup` and `make clean` stay root's.
OWNER_UID := $(shell stat -c %u .)
ifeq ($(shell id -u):$(filter 0,$(OWNER_UID)),0:)
AS_OWNER := setpriv --reuid=$(OWNER_UID) --regid=$(shell stat -c %g .) \
	$(if $(shell getent passwd $(OWNER_UID)),--init-groups,--clear-groups)
OWNER_GOALS := $(filter-out setup clean,$(or $(MAKECMDGOALS),all))

.PHONY: $(OWNER_GOALS) as-owner setup clean
$(OWNER_GOALS): as-owner
	@:
as-owner:
	@sh grader/setup.sh $(if $(filter class-report grade-class merge-results gradescope test,$(OWNER_GOALS)),--instructor)
	@$(AS_OWNER) $(MAKE) --no-print-directory $(OWNER_GOALS)
setup:
	@sh grader/setup.sh
clean:
	rm -rf $(BUILD)
else

.PHONY: all grade check test soak setup clean format tables student-kit gradescope grade-class \
	merge-results class-report
all: $(BUILD)/grader

# A build directory you cannot write (left by root with an older kit): say which and what to run.
WRITABLE = @test ! -e $(@D) -o -w $(@D) || { printf '%s\n    %s\n' \
	"threadlab: you cannot write $(abspath $(@D)) (a run as root left it). Remove it, then run make again:" \
	"sudo rm -rf $(abspath $(BUILD))" >&2; exit 1; }

# Installs what is missing (root or passwordless sudo), else prints the one command to run.
setup:
	@sh grader/setup.sh

$(BUILD)/.setup-done: grader/setup.sh
	$(WRITABLE)
	@sh grader/setup.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/grader: $(GRADER_SRC) $(GRADER_HDR) | $(BUILD)/.setup-done
	$(WRITABLE)
	$(CC) $(CFLAGS) $(GRADER_SRC) $(GRADER_LIBS) -o $@

# The class at a glance (grader/report/): instructor-only, with tools a student never needs
# (gnuplot, sim_c), which grader/setup.sh --instructor installs.
REPORT_SRC := $(wildcard grader/report/*.c) grader/util.c grader/text.c grader/markup.c \
	grader/labconf.c

$(BUILD)/class-report: $(REPORT_SRC) grader/report/report.h $(GRADER_HDR) | $(BUILD)/.setup-done
	$(WRITABLE)
	$(CC) $(CFLAGS) -Igrader $(REPORT_SRC) -ljansson -o $@

$(BUILD)/.setup-instructor-done: grader/setup.sh
	$(WRITABLE)
	@sh grader/setup.sh --instructor
	@mkdir -p $(BUILD) && touch $@

SELFTEST_SRC := grader/selftest/selftest.c grader/selftest/patch.c grader/util.c grader/labconf.c

$(BUILD)/selftest: $(SELFTEST_SRC) grader/selftest/patch.h $(GRADER_HDR) | $(BUILD)/.setup-done
	$(WRITABLE)
	$(CC) $(CFLAGS) $(SELFTEST_SRC) $(GRADER_LIBS) -o $@

# The self-test's patch reader is not part of the grader.
$(BUILD)/unit/test_patch: grader/tests/test_patch.c grader/selftest/patch.c grader/selftest/patch.h \
		grader/util.c grader/util.h | $(BUILD)/.setup-done
	$(WRITABLE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Igrader $< grader/selftest/patch.c grader/util.c -lcriterion -o $@

# test_emitters runs the grader too (--from=FILE --format=X for every format), test_host to
# grade as a host with fewer CPUs would.
$(BUILD)/unit/test_emitters $(BUILD)/unit/test_host: $(BUILD)/grader
# test_report runs build/class-report, which draws with gnuplot and compares with sim_c.
$(BUILD)/unit/test_report: $(BUILD)/class-report $(BUILD)/.setup-instructor-done

$(BUILD)/unit/test_%: grader/tests/test_%.c $(filter-out grader/main.c,$(GRADER_SRC)) $(GRADER_HDR) | $(BUILD)/.setup-done
	$(WRITABLE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Igrader $< $(filter-out grader/main.c,$(GRADER_SRC)) $(GRADER_LIBS) -lcriterion -o $@

grade: $(BUILD)/grader
	@$(BUILD)/grader --kit=. $(GRADE_ARGS)

check: $(BUILD)/grader
	@$(BUILD)/grader --kit=. --quick $(GRADE_ARGS)

# make test grades the solutions RUNS times among everything else; make soak grades only them,
# SOAK times in a row (CI runs both: flakiness is a bug, and a rare one needs many runs to show).
RUNS ?= 1
SOAK ?= 10
ifneq ($(wildcard grader/selftest/selftest.c),)
# First the student kit: built into a temporary directory, it must hold no line of a solution
# (grader/student/check.sh proves it finds planted ones); then the Gradescope bundle, run in a
# fake /autograder tree; then make grade-class on a small class (grader/class/test.sh); then
# root's grading where its uid for student code cannot reach (grader/tests/private-dirs.sh);
# then the self-test, whatever they said (grader/tests/make-test.sh, which ends with a summary).
test: $(BUILD)/grader $(BUILD)/selftest $(BUILD)/class-gradebook $(BUILD)/class-report $(UNIT_TESTS)
	@sh grader/tests/make-test.sh $(BUILD)/grader $(BUILD)/selftest --kit=. --runs=$(RUNS) \
		$(addprefix --unit=,$(UNIT_TESTS))

soak: $(BUILD)/grader $(BUILD)/selftest
	@$(BUILD)/selftest --kit=. --soak --runs=$(SOAK)

# Gradescope's autograder bundle (grader/gradescope/): LAB= for an assignment of one lab.
gradescope: $(BUILD)/grader
	@test -n "$(OUT)" || { echo "usage: make gradescope OUT=file.zip [LAB=id]" >&2; exit 2; }
	$(INSTRUCTOR_TOOLS)
	@sh grader/gradescope/bundle.sh "$(OUT)" $(LAB)

# The class at a glance: OUT/class.html from RESULTS/NAME.json (README.md, "For instructors").
class-report: $(BUILD)/class-report $(BUILD)/.setup-instructor-done
	@test -n "$(RESULTS)" -a -n "$(OUT)" || { echo "usage: make class-report RESULTS=dir OUT=dir" >&2; exit 2; }
	@$(BUILD)/class-report --kit=. --results="$(RESULTS)" --out="$(OUT)"

# The repository students get: see grader/student-kit.sh for what goes in.
student-kit: $(BUILD)/grader
	@test -n "$(OUT)" || { echo "usage: make student-kit OUT=dir" >&2; exit 2; }
	@sh grader/student-kit.sh "$(OUT)" $(BUILD)/grader

# A class: a folder of student folders or a list of git repositories, graded into OUT (a
# gradebook, each student's grade, a line per problem); SHARD=i/N grades a slice, merge-results
# joins the slices. See grader/class/grade-class.sh for the settings, README "Grading a class".
CLASS_VARS = SUBMISSIONS="$(SUBMISSIONS)" OUT="$(OUT)" LABS="$(LABS)" SEED="$(SEED)" \
	RELEASE="$(RELEASE)"

$(BUILD)/class-gradebook: grader/class/gradebook.c | $(BUILD)/.setup-done
	$(WRITABLE)
	$(CC) $(CFLAGS) $< -ljansson -o $@

# Both end with the class at a glance (OUT/class.html), whatever the grading's status.
CLASS_PAGE = $(BUILD)/class-report --kit=. --results="$(OUT)/students" --out="$(OUT)" || true

# Grading a class needs only what make grade needs. The instructor's tools draw and compare on
# its page, which says what it lacks without them: installed when allowed, else only named (a
# Slurm node or a shared server grades all the same).
INSTRUCTOR_TOOLS = @sh grader/setup.sh --instructor || echo "threadlab: going on without them;" \
	"class.html says what it could not draw or compare." >&2

grade-class: $(BUILD)/grader $(BUILD)/class-gradebook $(BUILD)/class-report
	$(INSTRUCTOR_TOOLS)
	@$(CLASS_VARS) sh grader/class/grade-class.sh; status=$$?; $(CLASS_PAGE); exit $$status

merge-results: $(BUILD)/class-gradebook $(BUILD)/class-report
	@test -n "$(OUT)" -a -n "$(SHARDS)" || \
		{ echo "usage: make merge-results OUT=dir SHARDS=\"dir1 dir2 ...\"" >&2; exit 2; }
	$(INSTRUCTOR_TOOLS)
	@sh grader/class/merge.sh "$(OUT)" $(SHARDS); status=$$?; $(CLASS_PAGE); exit $$status
else
test: $(BUILD)/grader
	@sh grader/student/test.sh $(BUILD)/grader

soak:
	@echo "make soak is instructor-only: it grades the reference solutions, which a student kit" \
		"does not have. make test checks that this kit works; make grade grades your labs." >&2
	@exit 2

student-kit:
	@echo "make student-kit is instructor-only: this is a student kit already." >&2
	@exit 2

grade-class merge-results:
	@echo "make $@ is instructor-only: grade a class with the instructor's kit (its hidden" \
		"tests included), not with a student kit." >&2
	@exit 2
class-report:
	@echo "make class-report is instructor-only: a student kit has no grader/report." >&2
	@exit 2
endif

# Rewrite the handouts' grading tables from lab.conf (make test checks they match).
tables: $(BUILD)/grader
	@sh grader/update-tables.sh $(BUILD)/grader

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $(wildcard grader/*.[ch] grader/support/*.[ch] grader/selftest/*.[ch] \
		grader/report/*.[ch] \
		grader/tests/*.c grader/class/*.c include/*.h \
		labs/*/*.c labs/*/tests/*.[ch] solutions/*/*.c)

endif
