# govaudit — `make demo` and `make test` work on a fresh Debian/Ubuntu machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo serve test test-fast bench clean browser browser-user pdftools attachment-tools

setup: $(STAMP) browser browser-user pdftools attachment-tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench,queue]'
	@touch $(STAMP)

# Chromium: GOVAUDIT_CHROMIUM, Playwright's own browser, or Debian's package (installed when none is found).
browser:
	@if [ -n "$$GOVAUDIT_CHROMIUM" ] && [ -x "$$GOVAUDIT_CHROMIUM" ]; then exit 0; fi; \
	if ls $$HOME/.cache/ms-playwright/chromium-*/chrome-linux/chrome >/dev/null 2>&1; then exit 0; fi; \
	if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "WenQuanYi Zen Hei"; then exit 0; fi; \
	echo "installing Debian's chromium and Chinese fonts"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null

# Run as root, govaudit starts Chromium as this unprivileged system user (crawler/browser/harden.py; without it:
# nobody). Not root: Chromium runs as the invoking user and nothing is needed.
browser-user:
	@if [ "$$(id -u)" != 0 ] || id govaudit-browser >/dev/null 2>&1; then exit 0; fi; \
	echo "creating the system user govaudit-browser (Chromium never runs as root)"; \
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin govaudit-browser 2>/dev/null || \
	  adduser --system --no-create-home --disabled-login govaudit-browser >/dev/null 2>&1 || true

# poppler-utils (pdftotext, pdfimages, pdffonts): the tests read the printable PDF report as a person's viewer would.
pdftools:
	@if command -v pdftotext >/dev/null 2>&1 && command -v pdfimages >/dev/null 2>&1; then exit 0; fi; \
	echo "installing Debian's poppler-utils"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils >/dev/null

# Attachments (docs/disclosure.md): OCR of scans (Tesseract with chi_sim) and .doc/.wps (LibreOffice
# headless). Installed when missing; without them those files are not_measured, with the reason.
attachment-tools:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
	   && command -v soffice >/dev/null 2>&1; then exit 0; fi; \
	echo "installing Debian's tesseract-ocr (chi_sim) and LibreOffice Writer (headless)"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	  tesseract-ocr tesseract-ocr-chi-sim libreoffice-writer-nogui >/dev/null

demo: setup
	$(PY) -m govaudit demo

# The dashboard and API over the demo's database (docs/service.md), after `make demo`: http://127.0.0.1:8000/
# Adds, once, the demo users `demo` (supervisor) and `demo-unit` (unit of 4213000001), password
# $(DEMO_PASSWORD) (override: make serve DEMO_PASSWORD=…); their API tokens are printed when they are added.
DEMO_PASSWORD ?= govaudit-demo
SERVE_PORT ?= 8000
serve: setup
	@test -f govaudit.db || { echo "no govaudit.db: run make demo first"; exit 2; }
	@if ! $(PY) -m govaudit users list --db sqlite:///govaudit.db | grep -qw demo; then \
	  GOVAUDIT_DEMO_PASSWORD='$(DEMO_PASSWORD)' $(PY) -m govaudit users add demo --role supervisor \
	    --password-env GOVAUDIT_DEMO_PASSWORD --db sqlite:///govaudit.db && \
	  GOVAUDIT_DEMO_PASSWORD='$(DEMO_PASSWORD)' $(PY) -m govaudit users add demo-unit --role unit --site 4213000001 \
	    --password-env GOVAUDIT_DEMO_PASSWORD --db sqlite:///govaudit.db; fi
	@echo "dashboard: http://127.0.0.1:$(SERVE_PORT)/  login demo / $(DEMO_PASSWORD) (or demo-unit)"
	$(PY) -m govaudit serve --db sqlite:///govaudit.db --out out --port $(SERVE_PORT)

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

bench: setup
	$(PY) bench/crawl_bench.py

clean:
	rm -rf $(VENV) out govaudit.db *.egg-info .pytest_cache
