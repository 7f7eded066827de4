# Stagedoor: `make run` to use it, `make test` to check it. Needs only Python 3.11+, git, make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app crm
DEMO_EMAIL := demo@stagedoor.example
DEMO_PASSWORD := stagedoor-demo

.PHONY: run test lint bench vendor clean

# Installed again only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	@if $(FLASK) user create $(DEMO_EMAIL) --password $(DEMO_PASSWORD) --name "Demo Manager" \
	      --artist "The Midnight Orchard" --timezone Europe/London >/dev/null 2>&1; then \
	  echo "Loading the demo data (first run only)..."; \
	  $(FLASK) demo --user $(DEMO_EMAIL); \
	fi
	@echo ""
	@echo "  Stagedoor is at http://127.0.0.1:5000"
	@echo "  Demo login: $(DEMO_EMAIL) / $(DEMO_PASSWORD)   (or sign up for your own account)"
	@echo "  The reminder worker runs beside it (emails go to MAIL_SERVER, default localhost:25)."
	@echo ""
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium is missing: the browser tests (tests/e2e) will be SKIPPED. Install it with: apt-get install chromium"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run_all.py

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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
