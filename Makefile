# convlab: `make lab` opens the course, `make test` checks everything. `make help` lists the rest.
SHELL := /bin/bash
# The interpreter .venv is made with: any Python from 3.11 to 3.14 (make lab PYTHON=python3.13).
# Naming one whose version differs from .venv's rebuilds .venv with it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
ifneq ($(filter command line environment,$(origin PYTHON)),)
  VERSION_OF = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
  WANTED := $(call VERSION_OF,$(PYTHON))
  $(if $(WANTED),,$(error PYTHON=$(PYTHON) does not run here: name an installed Python 3.11 to 3.14))
  HAVE := $(call VERSION_OF,$(BIN)/python)
  ifneq ($(HAVE),)
    ifneq ($(WANTED),$(HAVE))
      REMAKE := yes
      .PHONY: $(READY)
    endif
  endif
endif
# JupyterHub's proxy, from npm, pinned (make hub, and the hub's browser test)
PROXY := $(VENV)/proxy/node_modules/.bin/configurable-http-proxy
HUB_ARGS ?=
# the website's scripts (the widget manager, RequireJS, MathJax, anywidget) and axe-core, from npm,
# exact versions in site/package-lock.json (make site, and the site's browser tests)
SITE_NPM := site/node_modules/.package-lock.json
SITE_ARGS ?=
ASSIGNMENTS := $(sort $(notdir $(wildcard source/[0-9]*)))
LAB_ARGS ?=
EDITION ?=
EDITIONS := $(patsubst convlab/locale/%/jupyterlab,%,$(wildcard convlab/locale/*/jupyterlab))
ifneq ($(filter-out $(EDITIONS),$(EDITION)),)
$(error EDITION=$(EDITION): the editions are $(EDITIONS) (none: English))
endif
PYTEST_ARGS ?=
GRADE_ARGS ?=
REPORT_ARGS ?=
STUDENTS ?= 10
# nbgrader runs `alembic` (and the tests run `jupyter`) from PATH: put the venv first.
export PATH := $(abspath $(BIN)):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help venv lab lab-settings hub site test bench catalogue release check-sync messages autograde feedback grades report similarity lint format clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(READY): pyproject.toml
	$(if $(REMAKE),@echo "$(VENV) has Python $(HAVE); making it again with $(PYTHON) ($(WANTED))" && rm -rf $(VENV))
	@test -x $(BIN)/python || { \
	  $(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 14))' || { \
	    echo "convlab needs Python 3.11 to 3.14; $(PYTHON) is $$($(PYTHON) --version 2>&1):" \
	         "name another, e.g. make lab PYTHON=python3.12" >&2; exit 1; }; \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/jupyter labextension enable --level=sys_prefix @jupyter/nbgrader @jupyter-widgets/jupyterlab-manager
	@# no "get notified about Jupyter news?" toast over the course (and no feed to fetch offline)
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyterlab/apputils-extension:announcements
	$(BIN)/jupyter server extension enable --sys-prefix $(addprefix nbgrader.server_extensions.,formgrader assignment_list course_list validate_assignment)
	@touch $(READY)

venv: $(READY) ## create .venv and install the course (again only when pyproject.toml changes)

lab: $(READY) $(if $(EDITION),$(VENV)/lab-$(EDITION)/settings/overrides.json) ## launch JupyterLab on the course, opening notebooks/ (EDITION=zh_CN: the course and JupyterLab in Chinese; LAB_ARGS="--no-browser --port=8888")
	$(if $(EDITION),CONVLAB_LANG=$(EDITION)) $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks$(if $(EDITION),/$(EDITION)) --LabApp.news_url=None \
	  $(if $(EDITION),--LabApp.app_settings_dir="$(CURDIR)/$(VENV)/lab-$(EDITION)/settings") \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lab-settings: $(if $(EDITION),$(VENV)/lab-$(EDITION)/settings/overrides.json) ## the JupyterLab settings `make lab EDITION=` starts with (the browser tests use them)

# An edition's JupyterLab settings: its overrides.json (the interface's language), and beside them a
# link to the environment's built JupyterLab, which JupyterLab looks for next to its settings
$(VENV)/lab-%/settings/overrides.json: convlab/locale/%/jupyterlab/overrides.json $(READY)
	mkdir -p $(@D) && cp $< $@
	ln -sfn "$(CURDIR)/$(VENV)/share/jupyter/lab/static" $(VENV)/lab-$*/static

$(PROXY):
	npm install --prefix $(VENV)/proxy --no-audit --no-fund --loglevel=error configurable-http-proxy@5.3.0

hub: $(READY) $(PROXY) ## as root: the course's JupyterHub for a class, accounts from a roster (HUB_ARGS="--roster class.csv")
	$(BIN)/python -m convlab.hub $(HUB_ARGS)

$(SITE_NPM): site/package.json site/package-lock.json
	npm ci --prefix site --no-audit --no-fund --loglevel=error

site: $(READY) $(SITE_NPM) ## the course as a static website in site/_build/, animations playable offline (SITE_ARGS="--out DIR 01_cross_correlation")
	$(BIN)/python -m convlab.site $(SITE_ARGS)

test: $(READY) $(PROXY) $(SITE_NPM) ## run the whole test suite, one worker per core, then the browser suite beside the hub's (PYTEST_ARGS="-k corr2d")
	@# the course's environment for every other Python here (tests/test_pythons.py), made while
	@# the first tests run: mostly downloading (artifacts/pythons.log)
	$(if $(PYTEST_ARGS),,@mkdir -p artifacts && (nice $(BIN)/python -m tests.support.pythons > artifacts/pythons.log 2>&1 &))
	$(BIN)/python -m pytest -p tests.support.timeline -n auto --dist loadscope --no-loadscope-reorder \
	  -m "not browser and not hub" --durations=12 $(PYTEST_ARGS)
	@# where the time went: python -m tests.tools.timeline (artifacts/timeline/)
	@# the browser suite watches animations play in real time: not beside the grading tests, which
	@# keep every core busy; beside it, on the core it leaves idle, the hub's tests (they wait for
	@# events, a release or feedback, with generous limits, and grade one class at a time)
	$(BIN)/python -m pytest -p tests.support.timeline -n 2 --dist loadscope -m "browser or hub" \
	  --durations=8 $(PYTEST_ARGS)

bench: $(READY) $(PROXY) ## performance figures as ratios to a baseline of the same run; the pool against Dask, the writer's ceiling, grade on submit (STUDENTS=10)
	$(BIN)/python -m tests.tools.bench_frames
	$(BIN)/python -m tests.tools.bench_fonts
	$(BIN)/python -m tests.tools.bench_grading --students $(STUDENTS)
	$(BIN)/python -m tests.tools.bench_cluster --students $(STUDENTS)
	$(BIN)/python -m tests.tools.bench_writer --students $(STUDENTS)
	$(BIN)/python -m tests.tools.bench_similarity --students 1000
	@# grade on submit on a hub (accounts: needs root)
	$(if $(filter 0,$(shell id -u)),$(BIN)/python -m tests.tools.bench_hub --students $(STUDENTS),echo "bench_hub: skipped, a hub needs root")

catalogue: $(READY) ## the mutation catalogue's kill rate per notebook, and the tampering outcomes
	$(BIN)/python -m tests.tools.catalogue_report

release: $(READY) ## regenerate notebooks/ (student release) and solutions/ (answer key) from source/, each language's edition in notebooks/<lang>/ and solutions/<lang>/
	$(BIN)/python -m convlab.grading.authoring.release

check-sync: $(READY) ## fail if notebooks/ or solutions/ differ from what `make release` writes, or a lesson text or message lacks its translation
	$(BIN)/python -m convlab.grading.authoring.release --check
	$(BIN)/python -m convlab.i18n_sync --check

messages: $(READY) ## bring the translation catalogues in step: the checks' messages (convlab/locale/) and each lesson's (source/<id>/<id>.<lang>.po)
	$(BIN)/python -m convlab.i18n_sync
	$(BIN)/python -m convlab.grading.authoring.editions

autograde: $(READY) ## grade every submission in autograder/submitted/ in parallel (GRADE_ARGS="--force", "--scheduler tcp://host:8786")
	$(BIN)/python -m convlab.grading $(GRADE_ARGS)

feedback: $(READY) ## write HTML feedback per student into autograder/feedback/
	@for a in $(ASSIGNMENTS); do \
	  ls -d autograder/autograded/*/$$a >/dev/null 2>&1 || continue; \
	  $(BIN)/nbgrader generate_feedback $$a --force || exit 1; \
	done

grades: $(READY) ## autograder/grades.csv (a row per student, flags), flags.csv, scores.png; canvas.csv and moodle.csv from roster.csv
	$(BIN)/python -m convlab.grading.results.grades

report: $(READY) ## autograder/report.html: what the class got wrong, per exercise (after make autograde; REPORT_ARGS="--lang zh_CN" writes it in Chinese)
	$(BIN)/python -m convlab.grading.results.report $(REPORT_ARGS)

similarity: $(READY) ## pairs of submissions with evidence of a shared origin, for review (report.html's section, similarity.csv); the detector's figures on the catalogue
	$(BIN)/python -m convlab.grading.results.similarity
	$(BIN)/python -m tests.tools.similarity_calibration

lint: $(READY) ## ruff: lint and format check of the package and tests
	$(BIN)/ruff check convlab tests
	$(BIN)/ruff format --check convlab tests

format: $(READY) ## ruff: format the package and tests
	$(BIN)/ruff format convlab tests
	$(BIN)/ruff check --fix convlab tests

clean: ## remove caches and grading outputs (keeps submissions, the gradebook and .venv)
	rm -rf .pytest_cache .ruff_cache artifacts autograder/autograded autograder/feedback \
	  autograder/.release autograder/grades.csv autograder/flags.csv autograder/scores.png \
	  autograder/grading-report.csv autograder/.grading-state.json autograder/mistakes.csv \
	  autograder/report.html autograder/canvas.csv autograder/moodle.csv \
	  autograder/similarity.csv autograder/similarity.json site/_build
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean ## also remove .venv and the site's npm packages
	rm -rf $(VENV) site/node_modules
