"""Forward / what-if benchmark (issue 3): accuracy against the simulator's ground truth, baselines, speed.

Panel: 200 studios x 60 months (seed 1), model trained on the first 48 months.
  - forecasts from origins 48..59 with the levers actually run, per horizon, next to last value, seasonal naive,
    the skeleton alone and the oracle (the simulator's noise-free expectation from the true state: the limit);
  - what-if on 50 held-out studios (an independent panel): 500 random plans held for 12 months, half within +-15 %
    of the current levers, half across the full ranges; MAPE against project() per horizon;
  - monotonicity of single-lever increases; speed of training, single predictions and batches;
  - the seed-compatible single studio, next to the seed's claims and the naive baseline.
Writes reports/benchmarks/forward.json. Run: .venv/bin/python benchmarks/forward.py  (about two minutes).
Also repeated without the revenue component columns, to show what a user without them gets."""
import json, logging, platform, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
from studio_revenue.core import LEVERS, LEVER_NAMES, validate_history, current_levers
from studio_revenue.features import LEVER_COLUMNS, COMPONENT_COLUMNS
from studio_revenue.simulate import generate_panel, generate_seed_compatible, project_paths
from studio_revenue.ensemble import RevenueModel
from studio_revenue.evaluate import realized_forecasts, metrics_by_horizon, forecast_metrics

ROOT = Path(__file__).resolve().parents[1]
LOW = np.array([LEVERS[n].low for n in LEVER_NAMES])
HIGH = np.array([LEVERS[n].high for n in LEVER_NAMES])
say = lambda *a: print(*a, file=sys.stderr, flush=True)


def _by_h(series):
    return {int(h): round(float(v), 3) for h, v in series.items()}


def forecast_accuracy(model, panel, history, train_end):
    fc = realized_forecasts(model, history, first_origin=train_end)
    oracle = np.empty(len(fc))
    for (sid, origin), g in fc.groupby(['studio_id', 'origin']):
        state = panel.state(sid, origin)
        h = history[(history.studio_id == sid) & (history.month > origin)].head(g.horizon.max())
        truth = project_paths(state, h[list(LEVER_COLUMNS)].to_numpy(float)[None])['revenue'][0]
        oracle[g.index.to_numpy()] = truth[g.horizon.to_numpy() - 1]
    fc['oracle'] = oracle
    table = metrics_by_horizon(fc, ['model', 'oracle', 'last_value', 'seasonal_naive', 'skeleton'])
    out = {m: {k: _by_h(g.set_index('horizon')[k]) for k in ('mape', 'rmse', 'mae', 'r2', 'directional_accuracy')} | {'n': _by_h(g.set_index('horizon')['n'])}
           for m, g in table.groupby('method')}
    mape = table.pivot(index='horizon', columns='method', values='mape')
    checks = dict(h1_mape_over_oracle=round(float(mape.model[1] / mape.oracle[1]), 3),
                  h1_goal='<= 1.15',
                  beats_last_value_every_horizon=bool((mape.model < mape.last_value).all()),
                  beats_seasonal_naive_every_horizon=bool((mape.model < mape.seasonal_naive).all()))
    return dict(origins=f"{fc.origin.min():%Y-%m}..{fc.origin.max():%Y-%m}", forecasts=len(fc), by_method=out, checks=checks), fc


def random_plans(rng, state_levers, n, kind):
    cur = np.array([state_levers[k] for k in LEVER_NAMES])
    if kind == 'within_15pct': return np.clip(cur * rng.uniform(0.85, 1.15, (n, 7)), LOW, HIGH)
    return rng.uniform(LOW, HIGH, (n, 7))


def sampled_plans(held, n_plans, months, seed):
    "The what-if cases scored against the truth: (kind, studio, lever path, true revenue), alternating ±15 % and full-range plans."
    rng = np.random.default_rng(seed)
    studios = list(held.profiles.index)
    for i in range(n_plans):
        kind = 'within_15pct' if i % 2 == 0 else 'full_range'
        sid = studios[rng.integers(len(studios))]
        state = held.state(sid)
        plan = random_plans(rng, state.levers, 1, kind)[0]
        path = np.repeat(plan[None, None], months, axis=1)
        yield kind, sid, path, project_paths(state, path)['revenue'][0]


