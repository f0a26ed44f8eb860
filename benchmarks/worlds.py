"""Cross-world benchmark (issue 10): what-if and goal-seek answers scored in every economics family of the simulator.

For each world (`generate_panel(economics=...)`): train on 150 studios x 48 months (generate_panel(150, 60, seed=1)),
then
  - forecasts from origins 48..59 with the levers as run against the oracle (the simulator's noise-free expectation),
    and 90 % interval coverage of those realized months;
  - what-if on 50 unseen studios (generate_panel(50, 48, seed=101)): 400 random plans held 12 months, half within
    +-15 % of today, half across the full lever ranges; MAPE against project() per horizon, 90 % band coverage of the
    true expected revenue, and the share of plans flagged outside the data's support;
  - monotonicity of single-lever increases;
  - goal seek on the unseen studios (targets +5 %..+300 % over the true no-change revenue, the schedule free to grow to
    2.5x today's): share of feasible plans within +-3 % of the target on the truth, verdict agreement with brute force on
    the truth in the same box, constraint violations, plans needing more visits than the studio's members and drop-in
    demand can book (in the truth), latency.
Writes reports/benchmarks/worlds/<world>.json and reports/benchmarks/worlds.json (one table per world).
Run: .venv/bin/python benchmarks/worlds.py [--worlds default,demand_limited] [--cases 40] [--tag baseline]
(about two to three minutes per world on two cores)."""
import argparse, json, logging, os, platform, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio_revenue.core import LEVERS, LEVER_NAMES, validate_history, current_levers
from studio_revenue.simulate import generate_panel, project, bookable_visits, ECONOMICS
from studio_revenue.ensemble import RevenueModel
from studio_revenue.intervals import calibrate, plan_bounds, ceiling_scenarios
from studio_revenue.evaluate import realized_forecasts
from studio_revenue.goal_seek import goal_seek, check_constraints
from forward import forecast_accuracy, sampled_plans, monotonicity, _by_h
from goal_seek import truth_feasible, breaks_constraints, true_revenue, cases

ROOT = Path(__file__).resolve().parents[1]
WORLDS = ECONOMICS + ('mixed',)
HELD_OUT_WORLD = 'price_linked'  # no modelling choice was made looking at this world
LEVEL, WITHIN, SCHEDULE_GROWTH = 0.9, 0.03, 2.5
say = lambda *a: print(*a, file=sys.stderr, flush=True)


def plan_band(model, intervals, sh, paths, level=LEVEL):
    "Prediction and band of plans; the widened band where the model offers one (support-aware), else the plain one."
    pred = model.predict_paths(sh, paths)
    lo, hi = plan_bounds(intervals, ceiling_scenarios(model, sh, paths, pred), level)  # spans both answers where unsure of a ceiling
    return pred, lo, hi


