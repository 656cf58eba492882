# make demo: install into .venv/, train configs/quickstart.cfg on the synthetic faces (CPU, minutes)
# and print the domain metrics of the result.
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
	# Domain metrics of the result, each beside its real-vs-real floor: SWD and the synthetic faces'
	# tag classifier (the classifier and the floor are computed once, then cached).
	$(BIN)/python -m tfgan_anime.evaluate --saved_model=runs/quickstart/export --metrics=swd,tags --num_samples=1000 --with_floor

test: $(STAMP)
	$(BIN)/python -m pytest tests -q -p no:cacheprovider

clean:
	rm -rf runs
