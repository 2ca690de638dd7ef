# wdproof: `make report` builds the PDFs, `make test` runs the tests.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= build
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended latexmk poppler-utils

.PHONY: report test tex lint clean

report: $(STAMP) tex
	$(BIN)/wdproof report --out $(OUT)

test: $(STAMP) tex
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check derivations numerics report tests benchmarks

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "wdproof needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# TeX Live: installed with apt-get when running as root on Debian/Ubuntu, else named.
tex:
	@if command -v latexmk >/dev/null && command -v pdflatex >/dev/null && command -v pdftotext >/dev/null; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing TeX Live with apt-get (about a minute)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else \
		echo "note: LaTeX not found; PDFs need: sudo apt-get install $(TEX_PACKAGES)"; \
	fi

clean:
	rm -rf $(OUT) .pytest_cache
