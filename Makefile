# wdproof: `make report` builds the PDFs, `make test` runs the tests.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= build
# Debian packages: TeX Live with LuaLaTeX and Unicode fonts (the PDFs), poppler-utils
# (the tests read the PDFs' text), bubblewrap (the grader's sandbox for student code).
DEB_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended texlive-luatex latexmk fonts-freefont-otf \
                fonts-wqy-microhei poppler-utils bubblewrap

.PHONY: report test system lint clean

report: $(STAMP) system
	$(BIN)/wdproof report --out $(OUT)

test: $(STAMP) system lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check derivations numerics report tests benchmarks
	$(BIN)/ruff format --check --quiet derivations numerics report tests benchmarks

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "wdproof needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The Debian packages above: those missing are installed with apt-get when running as root on
# Debian/Ubuntu, else named (the grader then warns that it runs without its sandbox).
system:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing with apt-get (about a minute):" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "note: missing Debian packages; install them with: sudo apt-get install" $$missing; \
	fi

clean:
	rm -rf $(OUT) .pytest_cache
