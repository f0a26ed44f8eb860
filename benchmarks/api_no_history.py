"""Studios with no history (issue 14 item 2): how good is the API's answer from the pooled profile of a studio's type?
A generated panel of 80 studios × 60 months; the model is trained on, and the store holds, the first 60 studios up to month 48.
The other 20 studios are unseen: the API is asked about each (in process, `answer_for` as the endpoint calls it) with only its
levers and member count at month 48, pooled by its type and over all studios. Scored against the simulator:
- realized: the levers the studio then ran in months 49-60 against the revenue it earned (the ranges' coverage of real months);
- what-if: the levers held and three plans within ±15 % against `simulate.project`, the noise-free truth.
Next to it, the same studios answered WITH their 48 months of history (`forecast_with_intervals`), to show what the missing
history costs. Writes reports/benchmarks/api_no_history.json. Run: .venv/bin/python benchmarks/api_no_history.py (≈ 2 min)."""
import json, os, platform, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
from studio_revenue.core import LEVERS, LEVER_NAMES
from studio_revenue.simulate import generate_panel, project
from studio_revenue.ensemble import RevenueModel
from studio_revenue.intervals import calibrate, forecast_with_intervals
from studio_revenue.store import open_store, ingest
from studio_revenue.api import Service, ServingModel, ForwardRequest, answer_for, forward_compute

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get('STUDIO_REVENUE_BENCHMARK_DIR', ROOT / 'reports' / 'benchmarks')) / 'api_no_history.json'
PARAMS = {'xgboost': {'n_estimators': 100}, 'lightgbm': {'n_estimators': 100}, 'random_forest': {'n_estimators': 40}}
KNOWN, UNSEEN, CUT, H, LEVEL = 60, 20, 48, 12, 0.9


def inside(plan):
    "Whether every value of a plan is inside the lever ranges an API request may ask for."
    return all(LEVERS[n].low <= x <= LEVERS[n].high for n, v in plan.items() for x in (v if isinstance(v, list) else [v]))


def plans(now, rng):
    "Levers held (clipped to the lever ranges), then three plans moving every lever by up to ±15 % (kept inside the ranges)."
    out = [{n: float(np.clip(v, LEVERS[n].low, LEVERS[n].high)) for n, v in now.items()}]
    for _ in range(3):
        out.append({n: float(np.clip(v * rng.uniform(0.85, 1.15), LEVERS[n].low, LEVERS[n].high)) for n, v in now.items()})
    for p in out:
        for n in ('new_members_monthly', 'total_classes_held'): p[n] = float(round(p[n]))
    return out


def score(rows):
    "MAPE and 90 % coverage per horizon, and overall, of rows (horizon, truth, forecast, lower, upper)."
    f = pd.DataFrame(rows, columns=['horizon', 'truth', 'forecast', 'lower', 'upper'])
    f['ape'] = (f.forecast - f.truth).abs() / f.truth * 100
    f['inside'] = (f.lower <= f.truth) & (f.truth <= f.upper)
    f['width'] = (f.upper - f.lower) / f.forecast * 100
    by = f.groupby('horizon').agg(mape=('ape', 'mean'), coverage=('inside', 'mean'), width=('width', 'mean'))
    return dict(n=len(f), mape_pct=round(float(f.ape.mean()), 2), coverage_pct=round(float(f.inside.mean() * 100), 1),
                mean_range_width_pct=round(float(f.width.mean()), 1),
                by_horizon={int(h): dict(mape_pct=round(r.mape, 2), coverage_pct=round(r.coverage * 100, 1), range_width_pct=round(r.width, 1))
                            for h, r in by.iterrows()})


