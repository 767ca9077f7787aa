# Two set-up-and-go targets; both create .venv on first use.
#   make report   run every check and write report/index.html
#   make test     run the whole test suite (tests/ and checks/)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: report test checks thorough benchmark clean-venv

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/theorycheck run --out report $(ARGS)

test: $(STAMP)
	$(PY) -m pytest tests checks $(ARGS)

checks: $(STAMP)
	$(PY) -m pytest checks $(ARGS)

thorough: $(STAMP)
	$(VENV)/bin/theorycheck run --thorough --out report $(ARGS)

benchmark: $(STAMP)
	$(PY) -m pytest tests/benchmarks -m benchmark -s $(ARGS)

clean-venv:
	rm -rf $(VENV)
