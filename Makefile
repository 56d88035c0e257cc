# cspdesk: `make demo` runs the demo, `make test` runs every check. Both bootstrap .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: setup demo test lint typecheck unit test-postgres browser-deps vendor clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The demo: migrate an SQLite database, load the demo partner, print logins, serve on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/cspdesk demo

## Every check: lint, format, types, unit + integration + browser tests (SQLite; PostgreSQL too when
## CSPDESK_TEST_DATABASE_URL is set)
test: $(STAMP) browser-deps lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n auto

test-postgres: $(STAMP)
	CSPDESK_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n auto

## Chromium for the browser tests comes from Debian (Playwright cannot download its own browser here).
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium"; \
	  else echo "Chromium missing: browser tests will be skipped (sudo apt-get install -y chromium)"; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

## Refresh the vendored front-end files from the npm registry (pinned versions; never a CDN at run time).
HTMX_VERSION := 2.0.11
SWAGGER_UI_VERSION := 5.35.0
vendor:
	rm -rf /tmp/cspdesk-vendor && mkdir -p /tmp/cspdesk-vendor
	cd /tmp/cspdesk-vendor && npm pack --silent htmx.org@$(HTMX_VERSION) swagger-ui-dist@$(SWAGGER_UI_VERSION) \
	  && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cp /tmp/cspdesk-vendor/htmx.org-$(HTMX_VERSION)/package/dist/htmx.min.js src/cspdesk/static/vendor/htmx.min.js
	cp /tmp/cspdesk-vendor/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/swagger-ui-bundle.js \
	   /tmp/cspdesk-vendor/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/swagger-ui.css \
	   /tmp/cspdesk-vendor/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/LICENSE src/cspdesk/static/vendor/swagger-ui/