def main():
    t0 = time.perf_counter()
    panel = generate_panel(KNOWN + UNSEEN, CUT + H, seed=21)
    hist = panel.history
    ids = sorted(hist.studio_id.unique())
    known, unseen = ids[:KNOWN], ids[KNOWN:]
    cut = hist.month.sort_values().unique()[CUT - 1]
    train = hist[hist.studio_id.isin(known) & (hist.month <= cut)]
    print(f'training on {len(known)} studios × {CUT} months', flush=True)
    model = RevenueModel(PARAMS, n_jobs=2).fit(train)
    serving = ServingModel(model, calibrate(model), 'benchmark', '1', time.time())
    tmp = Path(tempfile.mkdtemp(prefix='api-nohist-'))
    store = open_store(f"sqlite:///{tmp / 'store.db'}")
    ingest(store, train)
    svc = Service('benchmark', f"sqlite:///{tmp / 'store.db'}", serving=serving)
    rng = np.random.default_rng(5)
    rows = {k: [] for k in ('realized_pooled_type', 'realized_pooled_all', 'realized_with_history',
                            'whatif_pooled_type', 'whatif_pooled_all', 'whatif_with_history')}
    latency, bases, skipped = [], {}, 0
    for sid in unseen:
        own = hist[hist.studio_id == sid]
        at, ahead = own[own.month <= cut], own[own.month > cut]
        kind = own.studio_type.iloc[0]
        now = {n: float(at[LEVERS[n].column].iloc[-1]) for n in LEVER_NAMES}
        members = float(at.total_members.iloc[-1])
        realized = {n: ahead[LEVERS[n].column].astype(float).tolist() for n in LEVER_NAMES}
        state = panel.state(sid, cut)
        skipped += not inside(realized)
        cases = [('realized', realized, ahead.total_revenue.to_numpy(float))] * inside(realized) + \
                [('whatif', p, project(state, p, H).revenue.to_numpy()) for p in plans(now, rng)]
        for name, plan, truth in cases:
            for pool, studio_type in (('type', kind), ('all', None)):
                req = ForwardRequest(studio_id=f'new-{sid}', projection_months=H, interval=LEVEL, studio_type=studio_type,
                                     levers={**plan, 'current_member_count': members})
                t1 = time.perf_counter(); a = answer_for(svc, 'forecast', req, forward_compute); latency.append(time.perf_counter() - t1)
                assert a['history_months'] == 0
                bases[pool] = a['profile']['basis'] if pool == 'all' else bases.get(pool, []) + [a['profile']['basis']]
                rows[f'{name}_pooled_{pool}'] += [(h + 1, truth[h], p['revenue'], p['revenue_lower'], p['revenue_upper'])
                                                   for h, p in enumerate(a['predictions'])]
            fc = forecast_with_intervals(model, serving.intervals, at, sid, plan, H, LEVEL, members)
            rows[f'{name}_with_history'] += [(h + 1, truth[h], r.revenue, r.revenue_lower, r.revenue_upper) for h, r in enumerate(fc.itertuples())]
    svc.log.close()
    lat = np.array(latency) * 1000
    out = dict(machine=f"{platform.machine()}, {os.cpu_count()} cores", load_average_at_start=os.getloadavg(),
               setup=dict(studios_known=KNOWN, studios_unseen=UNSEEN, months_known=CUT, horizon=H, interval=LEVEL, plans_per_studio=4,
                          whatif='levers held + 3 plans within ±15 % of today, truth = simulate.project (noise-free)',
                          realized='the levers run in months 49-60, truth = the revenue earned (with noise)'),
               realized_cases_skipped_outside_lever_ranges=skipped,
               pooled_by_type_basis={b: bases['type'].count(b) for b in set(bases['type'])},
               figures={k: score(v) for k, v in rows.items()},
               pooled_answer_ms=dict(p50=round(float(np.percentile(lat, 50)), 1), p95=round(float(np.percentile(lat, 95)), 1),
                                     note='first request includes the leave-one-studio-out calibration'),
               seconds=round(time.perf_counter() - t0, 1))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2))
    print(json.dumps({k: (v['mape_pct'], v['coverage_pct'], v['mean_range_width_pct']) for k, v in out['figures'].items()}, indent=1))
    print(out['pooled_answer_ms'], out['pooled_by_type_basis'])


if __name__ == '__main__':
    main()
