"""One studio's history, as the original design's generator makes it (issue 11): train on its first 48 months, then
score every forecast from the later origins against "same as last month" — through the command line a user runs.

    .venv/bin/python benchmarks/single_studio.py      # writes reports/benchmarks/single_studio.json

Each case: `generate` (--seed-compatible, or one simulated panel studio), `train --until 2023-12`, `evaluate` on the 60
months (origins 2023-12 onward, so every target is unseen), then `predict` and `optimize` from the full file."""
import contextlib, io, json, os, sys, tempfile, time
from pathlib import Path
import pandas as pd
from studio_revenue.cli import main

OUT = Path(__file__).resolve().parents[1] / 'reports' / 'benchmarks' / 'single_studio.json'


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = main([str(a) for a in argv] + ['--json'])
    assert code == 0, (argv, err.getvalue()[-2000:], out.getvalue()[-2000:])
    return json.loads(out.getvalue())


def case(name, generate_args, studio, work):
    data, model = work / f'{name}.csv', work / f'{name}-model'
    cli('generate', *generate_args, '--out', data)
    t0 = time.perf_counter()
    trained = cli('train', '--data', data, '--until', '2023-12', '--model-dir', model)
    seconds = time.perf_counter() - t0
    ev = cli('evaluate', '--model-dir', model, '--data', data)
    mape = ev['by_method']
    full = work / f'{name}-full-model'
    cli('train', '--data', data, '--model-dir', full)
    pred = cli('predict', '--model-dir', full, '--data', data, '--studio', studio, '--months', 6)
    last = float(pd.read_csv(data).total_revenue.iloc[-1])
    opt = cli('optimize', '--model-dir', full, '--data', data, '--studio', studio, '--target-revenue', round(last * 1.10), '--months', 6)
    h = lambda m: {int(k): v for k, v in mape[m]['mape'].items()}
    return dict(case=name, generate=' '.join(map(str, generate_args)), train_seconds=round(seconds, 1), weights=trained['weights'],
                forecasts=ev['forecasts'], origins=ev['origins'],
                mape_model=h('model'), mape_same_as_last_month=h('last_value'), mape_seasonal_naive=h('seasonal_naive'),
                mean_mape_model=round(sum(h('model').values()) / 12, 3), mean_mape_same_as_last_month=round(sum(h('last_value').values()) / 12, 3),
                coverage90=ev['interval_coverage'].get('conformal 90%'),
                predict_growth_rate=pred['growth_rate'], predict_trend=pred['trend'],
                optimize_target=round(last * 1.10), optimize_feasible=opt['feasible'], optimize_achievable=opt['achievable_revenue'])


def main_():
    os.environ.setdefault('STUDIO_REVENUE_TRACKING', 'off')
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rows = [case(f'seed_compatible_seed{s}', ['--seed-compatible', '--seed', s], 'studio', work) for s in (0, 1, 2)]
        rows.append(case('panel_one_studio', ['--studios', 1, '--months', 60, '--seed', 7], 's-001', work))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(dict(benchmark='single_studio', cases=rows), indent=2))
    for r in rows:
        print(f"{r['case']}: mean MAPE over horizons 1-12 model {r['mean_mape_model']:.2f} % vs same-as-last-month "
              f"{r['mean_mape_same_as_last_month']:.2f} %; h1 {r['mape_model'][1]:.2f} vs {r['mape_same_as_last_month'][1]:.2f}; "
              f"h6 {r['mape_model'][6]:.2f} vs {r['mape_same_as_last_month'][6]:.2f}; h12 {r['mape_model'][12]:.2f} vs "
              f"{r['mape_same_as_last_month'][12]:.2f}; 90% range coverage {r['coverage90']}")
    print(f"written to {OUT}")


if __name__ == '__main__': main_()
