# The two commands a new user needs:  make demo   (set up + report the four Type A campaigns)
#                                     make test   (set up + the test suite)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
DEMO   := params/cj_campaign_8.yaml params/cj_campaign_13.yaml params/cj_campaign_18.yaml params/cj_campaign_27.yaml
# pytensor's compile cache (lifetime-value models) persists here, so repeated runs start warm.
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
# The git filter that strips outputs from notebooks/*.ipynb when they are staged (.gitattributes says which files);
# as `nbstripout --install` writes it, but keeping cell ids so a notebook's diff shows only what was edited.
NBSTRIPOUT = "$(realpath $(BIN))/python" -m nbstripout --keep-id

.PHONY: setup demo all test lint lab golden benchmark clean

setup: $(STAMP)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT)' && git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && git config diff.ipynb.textconv '$(NBSTRIPOUT) -t'; fi

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name campaignlab --display-name "Python (campaignlab)" >/dev/null
	touch $(STAMP)

# The tests also run the analysis on Spark (docs/engines.md): the optional `spark` extra, which `make demo` skips.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

demo: setup
	$(BIN)/campaignlab run $(DEMO) --jobs 2

all: setup
	$(BIN)/campaignlab run --all --jobs 2

test: setup $(SPARK_STAMP) lint
	$(BIN)/python -m pytest -q --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# ruff over the code, and the layers contract of pyproject.toml ([tool.importlinter]: imports point down only).
lint: setup
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/lint-imports

# Lab on the project root (params/ and outputs/ browsable), opening notebooks/; .jupyter/ strips outputs from the
# templates on save and turns autosave off. A positional folder would override root_dir: keep none.
LAB_FLAGS = --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
            --config=$(CURDIR)/.jupyter/jupyter_server_config.py

lab: setup
	$(BIN)/jupyter lab --allow-root --no-browser $(LAB_FLAGS)

golden: setup
	$(BIN)/python tests/make_golden.py

benchmark: setup
	$(BIN)/python benchmarks/bench_suite.py

clean:
	rm -rf outputs/_staging outputs/_failed outputs/_interactive
