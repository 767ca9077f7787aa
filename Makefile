# Two set-up-and-go targets; both create .venv on first use.
#   make report   run every check and write report/index.html
#   make test     run the whole test suite (tests/ and checks/)
PYTHON ?= python3
VENV ?= .venv
# torch (the optional extra) runs the large-network paths; the pinned CPU build is
# installed first so that the package's range (torch>=2.2) is already satisfied.
# `make test TORCH=` installs without it (its tests then skip).
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=
# test tools plus the optional extras whose code paths the suite exercises: pandapower
# (re-deriving the bundled grid Laplacians) and gensim (a text-encoder stand-in).
# `make test EXTRAS=test` installs without them (their tests then skip).
EXTRAS ?= test,power,text

.PHONY: report test checks thorough benchmark clean-venv

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(TORCH),$(PY) -m pip install --quiet '$(TORCH)')
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
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
