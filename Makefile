# Stagedoor: `make run` to use it, `make test` to check it. Needs only Python 3.11+, git, make.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app crm
DEMO_EMAIL := demo@stagedoor.example
DEMO_PASSWORD := stagedoor-demo
# Every install takes the versions in constraints.txt (`make constraints` writes it anew).
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c constraints.txt

.PHONY: run test check lint bench vendor clean constraints venv-python

# A venv made by another Python than $(PYTHON) (or one too old) is made again, not reused.
venv-python:
	@want=$$($(PYTHON) -c 'import sys; print(sys.version_info >= (3, 11), sys.executable)' 2>/dev/null) \
	  || { echo "$(PYTHON) not found: set PYTHON=python3.11 (or newer)"; exit 1; }; \
	case "$$want" in True*) ;; *) echo "$(PYTHON) is older than Python 3.11: set PYTHON=python3.11 (or newer)"; exit 1;; esac; \
	want=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	if [ -x $(BIN)/python ]; then \
	  have=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none); \
	  if [ "$$have" != "$$want" ]; then echo "Rebuilding .venv: it has Python $$have, $(PYTHON) is $$want"; rm -rf $(VENV); fi; \
	fi; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)

# Installed again only when pyproject.toml or constraints.txt change.
$(VENV)/.installed-run: pyproject.toml constraints.txt | venv-python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | venv-python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: venv-python $(VENV)/.installed-run
	@if ! $(BIN)/python -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' $(PORT) 2>/dev/null; then \
	  echo "Port $(PORT) is in use (on macOS, AirPlay Receiver takes 5000). Run: make run PORT=5001"; exit 1; fi
	$(FLASK) db upgrade
	@if $(FLASK) user create $(DEMO_EMAIL) --password $(DEMO_PASSWORD) --name "Demo Manager" \
	      --artist "The Midnight Orchard" --timezone Europe/London >/dev/null 2>&1; then \
	  echo "Loading the demo data (first run only)..."; \
	  $(FLASK) demo --user $(DEMO_EMAIL); \
	fi
	@echo ""
	@echo "  Stagedoor is at http://127.0.0.1:$(PORT)"
	@echo "  Demo login: $(DEMO_EMAIL) / $(DEMO_PASSWORD)   (or sign up for your own account)"
	@echo "  The reminder worker runs beside it (emails go to MAIL_SERVER, default localhost:25)."
	@echo ""
	@CRM_BASE_URL=$${CRM_BASE_URL:-http://127.0.0.1:$(PORT)}; export CRM_BASE_URL; \
	  $(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: venv-python $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium is missing: the browser tests (tests/e2e) will be SKIPPED. Install it with: apt-get install chromium"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop before a commit: lint, types against their baseline, and the tests that
# need no browser, no large files and no server process, on SQLite, in two processes.
check: venv-python $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python .ci/typecheck
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -n 2 -m "not slow" --ignore=tests/e2e $(PYTEST_ARGS)

lint: venv-python $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark on SQLite, and those that take --database-url on the local PostgreSQL
# too (its schema is dropped: never run it beside the tests). BENCH_DATABASE_URL= skips it.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: venv-python $(VENV)/.installed-dev
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python benchmarks/run_all.py

# Write constraints.txt anew from the newest releases that pyproject.toml allows.
constraints:
	rm -rf $(VENV)-constraints
	$(PYTHON) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/python -m pip install --quiet --upgrade pip
	$(VENV)-constraints/bin/python -m pip install --quiet -e ".[dev,server]"
	( echo "# Versions the suite was last run with; \`make constraints\` writes this file anew."; \
	  $(VENV)-constraints/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf $(VENV)-constraints

# Copy the front-end packages from the npm registry into static/vendor (committed);
# axe-core goes to tests/e2e/vendor: the accessibility checks use it, the app does not.
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
	   node_modules/bootstrap/LICENSE static/vendor/bootstrap/
	mkdir -p static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/LICENSE static/vendor/swagger-ui/
	mkdir -p static/vendor/chart.js
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md static/vendor/chart.js/
	mkdir -p tests/e2e/vendor
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE tests/e2e/vendor/
	sed -i '/sourceMappingURL/d' static/vendor/bootstrap/*.min.* static/vendor/swagger-ui/*.js \
	   static/vendor/swagger-ui/*.css static/vendor/chart.js/*.js

# What `make` made: the venv and the tools' caches (never instance/, which holds your data).
clean:
	rm -rf $(VENV) $(VENV)-constraints .pytest_cache .ruff_cache .mypy_cache