def what_if_accuracy(model, held, n_plans=500, months=12, seed=0, drop=()):
    hist = validate_history(held.history.drop(columns=list(drop)))
    rows = []
    for kind, sid, path, truth in sampled_plans(held, n_plans, months, seed):
        h = model.studio_history(hist, sid)
        pred = model.predict_paths(h, path)
        last = h.total_revenue.iloc[-1]
        for j in range(months):
            rows.append(dict(kind=kind, horizon=j + 1, truth=truth[j], model=pred['revenue'][0, j],
                             skeleton=pred['membership'][0, j] + pred['skeleton_other'][0, j], last_value=last))
    f = pd.DataFrame(rows)
    out = {}
    for kind, g in f.groupby('kind'):
        ape = lambda c: (100 * (g[c] - g.truth).abs() / g.truth).groupby(g.horizon).mean()
        out[kind] = dict(plans=int(len(g) // months), mape_by_horizon={c: _by_h(ape(c)) for c in ('model', 'skeleton', 'last_value')},
                         mape_months_1_6=round(float(ape('model').loc[1:6].max()), 3),
                         p90_ape_months_1_6=round(float(np.percentile(100 * (g.model - g.truth).abs()[g.horizon <= 6] / g.truth[g.horizon <= 6], 90)), 3))
    out['checks'] = dict(within_15pct_goal='<= 2 % in months 1-6', within_15pct_worst_month_1_6=out['within_15pct']['mape_months_1_6'],
                         full_range_goal='<= 8 % in months 1-6', full_range_worst_month_1_6=out['full_range']['mape_months_1_6'])
    return out


def monotonicity(model, held, bases_per_studio=20, seed=1):
    rng = np.random.default_rng(seed)
    hist = validate_history(held.history)
    ok = strict = total = 0
    per_lever = {}
    for sid in held.profiles.index:
        h = model.studio_history(hist, sid)
        base = rng.uniform(LOW, HIGH, (bases_per_studio, 7))
        for i, name in enumerate(LEVER_NAMES):
            step = 0.1 * (HIGH[i] - LOW[i])
            lo = rng.uniform(LOW[i], HIGH[i] - step, bases_per_studio)
            p0, p1 = base.copy(), base.copy()
            p0[:, i], p1[:, i] = lo, lo + step
            paths = np.repeat(np.concatenate([p0, p1])[:, None], 12, axis=1)
            r = model.predict_paths(h, paths)['revenue']
            d = r[bases_per_studio:] - r[:bases_per_studio]
            good, up = int((d >= 0).sum()), int((d > 0).sum())
            ok += good; strict += up; total += d.size
            a, b, c = per_lever.get(name, (0, 0, 0))
            per_lever[name] = (a + good, b + up, c + d.size)
    return dict(increases_tested=total, step='+10 % of the lever range, one lever at a time, every horizon',
                share_right_way=round(100 * ok / total, 3), share_strictly_up=round(100 * strict / total, 3),
                by_lever={k: dict(right_way=round(100 * a / c, 3), strictly_up=round(100 * b / c, 3)) for k, (a, b, c) in per_lever.items()})


def speed(model, history):
    rng = np.random.default_rng(2)
    studios = history.studio_id.unique()
    times = []
    for i in range(300):
        sid = studios[i % len(studios)]
        plan = {n: float(v) for n, v in zip(LEVER_NAMES, rng.uniform(LOW, HIGH))}
        t0 = time.perf_counter()
        model.predict(history, sid, plan, 12)
        times.append(time.perf_counter() - t0)
    times = np.array(times[20:]) * 1000
    h = model.studio_history(history, studios[0])
    paths = np.repeat(rng.uniform(LOW, HIGH, (10_000, 7))[:, None], 12, axis=1)
    model.predict_paths(h, paths[:100])
    t0 = time.perf_counter()
    model.predict_paths(h, paths)
    batch = time.perf_counter() - t0
    return dict(single_prediction_ms=dict(p50=round(float(np.percentile(times, 50)), 2), p95=round(float(np.percentile(times, 95)), 2),
                                          calls=len(times), what='RevenueModel.predict(history, studio, plan, 12): 12 months, from the full 200-studio table'),
                batch=dict(plans=len(paths), seconds=round(batch, 3), plans_per_second=round(len(paths) / batch, 1),
                           what='RevenueModel.predict_paths on 10,000 plans x 12 months for one studio'))


def seed_compatible(panel_model):
    seed = generate_seed_compatible(seed=42)
    hist = validate_history(seed.history)
    train = hist[hist.month < hist.month.min() + pd.DateOffset(months=48)]
    own = RevenueModel(n_jobs=2).fit(train)
    out = {}
    for name, m in (('panel_model_applied', panel_model), ('trained_on_this_studio', own)):
        fc = realized_forecasts(m, hist, first_origin=train.month.max())
        overall = {k: forecast_metrics(fc.actual, fc[k], fc.last_value) for k in ('model', 'last_value', 'seasonal_naive')}
        out[name] = {k: {x: round(v, 3) for x, v in d.items()} for k, d in overall.items()}
    out['seed_claims'] = dict(rmse='< 3000', mape='< 8 %', r2='> 0.85', directional_accuracy='> 90 %')
    out['sample'] = 'one studio, origins months 48-59, horizons 1-12 with targets inside months 49-60: 78 forecasts'
    return out


def main():
    logging.basicConfig(level=logging.INFO, format='%(message)s', stream=sys.stderr)
    t_all = time.perf_counter()
    panel = generate_panel(200, 60, seed=1)
    history = validate_history(panel.history)
    train_end = history.month.min() + pd.DateOffset(months=47)
    train = history[history.month <= train_end]
    say(f"training on {train.studio_id.nunique()} studios x {train.month.nunique()} months")
    t0 = time.perf_counter()
    model = RevenueModel(n_jobs=2).fit(train)
    train_seconds = time.perf_counter() - t0
    say("forecast accuracy …")
    fa, _ = forecast_accuracy(model, panel, history, train_end)
    say("what-if accuracy …")
    held = generate_panel(50, 48, seed=101, id_format='held-{:03d}')
    wi = what_if_accuracy(model, held)
    say("monotonicity …")
    mono = monotonicity(model, held)
    say("speed …")
    sp = speed(model, history)
    say("without component columns …")
    bare_history = history.drop(columns=list(COMPONENT_COLUMNS))
    t0 = time.perf_counter()
    bare = RevenueModel(n_jobs=2).fit(bare_history[bare_history.month <= train_end])
    bare_seconds = time.perf_counter() - t0
    bare_fc = realized_forecasts(bare, bare_history, first_origin=train_end)
    bare_mape = metrics_by_horizon(bare_fc, ['model', 'skeleton']).pivot(index='horizon', columns='method', values='mape')
    bare_wi = what_if_accuracy(bare, held, drop=COMPONENT_COLUMNS)
    without = dict(what='the same benchmark with class_pack_revenue, retail_revenue and upsell_revenue removed from the data',
                   training_seconds=round(bare_seconds, 2), forecast_mape_by_horizon=_by_h(bare_mape.model),
                   what_if=bare_wi)
    say("seed-compatible dataset …")
    sc = seed_compatible(model)
    figures = dict(
        benchmark='forward / what-if (issue 3)', command='.venv/bin/python benchmarks/forward.py',
        panel='generate_panel(200, 60, seed=1); trained on months 1-48', held_out='generate_panel(50, 48, seed=101)',
        training=dict(seconds=round(train_seconds, 2), goal='<= 120 s', rows=model.training_['rows'], weights=model.weights_,
                      validation_mape_by_horizon=model.validation_['mape_by_horizon']),
        forecast=fa, what_if=wi, monotonicity=mono, speed=sp | dict(goals='single p95 <= 50 ms; batch >= 2000 plans/s'),
        without_component_columns=without, seed_compatible=sc, total_seconds=round(time.perf_counter() - t_all, 1),
        machine=dict(python=platform.python_version(), cores=__import__('os').cpu_count()))
    dest = ROOT / 'reports' / 'benchmarks' / 'forward.json'
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(figures, indent=2) + '\n')
    m = fa['by_method']
    print(f"training {train_seconds:.1f} s; weights {model.weights_}")
    print("forecast MAPE by horizon (model / oracle / last value / seasonal naive / skeleton):")
    for h in range(1, 13):
        print(f"  h={h:2d}: {m['model']['mape'][h]:.2f} / {m['oracle']['mape'][h]:.2f} / {m['last_value']['mape'][h]:.2f} / "
              f"{m['seasonal_naive']['mape'][h]:.2f} / {m['skeleton']['mape'][h]:.2f}   (n={m['model']['n'][h]})")
    print(f"checks: {fa['checks']}")
    for kind in ('within_15pct', 'full_range'):
        print(f"what-if {kind}: model MAPE by month {wi[kind]['mape_by_horizon']['model']}")
        print(f"   skeleton only {wi[kind]['mape_by_horizon']['skeleton']}")
    print(f"monotonicity: {mono['share_right_way']} % right way, {mono['share_strictly_up']} % strictly up of {mono['increases_tested']}")
    print(f"speed: {sp}")
    print(f"without component columns: forecast MAPE {without['forecast_mape_by_horizon']}; "
          f"what-if worst month 1-6: within 15 % {bare_wi['checks']['within_15pct_worst_month_1_6']}, full range {bare_wi['checks']['full_range_worst_month_1_6']}")
    print("seed-compatible (model / last value / seasonal naive):")
    for name in ('panel_model_applied', 'trained_on_this_studio'):
        d = sc[name]
        print(f"  {name}: " + '; '.join(f"{k} {d['model'][k]} / {d['last_value'][k]} / {d['seasonal_naive'][k]}" for k in ('rmse', 'mape', 'r2', 'directional_accuracy')))
    print(f"wrote {dest}")


if __name__ == '__main__':
    main()
