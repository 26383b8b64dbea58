# gandojo: `make demo` and `make test` create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean venv browser messages notebooks

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gandojo tour --out runs/tour

# The browser tests (report, play page, the Japanese pages) run Debian's chromium, with a Japanese font for the
# Japanese pages: installed where apt-get runs as root (else those tests are skipped, saying why).
browser:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	  fc-list :lang=ja 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing$$missing for the browser tests (apt-get)"; \
	      timeout 600 apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	      { timeout 300 apt-get update -qq >/dev/null 2>&1 && timeout 900 apt-get install -y -qq $$missing >/dev/null 2>&1; } || \
	      echo "could not install$$missing: the browser tests that need it will be skipped"; \
	    else echo "no$$missing: the browser tests that need it will be skipped"; fi; \
	  fi

# One pytest-xdist worker per core (each on one torch thread, conftest.py); a worker takes the next test when free.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --dist worksteal

# The lesson notebooks in JupyterLab (installed into .venv on first use); their runs go to notebooks/runs/.
notebooks: $(STAMP)
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[notebooks]"
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# After changing a message in the code: gather the messages, merge them into each language's .po (then translate
# what is new or fuzzy there; the catalog test lists it). The build compiles the .po files.
LOCALE := src/gandojo/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(LOCALE)/gandojo.pot .
	$(BIN)/pybabel update -i $(LOCALE)/gandojo.pot -d $(LOCALE) -D gandojo --width=120 --ignore-obsolete

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf runs .pytest_cache
