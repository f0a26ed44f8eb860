"""Goal-seek benchmark (issue 6): recommended plans replayed through the simulator's truth.

Model: RevenueModel(n_jobs=2) trained on generate_panel(200, 60, seed=1), months 1-48.
Cases: 100 (held-out studio, target, H) on generate_panel(50, 48, seed=101): each studio twice, H spread over 1-12,
targets log-spread from +5 % to +300 % over the studio's true no-change month-H revenue.
  (a) feasible recommendations replayed with project(): share whose true month-H revenue is within +-3 % of the target;
  (b) the feasibility verdict against a brute-force search on the truth: every held plan of a grid of 5 values per free
      lever inside the same constraint box (seed defaults), priced by project_paths; feasible iff one reaches the target;
  (c) no recommended or alternative plan breaks a constraint or does worse (true revenue) than changing nothing;
  (d) latency per goal seek in-process;
and, beyond the issue: the effort of each recommendation against a dense random search priced by the same model, the
same cases asked with probability >= 0.9 (conformal intervals calibrated with the model), and 50 more cases with targets
within +-5 % of the true best revenue in the box, where a feasibility verdict is hardest.
Writes reports/benchmarks/goal_seek.json. Run: .venv/bin/python benchmarks/goal_seek.py  (about four minutes)."""
import json, logging, platform, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
from studio_revenue.core import LEVERS, LEVER_NAMES, validate_history, current_levers
from studio_revenue.simulate import generate_panel, project, project_paths
from studio_revenue.ensemble import RevenueModel
from studio_revenue.intervals import calibrate
from studio_revenue.goal_seek import goal_seek, check_constraints, effort_weights, DEFAULT_CONSTRAINTS

ROOT = Path(__file__).resolve().parents[1]
N_CASES, GRID, WITHIN, BOUNDARY = 100, 5, 0.03, 0.02
say = lambda *a: print(*a, file=sys.stderr, flush=True)


def cases(held, n=N_CASES, seed=0):
    "(studio, H, growth): every studio twice, H cycling 1-12, growth +5 %..+300 % log-spread and shuffled."
    rng = np.random.default_rng(seed)
    studios = list(held.profiles.index)
    growth = np.exp(np.linspace(np.log(1.05), np.log(4.0), n))
    rng.shuffle(growth)
    return [(studios[i % len(studios)], 1 + i % 12, float(growth[i])) for i in range(n)]