def what_if(model, intervals, held, n_plans=400, months=12, seed=0):
    hist = validate_history(held.history)
    rows = []
    for kind, sid, path, truth in sampled_plans(held, n_plans, months, seed):
        pred, lo, hi = plan_band(model, intervals, model.studio_history(hist, sid), path)
        outside = bool(pred['outside_support'].any())
        for j in range(months):
            rows.append(dict(kind=kind, horizon=j + 1, truth=truth[j], model=pred['revenue'][0, j], lower=lo[0, j], upper=hi[0, j],
                             outside=outside))
    f = pd.DataFrame(rows)
    out = {}
    for kind, g in f.groupby('kind'):
        ape = (100 * (g.model - g.truth).abs() / g.truth).groupby(g.horizon).mean()
        cover = ((g.truth >= g.lower) & (g.truth <= g.upper))
        out[kind] = dict(plans=int(len(g) // months), mape_by_horizon=_by_h(ape), mape_months_1_6=round(float(ape.loc[1:6].max()), 3),
                         coverage_90=round(100 * float(cover.mean()), 1),
                         coverage_90_outside_support=round(100 * float(cover[g.outside].mean()), 1) if g.outside.any() else None,
                         share_flagged_outside_support=round(100 * float(g.outside.mean()), 1))
    return out


def realized_coverage(model, intervals, history, train_end):
    fc = realized_forecasts(model, history, first_origin=train_end, intervals=intervals, levels=(LEVEL,))
    ok = (fc.actual >= fc[f'lower_{LEVEL:g}']) & (fc.actual <= fc[f'upper_{LEVEL:g}'])
    by_h = ok.groupby(fc.horizon).mean() * 100
    return dict(overall=round(float(ok.mean() * 100), 1), by_horizon=_by_h(by_h), n=int(len(fc)))


def offered_visits(state, levers):
    return levers['total_classes_held'] * state.profile['capacity'] * levers['class_attendance_rate']


def goal_seeks(model, held, n_cases):
    hist = validate_history(held.history)
    rows = []
    for k, (sid, H, growth) in enumerate(cases(held, n_cases)):
        state, sh = held.state(sid), model.studio_history(hist, sid)
        now = current_levers(sh)
        cons = {'bounds': {'total_classes_held': [None, float(min(LEVERS['total_classes_held'].high,
                                                                  max(now['total_classes_held'], np.floor(SCHEDULE_GROWTH * now['total_classes_held']))))]}}
        box = check_constraints(cons, now)
        target = round(growth * float(project(state, None, H).revenue.iloc[-1]), 2)
        t0 = time.perf_counter()
        kw = {'current_member_count': None} if 'current_member_count' in goal_seek.__code__.co_varnames else {}
        ans = goal_seek(model, sh, target, H, constraints=cons, **kw)
        ms = 1000 * (time.perf_counter() - t0)
        plan = ans.recommended_levers
        truth_frame = project(state, {n: v for n, v in plan.items() if abs(v - now[n]) > 1e-12}, H)
        truth = float(truth_frame.revenue.iloc[-1])
        feasible_truth, best, corner, _ = truth_feasible(state, box, target, H)
        # visits the plan asks for against what members and drop-in demand can book (the truth's ceiling; inf where none)
        cal = [(state.month.month + j) % 12 + 1 for j in range(H)]
        cap = np.array([bookable_visits(state.profile, m, c) for m, c in zip(truth_frame.members, cal)], float)
        over = bool(ans.lever_changes) and bool((offered_visits(state, plan) > 1.02 * cap).any())
        rows.append(dict(studio=sid, H=H, growth=growth, target=target, feasible=ans.feasible, feasible_truth=feasible_truth,
                         changes=len(ans.lever_changes), truth_vs_target_pct=100 * (truth / target - 1),
                         broken=breaks_constraints(plan, box), beyond_bookable=over, ms=ms,
                         classes_ratio=plan['total_classes_held'] / now['total_classes_held'],
                         outside_support=len(ans.outside_support)))
    f = pd.DataFrame(rows)
    moved = f[f.feasible & (f.changes > 0)]
    within = moved.truth_vs_target_pct.abs() <= 100 * WITHIN
    agree = f.feasible == f.feasible_truth
    return dict(cases=len(f), feasible_by_model=int(f.feasible.sum()), feasible_by_truth=int(f.feasible_truth.sum()),
                within_3pct=f"{int(within.sum())}/{len(moved)}", share_within_3pct=round(100 * float(within.mean()), 1) if len(moved) else None,
                share_verdicts_agree=round(100 * float(agree.mean()), 1),
                verdicts=dict(model_feasible_truth_not=int((f.feasible & ~f.feasible_truth).sum()),
                              model_infeasible_truth_feasible=int((~f.feasible & f.feasible_truth).sum())),
                constraint_violations=int(f.broken.notna().sum()), plans_beyond_bookable_visits=int(f.beyond_bookable.sum()),
                plans_naming_levers_outside_support=int((f.outside_support > 0).sum()),
                schedule_ratio=dict(median=round(float(moved.classes_ratio.median()), 2) if len(moved) else None,
                                    max=round(float(moved.classes_ratio.max()), 2) if len(moved) else None),
                latency_ms=dict(p50=round(float(np.percentile(f.ms, 50)), 1), p95=round(float(np.percentile(f.ms, 95)), 1)))


def load_average():
    "The machine's 1/5/15-minute load averages (the cores are shared: timings depend on them)."
    return ' / '.join(f'{x:.2f}' for x in os.getloadavg())


def run_world(world, n_cases, make_model=lambda: RevenueModel(n_jobs=2)):
    t_all, load_start = time.perf_counter(), load_average()
    panel = generate_panel(150, 60, seed=1, economics=world)
    history = validate_history(panel.history)
    train_end = history.month.min() + pd.DateOffset(months=47)
    t0 = time.perf_counter()
    model = make_model().fit(history[history.month <= train_end])
    train_s = time.perf_counter() - t0
    intervals = calibrate(model)
    logging.getLogger('studio_revenue').setLevel(logging.WARNING)
    say(f"[{world}] trained in {train_s:.1f} s; forecasts …")
    fa, _ = forecast_accuracy(model, panel, history, train_end)
    cov = realized_coverage(model, intervals, history, train_end)
    held = generate_panel(50, 48, seed=101, id_format='held-{:03d}', economics=world)
    say(f"[{world}] what-ifs …")
    wi = what_if(model, intervals, held)
    mono = monotonicity(model, held, bases_per_studio=4)
    say(f"[{world}] goal seeks …")
    gs = goal_seeks(model, held, n_cases)
    m = fa['by_method']
    table = {'forecast h=1 MAPE (model / oracle)': f"{m['model']['mape'][1]:.2f} / {m['oracle']['mape'][1]:.2f}",
             'h=1 model / oracle': fa['checks']['h1_mape_over_oracle'],
             'what-if ±15 % worst month 1-6 MAPE': wi['within_15pct']['mape_months_1_6'],
             'what-if full-range worst month 1-6 MAPE': wi['full_range']['mape_months_1_6'],
             '90 % coverage realized months': cov['overall'],
             '90 % coverage ±15 % plans (truth)': wi['within_15pct']['coverage_90'],
             '90 % coverage full-range plans (truth)': wi['full_range']['coverage_90'],
             'monotone share': mono['share_right_way'],
             'goal seek within ±3 % (feasible)': f"{gs['within_3pct']} = {gs['share_within_3pct']} %",
             'goal seek verdicts agree': gs['share_verdicts_agree'], 'constraint violations': gs['constraint_violations'],
             'plans beyond bookable visits': gs['plans_beyond_bookable_visits'], 'goal seek p95 ms': gs['latency_ms']['p95'],
             'training s': round(train_s, 1), 'load average 1/5/15 min (start, end)': f'{load_start}; {load_average()}'}
    return dict(world=world, held_out_from_modelling_choices=world == HELD_OUT_WORLD, table=table,
                training_seconds=round(train_s, 1), forecast=dict(checks=fa['checks'], mape_by_horizon={k: m[k]['mape'] for k in m}),
                realized_coverage_90=cov, what_if=wi, monotonicity={k: mono[k] for k in ('increases_tested', 'share_right_way')},
                goal_seek=gs, seconds=round(time.perf_counter() - t_all, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--worlds', default=','.join(WORLDS), help=f"comma-separated, from {', '.join(WORLDS)}")
    ap.add_argument('--cases', type=int, default=40, help='goal-seek cases per world')
    ap.add_argument('--tag', default='', help='suffix of the output files (e.g. baseline)')
    a = ap.parse_args()
    worlds = [w.strip() for w in a.worlds.split(',') if w.strip()]
    bad = [w for w in worlds if w not in WORLDS]
    if bad: ap.error(f"unknown world {bad[0]!r}; known: {', '.join(WORLDS)}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    out_dir = ROOT / 'reports' / 'benchmarks' / 'worlds'
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"_{a.tag}" if a.tag else ''
    summary_file = ROOT / 'reports' / 'benchmarks' / f'worlds{suffix}.json'
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    for w in worlds:
        res = run_world(w, a.cases)
        (out_dir / f'{w}{suffix}.json').write_text(json.dumps(res, indent=2, default=float) + '\n')
        summary.setdefault('worlds', {})[w] = res['table']
        summary_file.write_text(json.dumps(summary, indent=2, default=float) + '\n')  # a world at a time: an interrupted run keeps its figures
        say(f"[{w}] {json.dumps(res['table'])}")
    summary.update(benchmark='cross-world what-if and goal seek (issue 10)',
                   command=f'.venv/bin/python benchmarks/worlds.py --worlds {a.worlds}' + (f' --tag {a.tag}' if a.tag else ''),
                   held_out_world=HELD_OUT_WORLD, machine=dict(python=platform.python_version(), cores=__import__('os').cpu_count()))
    summary_file.write_text(json.dumps(summary, indent=2, default=float) + '\n')
    print(pd.DataFrame(summary['worlds']).to_string())


if __name__ == '__main__':
    main()
