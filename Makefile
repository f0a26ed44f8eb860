# studio_revenue — every target creates .venv and installs what it needs from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB_TIMEOUT ?= 1500
DEMO_DATA := data/demo_panel.csv
DEMO_MODEL := models/demo
DEMO_STUDIO := s-001
DEMO_TRAIN_UNTIL := 2023-12
MONTH ?= latest
DATA ?= $(DEMO_DATA)
MODEL ?= $(DEMO_MODEL)

.PHONY: install test sync-check demo loop report lab mlflow-ui tune benchmark clean-venv serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.py settings.ini
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

# Notebooks are the source of truth: nbdev_clean and nbdev_export must leave tracked files as they are.
sync-check: $(STAMP)
	@if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then echo "sync-check: not a git checkout, skipped"; exit 0; fi; \
	state() { git status --porcelain --untracked-files=all; git diff | sha1sum; }; \
	before=$$(state); \
	$(BIN)/nbdev_clean && $(BIN)/nbdev_export || exit 1; \
	after=$$(state); \
	if [ "$$before" != "$$after" ]; then \
	  echo "sync-check FAILED: nbdev_clean/nbdev_export changed files; run them and commit the result:"; \
	  diff <(echo "$$before") <(echo "$$after"); exit 1; \
	fi; echo "sync-check: notebooks and package agree"

# Notebook tests (nbdev_test) then process-level tests (pytest); both always run, either failing fails.
test: sync-check
	@rc=0; \
	timeout $(NB_TIMEOUT) $(BIN)/nbdev_test --do_print --timing || rc=1; \
	if [ -d tests ]; then $(BIN)/python -m pytest -q -rs tests || rc=1; fi; \
	exit $$rc

demo: $(STAMP)
	$(BIN)/studio-revenue generate --studios 200 --months 60 --seed 1 --out $(DEMO_DATA) --overwrite
	$(BIN)/studio-revenue validate --data $(DEMO_DATA)
	$(BIN)/studio-revenue ingest --data $(DEMO_DATA)
	$(BIN)/studio-revenue train --data $(DEMO_DATA) --until $(DEMO_TRAIN_UNTIL) --model-dir $(DEMO_MODEL) --overwrite --promote
	$(BIN)/studio-revenue predict --model models:/studio_revenue@champion --data $(DEMO_DATA) --studio $(DEMO_STUDIO) --months 6 \
	  --levers '{"avg_ticket_price": 180, "new_members_monthly": [30, 30, 40, 40, 40, 40]}'
	$(BIN)/studio-revenue report --model-dir $(DEMO_MODEL) --data $(DEMO_DATA) --month latest --out reports/demo --overwrite
	$(BIN)/studio-revenue optimize --model models:/studio_revenue@champion --data $(DEMO_DATA) --studio $(DEMO_STUDIO) \
	  --target-revenue $$($(BIN)/python -c "import pandas as p; d=p.read_csv('$(DEMO_DATA)'); print(round(d[d.studio_id=='$(DEMO_STUDIO)'].total_revenue.iloc[-1]*1.08))") \
	  --months 6 --insights
	$(MAKE) --no-print-directory loop

# The feedback loop, one turn. The simulator produces the next month of the demo panel (seed 1: earlier months are
# unchanged); before it is ingested, a forecast is logged for a few studios from the store's latest month with the plan
# their managers then run (the levers of that month); the month is ingested; monitor scores last month's logged
# forecasts against it; a challenger is trained on the store's data and promoted only through the gate (retrain).
# Run it again to turn the loop another month. Needs `make demo` first (the store, the model and the champion).
LOOP_STUDIOS ?= s-001 s-002 s-003 s-004 s-005
LOOP_PLAN = import json, sys, pandas as p; from studio_revenue.core import LEVERS; d = p.read_csv(sys.argv[1]); \
  r = d[d.studio_id == sys.argv[2]].iloc[-1]; print(json.dumps({n: min(max(float(r[o.column]), o.low), o.high) for n, o in LEVERS.items()}))
loop: $(STAMP)
	@test -d $(DEMO_MODEL) || { echo "make loop: run make demo first (it trains $(DEMO_MODEL) and fills the store)"; exit 2; }
	@next=$$($(BIN)/python -c "from studio_revenue.store import open_store, read_history; print(read_history(open_store()).month.nunique() + 1)") || exit 1; \
	echo "== the simulator produces month $$next of the demo panel"; \
	$(BIN)/studio-revenue generate --studios 200 --months $$next --seed 1 --out data/demo_month_$$next.csv --overwrite >/dev/null || exit 1; \
	echo "== logging a forecast for $(LOOP_STUDIOS) from the store's latest month, with the plan each then runs"; \
	for s in $(LOOP_STUDIOS); do plan=$$($(BIN)/python -c "$(LOOP_PLAN)" data/demo_month_$$next.csv $$s) || exit 1; \
	  $(BIN)/studio-revenue predict --model models:/studio_revenue@champion --studio $$s --months 1 --levers "$$plan" --json >/dev/null || exit 1; done; \
	echo "== ingest"; $(BIN)/studio-revenue ingest --data data/demo_month_$$next.csv || exit 1; \
	echo "== monitor"; $(BIN)/studio-revenue monitor || exit 1; \
	echo "== retrain behind the gate"; $(BIN)/studio-revenue retrain --model-dir models/challenger-month-$$next

# The HTTP API on the demo model (SPEC §4) at 127.0.0.1:$(PORT) (docs at /docs); trains and ingests the demo first if there is no model.
PORT ?= 8000
serve: $(STAMP)
	@test -f $(DEMO_MODEL)/manifest.json || { echo "== no demo model yet: generating, ingesting and training it (make demo's first steps)"; \
	  $(BIN)/studio-revenue generate --studios 200 --months 60 --seed 1 --out $(DEMO_DATA) --overwrite && \
	  $(BIN)/studio-revenue ingest --data $(DEMO_DATA) && \
	  $(BIN)/studio-revenue train --data $(DEMO_DATA) --until $(DEMO_TRAIN_UNTIL) --model-dir $(DEMO_MODEL) --overwrite --promote; } || exit 1
	$(BIN)/studio-revenue serve --model $(or $(SERVE_MODEL),$(DEMO_MODEL)) --port $(PORT)

# The monthly evaluation report: make report MONTH=YYYY-MM [DATA=… MODEL=…]; refuses to replace an existing report.
report: $(STAMP)
	$(BIN)/studio-revenue report --model-dir $(MODEL) --data $(DATA) --month $(MONTH)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --notebook-dir .

# The MLflow UI on the project's own store (runs of train/evaluate/tune/report, the model registry).
mlflow-ui: $(STAMP)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlruns.db --host 127.0.0.1 --port 5000

# Tune the learners on the demo panel (resumable: run it again to continue the study).
tune: $(STAMP)
	$(BIN)/studio-revenue tune --data $(DATA) --trials $(or $(TRIALS),30)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/foundation.py
	$(BIN)/python benchmarks/forward.py
	$(BIN)/python benchmarks/intervals.py
	$(BIN)/python benchmarks/goal_seek.py
	$(BIN)/python benchmarks/store.py
	STUDIO_REVENUE_BENCHMARK_DIR=reports/benchmarks $(BIN)/python -m pytest -q -rs tests/test_simulator_browser.py
	@echo "the 30-trial tuning study takes ~20 min: $(BIN)/python benchmarks/tuning.py 30" 
	@echo "franchise scale (200 and 2,000 studios, ~25 min; add 20000 on an idle machine): $(BIN)/python benchmarks/scale.py --sizes 200,2000"

clean-venv:
	rm -rf $(VENV)