def truth_feasible(state, box, target, H):
    "Brute force on the truth: the best true month-H revenue over a grid of held plans inside the box."
    low, high = box.low.to_numpy(float), box.high.to_numpy(float)
    axes = [np.linspace(lo, hi, GRID) if hi > lo else np.array([lo]) for lo, hi in zip(low, high)]
    grid = np.stack(np.meshgrid(*axes, indexing='ij'), -1).reshape(-1, len(LEVER_NAMES))
    best = 0.0
    for chunk in np.array_split(grid, max(1, len(grid) // 20000)):
        r = project_paths(state, np.repeat(chunk[:, None], H, axis=1))['revenue'][:, H - 1]
        best = max(best, float(r.max()))
    corner = float(project_paths(state, np.repeat(high[None, None], H, axis=1))['revenue'][0, H - 1])
    return best >= target, best, corner, len(grid)


def breaks_constraints(levers, box):
    "Why a recommended plan breaks the default constraints, or None."
    for n in LEVER_NAMES:
        x, b = levers[n], box.loc[n]
        if not b.low - 1e-9 <= x <= b.high + 1e-9: return f"{n} = {x} outside [{b.low}, {b.high}]"
        if abs(x - b.current) > 1e-12:
            if LEVERS[n].check(x): return LEVERS[n].check(x)
            if LEVERS[n].integer and abs(x - round(x)) > 1e-9: return f"{n} = {x} is not whole"
    inc = dict(retention_rate=DEFAULT_CONSTRAINTS['max_retention_increase'], avg_ticket_price=DEFAULT_CONSTRAINTS['max_ticket_increase'],
               new_members_monthly=DEFAULT_CONSTRAINTS['max_new_members_increase'])
    for n, d in inc.items():
        if levers[n] > box.loc[n, 'current'] + d + 1e-9: return f"{n} rises by more than {d}"
    return None


def true_revenue(state, answer_levers, current, H):
    plan = {n: v for n, v in answer_levers.items() if abs(v - current[n]) > 1e-12}  # levers left out keep their value
    return float(project(state, plan, H).revenue.iloc[-1])


def random_search_effort(model, sh, box, target, H, n=40000, seed=0):
    "The least effort of n random plans in the box (whole members and classes) that the model predicts reach the target."
    rng = np.random.default_rng(seed)
    low, high, cur = (box[c].to_numpy(float) for c in ('low', 'high', 'current'))
    u = rng.uniform(0, 1, (n, len(LEVER_NAMES)))
    u[: n // 2] **= 3                                               # half: mostly small moves
    u[n // 2:] *= rng.random((n - n // 2, len(LEVER_NAMES))) < 0.5  # half: about half the levers move
    pts = low + u * (high - low)
    whole = np.array([LEVERS[n_].integer for n_ in LEVER_NAMES])
    pts[:, whole] = np.minimum(np.ceil(pts[:, whole] - 1e-9), high[whole])  # a plan holds whole members and classes
    r = model.predict_paths(sh, np.repeat(pts[:, None], H, axis=1))['revenue'][:, H - 1]
    ok = r >= target
    per_unit = effort_weights(None, dict(zip(LEVER_NAMES, cur)))  # the weights goal seek uses: relative to today's levels
    return float((np.abs(pts[ok] - cur) @ per_unit).min()) if ok.any() else None


def boundary_cases(model, held, hist, n=50, seed=1):
    "Targets within ±5 % of the true best (the upper corner of the box): where a verdict is hardest."
    rng = np.random.default_rng(seed)
    studios = list(held.profiles.index)
    offset = np.linspace(-0.05, 0.05, n)
    rng.shuffle(offset)
    rows = []
    for i, u in enumerate(offset):
        sid, H = studios[(i * 7) % len(studios)], 1 + (i * 5) % 12
        state, sh = held.state(sid), model.studio_history(hist, sid)
        now = current_levers(sh)
        box = check_constraints(None, now)
        corner_truth = float(project_paths(state, np.repeat(box.high.to_numpy(float)[None, None], H, axis=1))['revenue'][0, H - 1])
        target = round(corner_truth * (1 + u), 2)
        ans = goal_seek(model, sh, target, H)
        truth = true_revenue(state, ans.recommended_levers, now, H)
        rows.append(dict(studio=sid, H=H, offset_pct=round(100 * u, 2), feasible=ans.feasible, feasible_truth=bool(corner_truth >= target),
                         changes=len(ans.lever_changes), truth_vs_target_pct=round(100 * (truth / target - 1), 3),
                         broken=breaks_constraints(ans.recommended_levers, box)))
    return pd.DataFrame(rows)


def pct(x, q): return round(float(np.percentile(x, q)), 3) if len(x) else None


def main():
    logging.basicConfig(level=logging.INFO, format='%(message)s', stream=sys.stderr)
    t_all = time.perf_counter()
    panel = generate_panel(200, 60, seed=1)
    history = validate_history(panel.history)
    train = history[history.month <= history.month.min() + pd.DateOffset(months=47)]
    say(f"training on {train.studio_id.nunique()} studios x {train.month.nunique()} months")
    t0 = time.perf_counter()
    model = RevenueModel(n_jobs=2).fit(train)
    train_seconds = time.perf_counter() - t0
    intervals = calibrate(model)
    held = generate_panel(50, 48, seed=101, id_format='held-{:03d}')
    hist = validate_history(held.history)
    logging.getLogger('studio_revenue').setLevel(logging.WARNING)

    first = model.studio_history(hist, held.profiles.index[0])
    goal_seek(model, first, float(first.total_revenue.iloc[-1]) * 1.1, 6)  # warm-up (first predictions load the boosters' caches)

    rows = []
    say("goal seeks …")
    for k, (sid, H, growth) in enumerate(cases(held)):
        state, sh = held.state(sid), model.studio_history(hist, sid)
        now = current_levers(sh)
        assert all(abs(now[n] - state.levers[n]) < 1e-9 for n in LEVER_NAMES)
        truth_none = float(project(state, None, H).revenue.iloc[-1])
        target = round(growth * truth_none, 2)
        t0 = time.perf_counter()
        ans = goal_seek(model, sh, target, H)
        ms = 1000 * (time.perf_counter() - t0)
        box = check_constraints(None, now)
        truth = true_revenue(state, ans.recommended_levers, now, H)
        feasible_truth, best_truth, corner_truth, n_grid = truth_feasible(state, box, target, H)
        plans = [ans.model_dump()] + ans.alternatives
        broken = [b for p in plans if (b := breaks_constraints(p['recommended_levers'], box))]
        alt_truth = [true_revenue(state, p['recommended_levers'], now, H) for p in ans.alternatives]
        rows.append(dict(case=k + 1, studio=sid, H=H, growth_pct=round(100 * (growth - 1), 1), target=target,
                         truth_no_change=round(truth_none, 2), predicted_no_change=ans.baseline_revenue,
                         feasible=ans.feasible, feasible_truth=feasible_truth, plan=ans.plan, effort=ans.effort,
                         predicted=ans.achievable_revenue, truth=round(truth, 2),
                         truth_vs_target_pct=round(100 * (truth / target - 1), 3),
                         truth_vs_predicted_pct=round(100 * (truth / ans.achievable_revenue - 1), 3),
                         truth_corner=round(corner_truth, 2), truth_grid_best=round(best_truth, 2), grid_plans=n_grid,
                         corner_vs_target_pct=round(100 * (corner_truth / target - 1), 3),
                         binding=ans.binding_constraints, changes=len(ans.lever_changes),
                         alternatives=len(ans.alternatives), broken=broken,
                         worse_than_no_change=int(truth < truth_none - 1e-6) + sum(t < truth_none - 1e-6 for t in alt_truth),
                         alternatives_within_3pct=sum(abs(t / target - 1) <= WITHIN for t in alt_truth) if ans.feasible else None,
                         ms=round(ms, 1)))
        if (k + 1) % 20 == 0: say(f"  {k + 1} cases")
    f = pd.DataFrame(rows)

    say("effort against a random search …")
    effort_rows = []
    for r in f[f.feasible & (f.changes > 0)].head(30).itertuples():
        sh = model.studio_history(hist, r.studio)
        ref = random_search_effort(model, sh, check_constraints(None, current_levers(sh)), r.target, r.H)
        effort_rows.append(dict(case=r.case, goal_seek=r.effort, random_search=None if ref is None else round(ref, 4)))
    e = pd.DataFrame(effort_rows)
    e_ok = e.dropna()
    ratio = e_ok.goal_seek / e_ok.random_search

    say("with probability >= 0.9 …")
    prob_rows = []
    for r in f.itertuples():
        state, sh = held.state(r.studio), model.studio_history(hist, r.studio)
        now = current_levers(sh)
        ans = goal_seek(model, sh, r.target, r.H, intervals=intervals, probability=0.9)
        if not ans.feasible or not ans.lever_changes: continue
        prob_rows.append(dict(case=r.case, truth=true_revenue(state, ans.recommended_levers, now, r.H), target=r.target,
                              point_feasible=r.feasible))
    p = pd.DataFrame(prob_rows)

    say("targets near the boundary …")
    bd = boundary_cases(model, held, hist)
    bd_agree = bd.feasible == bd.feasible_truth
    band = pd.cut(bd.offset_pct.abs(), [-0.01, 1, 2, 5], labels=['|offset| <= 1 %', '1-2 %', '2-5 %'])
    bd_moved = bd[bd.feasible & (bd.changes > 0)]
    corner_err = 100 * (f[~f.feasible].truth / f[~f.feasible].predicted - 1)  # an infeasible answer's plan is the upper corner

    # (a) accuracy of feasible recommendations that change something (a no-change answer has no target to land on)
    fe = f[f.feasible]
    moved = fe[fe.changes > 0]
    within = (moved.truth_vs_target_pct.abs() <= 100 * WITHIN)
    # (b) verdicts
    agree = f.feasible == f.feasible_truth
    dis = f[~agree]
    near = dis.corner_vs_target_pct.abs() <= 100 * BOUNDARY
    # (d) latency
    ms = f.ms.to_numpy()
    figures = dict(
        benchmark='goal seek (issue 6)', command='.venv/bin/python benchmarks/goal_seek.py',
        panel='generate_panel(200, 60, seed=1); trained on months 1-48', held_out="generate_panel(50, 48, seed=101, id_format='held-{:03d}')",
        training=dict(seconds=round(train_seconds, 2), weights=model.weights_),
        cases=dict(n=len(f), what='each held-out studio twice; H cycles 1-12; targets +5 % .. +300 % (log-spread) over the true no-change month-H revenue',
                   constraints='the seed defaults ' + json.dumps(DEFAULT_CONSTRAINTS), feasible_by_model=int(f.feasible.sum()),
                   feasible_by_truth=int(f.feasible_truth.sum()), no_change_needed=int((f.feasible & (f.changes == 0)).sum())),
        accuracy=dict(what='feasible recommendations that change levers, replayed through project(): true month-H revenue against the target',
                      n=int(len(moved)), within_3pct=int(within.sum()), share_within_3pct=round(100 * within.mean(), 1) if len(moved) else None,
                      goal='>= 90 %', truth_vs_target_pct=dict(median=pct(moved.truth_vs_target_pct, 50), p5=pct(moved.truth_vs_target_pct, 5),
                                                               p95=pct(moved.truth_vs_target_pct, 95),
                                                               mean_abs=round(float(moved.truth_vs_target_pct.abs().mean()), 3)),
                      share_truth_reaches_target=round(100 * (moved.truth >= moved.target).mean(), 1),
                      by_H={int(h): dict(n=int(len(g)), within_3pct=int((g.truth_vs_target_pct.abs() <= 100 * WITHIN).sum()),
                                         mean_abs_pct=round(float(g.truth_vs_target_pct.abs().mean()), 3)) for h, g in moved.groupby('H')},
                      by_growth={lbl: dict(n=int(len(g)), within_3pct=int((g.truth_vs_target_pct.abs() <= 100 * WITHIN).sum()),
                                           mean_abs_pct=round(float(g.truth_vs_target_pct.abs().mean()), 3))
                                 for lbl, g in moved.groupby(pd.cut(moved.growth_pct, [0, 25, 50, 100, 200, 300]), observed=True)
                                 for lbl in [f"+{int(lbl.left)}..{int(lbl.right)} %"]},
                      alternatives=dict(n=int(fe.alternatives.sum()), within_3pct=int(fe.alternatives_within_3pct.sum()))),
        feasibility=dict(what=f'verdict against brute force on the truth: {GRID} values per free lever inside the same box (up to {GRID ** 7:,} held plans)',
                         agree=int(agree.sum()), share_agree=round(100 * agree.mean(), 1), goal='>= 95 %',
                         disagreements=int(len(dis)), within_2pct_of_boundary=int(near.sum()),
                         model_says_feasible_truth_not=int((dis.feasible & ~dis.feasible_truth).sum()),
                         model_says_infeasible_truth_feasible=int((~dis.feasible & dis.feasible_truth).sum()),
                         grid_best_equals_corner=bool(np.allclose(f.truth_grid_best, f.truth_corner, rtol=1e-9)),
                         cases=dis[['case', 'studio', 'H', 'growth_pct', 'feasible', 'feasible_truth', 'predicted', 'truth_corner', 'corner_vs_target_pct']].to_dict('records')),
        safety=dict(plans_checked=int(len(f) + f.alternatives.sum()), constraint_violations=int(f.broken.map(len).sum()),
                    worse_than_no_change_by_truth=int(f.worse_than_no_change.sum()), goal='0 and 0'),
        latency_ms=dict(p50=round(float(np.percentile(ms, 50)), 1), p95=round(float(np.percentile(ms, 95)), 1), max=round(float(ms.max()), 1),
                        goal='p95 <= 500 ms', what='goal_seek(model, studio_history, target, H) in-process, recommended plan + up to 2 alternatives',
                        by_H={int(h): round(float(g.ms.median()), 1) for h, g in f.groupby('H')}),
        effort_vs_random_search=dict(what='effort of the recommendation over the least effort of 40,000 random plans in the box the same model predicts reach the target',
                                     cases=int(len(e)), compared=int(len(e_ok)), ratio_median=pct(ratio, 50), ratio_max=round(float(ratio.max()), 3) if len(ratio) else None,
                                     random_search_found_cheaper_by_over_1pct=int((ratio > 1.01).sum())),
        probability_0_9=dict(what='the same cases with probability >= 0.9 (one-sided conformal lower bound): true revenue of the plans that change levers',
                             n=int(len(p)), share_truth_reaches_target=round(100 * (p.truth >= p.target).mean(), 1) if len(p) else None,
                             truth_vs_target_pct_median=pct(100 * (p.truth / p.target - 1), 50) if len(p) else None),
        boundary=dict(what='50 more cases with targets within +-5 % of the true best revenue in the box (the truth is monotone, so the upper corner is the best)',
                      n=int(len(bd)), agree=int(bd_agree.sum()), share_agree=round(100 * bd_agree.mean(), 1),
                      by_offset={str(b): dict(n=int(len(g)), agree=int((g.feasible == g.feasible_truth).sum())) for b, g in bd.groupby(band, observed=True)},
                      model_says_feasible_truth_not=int((bd.feasible & ~bd.feasible_truth).sum()),
                      model_says_infeasible_truth_feasible=int((~bd.feasible & bd.feasible_truth).sum()),
                      feasible_within_3pct=f"{int((bd_moved.truth_vs_target_pct.abs() <= 100 * WITHIN).sum())}/{len(bd_moved)}",
                      constraint_violations=int(bd.broken.notna().sum()),
                      corner_error_pct=dict(what='model vs truth at the upper corner, infeasible cases of the main set',
                                            n=int(len(corner_err)), median_abs=pct(corner_err.abs(), 50), p95_abs=pct(corner_err.abs(), 95),
                                            max_abs=round(float(corner_err.abs().max()), 3) if len(corner_err) else None)),
        plans=f.plan.value_counts().to_dict(),
        case_table=f.drop(columns=['broken']).to_dict('records'),
        total_seconds=round(time.perf_counter() - t_all, 1), machine=dict(python=platform.python_version(), cores=__import__('os').cpu_count()))
    dest = ROOT / 'reports' / 'benchmarks' / 'goal_seek.json'
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(figures, indent=2, default=lambda o: o.item() if hasattr(o, 'item') else str(o)) + '\n')
    a, fb, s, lt, ev, pr = (figures[k] for k in ('accuracy', 'feasibility', 'safety', 'latency_ms', 'effort_vs_random_search', 'probability_0_9'))
    print(f"training {train_seconds:.1f} s; {len(f)} cases, feasible by model {int(f.feasible.sum())}, by truth {int(f.feasible_truth.sum())}")
    print(f"(a) within ±3 % of target: {a['within_3pct']}/{a['n']} = {a['share_within_3pct']} % (goal ≥ 90 %); "
          f"truth vs target median {a['truth_vs_target_pct']['median']} %, p5 {a['truth_vs_target_pct']['p5']} %, p95 {a['truth_vs_target_pct']['p95']} %")
    print(f"    by growth: {a['by_growth']}")
    print(f"(b) verdict agrees with brute force: {fb['agree']}/{len(f)} = {fb['share_agree']} % (goal ≥ 95 %); "
          f"{fb['disagreements']} disagreements, {fb['within_2pct_of_boundary']} within ±2 % of the boundary")
    print(f"(c) constraint violations {s['constraint_violations']}, worse than no change {s['worse_than_no_change_by_truth']} of {s['plans_checked']} plans")
    print(f"(d) latency p50 {lt['p50']} ms, p95 {lt['p95']} ms, max {lt['max']} ms (goal p95 ≤ 500 ms)")
    b = figures['boundary']
    print(f"boundary (targets within ±5 % of the true best): verdicts agree {b['agree']}/{b['n']}, by |offset| {b['by_offset']}; "
          f"model error at the corner: median {b['corner_error_pct']['median_abs']} %, p95 {b['corner_error_pct']['p95_abs']} %")
    print(f"effort / random search: median {ev['ratio_median']}, max {ev['ratio_max']} ({ev['compared']} cases)")
    print(f"probability ≥ 0.9: true revenue reaches the target in {pr['share_truth_reaches_target']} % of {pr['n']} plans")
    print(f"wrote {dest}")


if __name__ == '__main__':
    main()
