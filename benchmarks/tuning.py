"""Tuning benchmark (issue 5): does a 30-trial Optuna study match or beat the default parameters?

Panel: 200 studios x 60 months (seed 1). The study tunes on months 1-48 only (rolling-origin backtest with cut-offs at
months 36 and 42, 6 origins after each); the first trial is the defaults. Then models with the default and the tuned
parameters are trained on months 1-48 and scored on months 49-60 (never seen by the study), levers as run.
Writes reports/benchmarks/tuning.json. Run: .venv/bin/python benchmarks/tuning.py [TRIALS]  (about 20 minutes for 30)."""
import json, logging, os, sys, tempfile, time
from pathlib import Path
import pandas as pd
from studio_revenue.core import validate_history
from studio_revenue.simulate import generate_panel
from studio_revenue.ensemble import RevenueModel, DEFAULT_PARAMS
from studio_revenue.evaluate import realized_forecasts, metrics_by_horizon
from studio_revenue.tuning import tune

ROOT = Path(__file__).resolve().parents[1]
say = lambda *a: print(*a, file=sys.stderr, flush=True)


def main(trials=30):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    t0 = time.perf_counter()
    history = validate_history(generate_panel(200, 60, seed=1).history)
    train_end = history.month.min() + pd.DateOffset(months=47)
    train = history[history.month <= train_end]
    work = Path(os.environ.get('TUNING_BENCH_DIR') or tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    result, study = tune(train, trials, study_name='benchmark', storage=f"sqlite:///{work / 'optuna.db'}", span=6,
                         best_params_path=work / 'best_params.json', progress=say)
    tune_seconds = time.perf_counter() - t0
    held = {}
    for name, params in (('default', DEFAULT_PARAMS), ('tuned', result['params'])):
        t1 = time.perf_counter()
        model = RevenueModel(params, n_jobs=2).fit(train)
        fit_s = time.perf_counter() - t1
        fc = realized_forecasts(model, history, first_origin=train_end)
        mape = metrics_by_horizon(fc, ['model']).set_index('horizon').mape
        held[name] = dict(mape_by_horizon={int(h): round(float(v), 4) for h, v in mape.items()}, mean_mape=round(float(mape.mean()), 4),
                          training_seconds=round(fit_s, 1))
    figures = dict(benchmark='tuning (issue 5)', command=f'.venv/bin/python benchmarks/tuning.py {trials}',
                   study=dict(trials=result['trials'], cutoffs=result['cutoffs'], span=result['span'],
                              default_backtest_mape=result['default_backtest_mape'], best_backtest_mape=result['best_backtest_mape'],
                              best_trial=result['best_trial'], best_params=result['params'], seconds=round(tune_seconds, 1),
                              history=[round(t.value, 5) for t in study.trials if t.value is not None]),
                   held_out_months_49_60=held, tuned_matches_or_beats_default_on_backtest=result['best_backtest_mape'] <= result['default_backtest_mape'])
    dest = ROOT / 'reports' / 'benchmarks' / 'tuning.json'
    dest.write_text(json.dumps(figures, indent=2) + '\n')
    print(f"backtest MAPE: default {result['default_backtest_mape']} %, best of {result['trials']} trials {result['best_backtest_mape']} %")
    print(f"held-out months 49-60, mean MAPE over horizons: default {held['default']['mean_mape']} %, tuned {held['tuned']['mean_mape']} %")
    print(f"wrote {dest} in {time.perf_counter() - t0:.0f} s")


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
