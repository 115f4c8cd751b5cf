# ReturnDesk — the commands. `make dev` runs it; `make test` tests it; `make check` lints it.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
CHROMIUM ?= /usr/bin/chromium
AXE_VERSION := 4.14.1
VNU_VERSION := 26.9.27

.PHONY: dev test check bench install browser-deps catalogs format stack loadtest

install:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --break-system-packages uv
	@$(UV) sync --quiet --frozen
	@$(UV) run pybabel -q compile --domain=messages --directory=translations

dev: install
	@$(UV) run python dev.py

browser-deps:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null)
	@# WeasyPrint subsets the CJK font with HarfBuzz's subsetter (warned about, and slower, without it)
	@ldconfig -p | grep -q libharfbuzz-subset || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null)
	@# the document tests look at PDFs as a printer and a scanner would: pdftoppm, zbarimg
	@command -v pdftoppm >/dev/null && command -v zbarimg >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils zbar-tools >/dev/null)
	@test -s tests/browser/vendor/axe.min.js || { dir=$$(mktemp -d) && cd $$dir && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		mkdir -p $(CURDIR)/tests/browser/vendor && tar -xzf axe-core-*.tgz -O package/axe.min.js > $(CURDIR)/tests/browser/vendor/axe.min.js; }
	@test -s tests/browser/vendor/vnu.jar || { dir=$$(mktemp -d) && cd $$dir && npm pack --silent vnu-jar@$(VNU_VERSION) >/dev/null && \
		mkdir -p $(CURDIR)/tests/browser/vendor && tar -xzf vnu-jar-*.tgz -O package/build/dist/vnu.jar > $(CURDIR)/tests/browser/vendor/vnu.jar; }

test: install browser-deps
	@$(UV) run pytest; status=$$?; if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

check: install
	$(UV) run ruff format --check .
	$(UV) run ruff check .
	$(UV) run mypy domain db web workers settings.py lifetime.py logs.py dev.py texts.py piccolo_conf.py
	$(UV) run python -m tests.shape

bench: install browser-deps
	@$(UV) run python -m tests.bench

# the production shape on this machine: PostgreSQL, Redis, S3 (moto), 2 web processes, 2 workers
stack: install
	@$(UV) run python -m tests.load.stack

# that stack under load while its parts are broken; fails if anything was lost or doubled
loadtest: install
	@$(UV) run python -m tests.load.run

catalogs:
	$(UV) run pybabel extract --mapping=babel.cfg --keywords="N_ _ gettext ngettext:1,2" --no-location --sort-output --no-wrap --project=ReturnDesk --output-file=translations/messages.pot .
	$(UV) run pybabel update --domain=messages --input-file=translations/messages.pot --output-dir=translations --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(UV) run python translations/fill_en.py
	$(UV) run pybabel compile --domain=messages --directory=translations

format:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .
