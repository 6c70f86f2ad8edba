# The two commands a new user needs:  make demo   (set up + report the four Type A campaigns)
#                                     make test   (set up + the test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := params/cj_campaign_8.yaml params/cj_campaign_13.yaml params/cj_campaign_18.yaml params/cj_campaign_27.yaml
# pytensor's compile cache (lifetime-value models) persists here, so repeated runs start warm.
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor

.PHONY: setup demo all test lab golden benchmark clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name campaignlab --display-name "Python (campaignlab)" >/dev/null
	touch $(STAMP)

demo: setup
	$(BIN)/campaignlab run $(DEMO) --jobs 2

all: setup
	$(BIN)/campaignlab run --all --jobs 2

test: setup
	$(BIN)/python -m pytest -q --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

lab: setup
	$(BIN)/jupyter lab --allow-root --no-browser --ServerApp.root_dir=$(CURDIR) notebooks/

golden: setup
	$(BIN)/python tests/make_golden.py

benchmark: setup
	$(BIN)/python benchmarks/bench_suite.py

clean:
	rm -rf outputs/_staging outputs/_failed outputs/_interactive
