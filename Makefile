# Two commands do all set-up on a fresh machine (Python 3.11 + pip):
#   make reports   create .venv, install, render every village of data/sample into reports/
#   make test      create/update the same .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PYTHAINLP_OFFLINE := 1
export PYTHAINLP_READ_ONLY := 1
export MPLBACKEND := Agg

.PHONY: install reports test bench clean

install: $(STAMP)

# Re-install only when the package metadata changes (idempotent, fast when nothing changed).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/evaluation batch data/sample --out reports

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q --doctest-modules evaluation tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports/*/ reports/index.html
