"""Intervals and backtest benchmark (issue 4): do the conformal ranges cover what they claim?

Panel: 200 studios x 72 months (seed 1). The model and its intervals are fitted on months 1-48; forecasts from every
origin in months 48-71 with the levers the studios ran are scored on months 49-72 (every horizon has >= 2,600 forecasts).
Coverage and width per horizon at 80/90/95 %, next to the seed's ensemble-spread intervals; then a rolling-origin
backtest refitting at months 36, 42 and 48 (12 origins each), with the oracle (the simulator's noise-free expectation).
Writes reports/benchmarks/intervals.json. Run: .venv/bin/python benchmarks/intervals.py  (about three minutes)."""
import json, logging, sys, time
from pathlib import Path
import pandas as pd
from studio_revenue.core import validate_history
from studio_revenue.simulate import generate_panel
from studio_revenue.ensemble import RevenueModel
from studio_revenue.intervals import calibrate
from studio_revenue.evaluate import realized_forecasts, interval_metrics, rolling_backtest, backtest_summary, add_oracle

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (0.8, 0.9, 0.95)
say = lambda *a: print(*a, file=sys.stderr, flush=True)


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    t_all = time.perf_counter()
    panel = generate_panel(200, 72, seed=1)
    history = validate_history(panel.history)
    month = lambda k: history.month.min() + pd.DateOffset(months=k - 1)
    say('fitting on months 1-48 …')
    model = RevenueModel(n_jobs=2).fit(history[history.month <= month(48)])
    intervals = calibrate(model)
    fc = realized_forecasts(model, history, first_origin=month(48), intervals=intervals, levels=LEVELS, seed_style=True)
    cov = interval_metrics(fc, LEVELS)
    held = {}
    for band, g in cov.groupby('band', sort=False):
        g = g.set_index('horizon')
        held[band] = dict(nominal=float(g.nominal.iloc[0]), coverage={int(h): round(float(c), 2) for h, c in g.coverage.items()},
                          mean_width_pct={int(h): round(float(w), 2) for h, w in g.width.items()},
                          worst_gap_pp=round(float((g.coverage - g.nominal).abs().max()), 2), n_per_horizon={int(h): int(n) for h, n in g.n.items()})
    ok = all(held[f'conformal {lv:.0%}']['worst_gap_pp'] <= 3 for lv in LEVELS)
    say('rolling-origin backtest …')
    bt = rolling_backtest(history, [month(36), month(42), month(48)], span=12, levels=LEVELS, seed_style=True, progress=say)
    summary = backtest_summary(add_oracle(bt, panel, history), methods=('model', 'oracle', 'last_value', 'seasonal_naive'), levels=LEVELS)
    figures = dict(benchmark='intervals and backtests (issue 4)', command='.venv/bin/python benchmarks/intervals.py',
                   panel='generate_panel(200, 72, seed=1)',
                   held_out=dict(what='fitted on months 1-48; origins 48-71, levers as run; targets months 49-72', forecasts=len(fc),
                                 bands=held, every_horizon_within_3pp=ok),
                   rolling_backtest=dict(cutoffs=['month 36', 'month 42', 'month 48'], span='12 origins after each cut-off', **summary),
                   total_seconds=round(time.perf_counter() - t_all, 1))
    dest = ROOT / 'reports' / 'benchmarks' / 'intervals.json'
    dest.write_text(json.dumps(figures, indent=2) + '\n')
    for band, d in held.items():
        print(f"{band}: coverage by horizon {list(d['coverage'].values())}; worst gap {d['worst_gap_pp']} pp; "
              f"mean width {sum(d['mean_width_pct'].values()) / 12:.2f} %")
    print(f"every horizon within 3 pp: {ok}")
    m = summary['by_method']
    print('rolling backtest MAPE h=1/6/12: ' + '; '.join(f"{k} {m[k]['mape'][1]:.2f}/{m[k]['mape'][6]:.2f}/{m[k]['mape'][12]:.2f}" for k in m))
    print('rolling backtest 90 % coverage by horizon:', list(summary['intervals']['conformal 90%']['coverage'].values()))
    print('3-month cumulative accuracy:', summary['business'])
    print(f"wrote {dest} in {figures['total_seconds']} s")


if __name__ == '__main__':
    main()
