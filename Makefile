# make demo: install into .venv/ and train configs/quickstart.cfg on the synthetic faces (CPU, minutes).
# make test: install into .venv/ and run the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test clean

install: $(STAMP)

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tfgan_anime.train --flagfile=configs/quickstart.cfg --model_dir=runs/quickstart

test: $(STAMP)
	$(BIN)/python -m pytest tests -q -p no:cacheprovider

clean:
	rm -rf runs
