"""Franchise scale: what each job costs at 200, 2,000 and 20,000 studios x 60 months (issue 15).

For every size: generate the panel, ingest it into a fresh SQLite store, train (months to 2023-12, default parameters,
tracking off), one `predict` from the command line (wall and peak memory of the whole process, p95 of several runs) and
in-process, a batch what-if for every studio x 12 months, a backtest (`evaluate` from 2023-12), the monthly report
(`report`, papermill) and a goal seek for every studio (in-process) plus `optimize` from the command line (p95).
Each step runs in its own process under /usr/bin/time, so its peak memory (max RSS) is its own.
The growth exponent of a step is the slope of log(seconds) on log(studios) over the sizes measured.

    .venv/bin/python benchmarks/scale.py                    # 200, 2000, 20000
    .venv/bin/python benchmarks/scale.py --sizes 200,2000   # what fits in the time you have
    .venv/bin/python benchmarks/scale.py --cli-only --model DIR --data FILE   # the command-line latency goals only

`--cli-only` measures, against a model and panel that already exist (e.g. kept with --keep), what a user of the command
line waits for: `predict` (wall, CPU, peak memory of the whole process), `optimize` (p50/p95 of --optimize-runs runs) and
`--help`, each run beside the load average at its start, plus where a `predict`'s time goes (imports, model, data,
forecast, store), written to reports/benchmarks/cli_latency.json; scale.json is left as it is. Answers are logged in a
throwaway SQLite store.

Results merge into reports/benchmarks/scale.json (a size run again replaces that size) and the plot
reports/benchmarks/scale.png. The machine's load averages are recorded with each size: timings taken while other jobs
share the cores are pessimistic.
"""
from __future__ import annotations
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / 'reports' / 'benchmarks'
PY = sys.executable
CLI = str(Path(PY).with_name('studio-revenue'))
TRAIN_UNTIL, BACKTEST_FROM = '2023-12', '2023-12'
GOALS = {'train_seconds_2000': 120, 'train_peak_mb_2000': 2048, 'model_mb_2000': 25, 'train_seconds_20000': 1200,
         'train_peak_mb_20000': 8192, 'train_growth_exponent': 1.15, 'predict_cli_seconds_2000': 1.0,
         'predict_cli_peak_mb_2000': 400, 'help_seconds': 0.3, 'optimize_cli_p95_seconds': 1.5,
         'batch_what_if_seconds_20000': 60}


def timed(cmd: list[str], env: dict, timeout: float | None = None) -> dict:
    "Run `cmd` under /usr/bin/time: wall seconds, peak memory (MB), exit code, stdout."
    with tempfile.NamedTemporaryFile('r', suffix='.time') as f:
        load1 = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.run(['/usr/bin/time', '-o', f.name, '-f', '%e %M %U %S'] + cmd, env=env, capture_output=True, text=True,
                           timeout=timeout)
        wall = time.perf_counter() - t0
        last = [l for l in Path(f.name).read_text().splitlines() if l.strip()][-1].split()
    if p.returncode != 0:
        print(f"  ! {' '.join(cmd[:3])}… exit {p.returncode}: {p.stderr[-1500:]}", file=sys.stderr)
    return dict(seconds=round(wall, 3), cpu_seconds=round(float(last[2]) + float(last[3]), 3), peak_mb=round(int(last[1]) / 1024, 1),
                exit_code=p.returncode, stdout=p.stdout, load_average_1min=round(load1, 2))


def step(name: str, folder: Path, env: dict) -> dict:
    "Run one in-process step (`--step NAME`) in its own process, measured like a command."
    r = timed([PY, __file__, '--step', name, '--dir', str(folder)], env)
    try: inner = json.loads(r.pop('stdout').strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError): inner = {}
    return {**r, **inner}


def load(folder: Path):
    from studio_revenue.core import load_history
    from studio_revenue.ensemble import RevenueModel
    from studio_revenue.intervals import ConformalIntervals, INTERVALS_FILE
    t0 = time.perf_counter()
    model = RevenueModel.load(folder / 'model')
    intervals = ConformalIntervals.read(folder / 'model' / INTERVALS_FILE)
    history = load_history(folder / 'panel.csv')
    return model, intervals, history, time.perf_counter() - t0


def run_step(name: str, folder: Path) -> dict:
    "The in-process steps: the figures a notebook user (or a service) sees once the model and panel are loaded."
    import numpy as np
    from studio_revenue.core import LEVER_NAMES, current_levers
    model, intervals, history, load_s = load(folder)
    studios = list(history.studio_id.unique())
    groups = {sid: h.sort_values('month') for sid, h in history.groupby('studio_id', sort=False)}
    out = dict(load_seconds=round(load_s, 2), studios=len(studios))
    if name == 'predict_inprocess':
        times = []
        for sid in studios[:20]:
            t0 = time.perf_counter(); model.predict(history, sid, {'avg_ticket_price': 180}, 12); times.append(time.perf_counter() - t0)
        out.update(p50_seconds=round(float(np.median(times)), 4), p95_seconds=round(float(np.percentile(times, 95)), 4),
                   calls=len(times), what='RevenueModel.predict(history, studio, plan, 12) on the loaded model')
    elif name == 'batch_what_if':
        from studio_revenue.distributed import batch_what_if, dask_client
        t0 = time.perf_counter()
        table = batch_what_if(model, history, {'avg_ticket_price': 150}, 12)
        out.update(compute_seconds=round(time.perf_counter() - t0, 2), plan_months=len(table),
                   what='every studio at a ticket price of $150 for 12 months, the rest held: distributed.batch_what_if in '
                        'this process (partitions of 1,000 studios, one model call each)')
        if os.environ.get('SCALE_DASK_WORKERS'):        # the same on a LocalCluster of this machine's cores
            client = dask_client('local', workers=int(os.environ['SCALE_DASK_WORKERS']))
            t0 = time.perf_counter(); there = batch_what_if(model, history, {'avg_ticket_price': 150}, 12, client=client)
            out.update(dask_compute_seconds=round(time.perf_counter() - t0, 2), dask_workers=int(os.environ['SCALE_DASK_WORKERS']),
                       dask_equal=bool(there.equals(table)))
            client.close(); client.cluster.close()
    elif name == 'goal_seek_all':
        from studio_revenue.goal_seek import goal_seek
        t0 = time.perf_counter(); feasible = 0; times = []
        limit = int(os.environ.get('SCALE_GOAL_SEEK_STUDIOS') or 0)
        picked = studios[:limit] if limit else studios
        for sid in picked:
            h = groups[sid]
            t1 = time.perf_counter()
            a = goal_seek(model, h, float(h.total_revenue.iloc[-1]) * 1.08, 6, intervals=intervals)
            times.append(time.perf_counter() - t1); feasible += a.feasible
        out.update(compute_seconds=round(time.perf_counter() - t0, 2), feasible=feasible, studios_sought=len(picked),
                   p50_seconds=round(float(np.median(times)), 4), p95_seconds=round(float(np.percentile(times, 95)), 4),
                   what='goal seek for every studio: +8 % on its last month by month 6, default constraints')
    return out


def measure_size(n: int, work: Path, keep: bool) -> dict:
    folder = work / f'scale-{n}'
    shutil.rmtree(folder, ignore_errors=True); folder.mkdir(parents=True)
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off', 'DATABASE_URL': f"sqlite:///{folder / 'store.db'}",
           'STUDIO_REVENUE_LOG': 'WARNING', 'MPLBACKEND': 'Agg'}
    panel, model = folder / 'panel.csv', folder / 'model'
    res = dict(studios=n, months=60, load_average_before=list(os.getloadavg()))
    print(f"== {n} studios", file=sys.stderr, flush=True)
    skip = set(filter(None, os.environ.get('SCALE_SKIP', '').split(',')))
    def note(k, r):
        res[k] = r
        print(f"  {k}: {r.get('seconds')} s, {r.get('peak_mb')} MB", file=sys.stderr, flush=True)
    note('generate', timed([CLI, 'generate', '--studios', str(n), '--months', '60', '--seed', '1', '--out', str(panel), '--json'], env))
    note('ingest', timed([CLI, 'ingest', '--data', str(panel), '--json'], env))
    r = timed([CLI, 'train', '--data', str(panel), '--until', TRAIN_UNTIL, '--model-dir', str(model), '--default-params', '--json'], env)
    r['model_mb'] = round(sum(f.stat().st_size for f in model.iterdir()) / 2**20, 2) if model.is_dir() else None
    r['files_mb'] = {f.name: round(f.stat().st_size / 2**20, 2) for f in model.iterdir()} if model.is_dir() else None
    note('train', r)
    if r['exit_code'] != 0: return res
    sid = 's-0001' if n >= 1000 else 's-001'
    from studio_revenue.core import load_history
    sid = load_history(panel).studio_id.iloc[0]
    runs = [timed([CLI, 'predict', '--model-dir', str(model), '--data', str(panel), '--studio', sid, '--months', '12',
                   '--levers', '{"avg_ticket_price": 180}', '--json'], env) for _ in range(5)]
    walls = sorted(x['seconds'] for x in runs)
    note('predict_cli', dict(seconds=walls[len(walls) // 2], p95_seconds=walls[-1], peak_mb=max(x['peak_mb'] for x in runs),
                             cpu_seconds=sorted(x['cpu_seconds'] for x in runs)[len(runs) // 2],
                             exit_code=max(x['exit_code'] for x in runs), runs=len(runs)))
    note('predict_inprocess', step('predict_inprocess', folder, env))
    note('batch_what_if', step('batch_what_if', folder, env))
    if 'backtest' in skip: res['backtest'] = 'skipped'
    else: note('backtest', timed([CLI, 'evaluate', '--model-dir', str(model), '--data', str(panel), '--from-month', BACKTEST_FROM, '--json'], env))
    if 'report' in skip: res['report'] = 'skipped'
    else: note('report', timed([CLI, 'report', '--model-dir', str(model), '--data', str(panel), '--month', 'latest',
                          '--out', str(folder / 'reports'), '--json'], env))
    if 'goal_seek_all' in skip: res['goal_seek_all'] = 'skipped'
    else: note('goal_seek_all', step('goal_seek_all', folder, env))
    import pandas as pd
    last = pd.read_csv(panel, usecols=['studio_id', 'total_revenue']).query('studio_id == @sid').total_revenue.iloc[-1]
    runs = [timed([CLI, 'optimize', '--model-dir', str(model), '--data', str(panel), '--studio', sid, '--target-revenue',
                   str(round(last * 1.08)), '--months', '6', '--json'], env) for _ in range(5)]
    walls = sorted(x['seconds'] for x in runs)
    note('optimize_cli', dict(seconds=walls[len(walls) // 2], p95_seconds=walls[-1], peak_mb=max(x['peak_mb'] for x in runs),
                              cpu_seconds=sorted(x['cpu_seconds'] for x in runs)[len(runs) // 2],
                              exit_code=max(x['exit_code'] for x in runs), runs=len(runs)))
    for r in res.values():
        if isinstance(r, dict): r.pop('stdout', None)
    res['load_average_after'] = list(os.getloadavg())
    if not keep: shutil.rmtree(folder, ignore_errors=True)
    return res


def cli_phases(model: str, data: str, studio: str) -> dict:
    "Where one `predict` from the command line spends its time, phase by phase in one fresh process (wall and CPU seconds)."
    t = [time.perf_counter(), time.process_time()]
    phases = {}
    def mark(name):
        w, c = time.perf_counter(), time.process_time()
        phases[name] = dict(seconds=round(w - t[0], 3), cpu_seconds=round(c - t[1], 3)); t[:] = [w, c]
    import numpy, pandas; mark('import numpy, pandas (+pyarrow)')
    import pydantic; mark('import pydantic')
    from studio_revenue import answer_log, cli, intervals; mark('import studio_revenue modules')
    m, iv, _ = cli.load_model(model); mark('load the model (checksums, ranges; no learner read yet)')
    history = cli.load_history(data, studios=[studio]); mark("read the panel, check the studio's rows")
    intervals.forecast_with_intervals(m, iv, history, studio, {'avg_ticket_price': 180}, 12, 0.9, None)
    mark("forecast (reads the weighed learners' trees)")
    row = answer_log.answer_row('forecast', studio, inputs={}, outputs={}, latency_ms=0.0, model_version=m.version,
                                model_ref=model, data_source=data, source='benchmark')
    if answer_log.quick_log(answer_log.store_url(), 'forecast', row) is None:
        from studio_revenue import store
        store.log_row(store.open_store(), 'forecast', row); mark('log the answer (SQLAlchemy: a new store)')
    else: mark('log the answer (sqlite3)')
    return dict(phases=phases, weights=m.weights_, modules_loaded=len(sys.modules),
                libraries_imported=[lib for lib in ('xgboost', 'lightgbm', 'sklearn', 'skops', 'sqlalchemy', 'treelite', 'scipy')
                                    if lib in sys.modules])


def compile_package() -> str:
    """Compile studio_revenue's modules as an install (or a first run) leaves them, and say so.

    Python caches a module's compiled code in __pycache__ the first time it imports it, and pip compiles a package it
    installs; this machine sets PYTHONDONTWRITEBYTECODE=1, which stops the first, so every command compiled the
    package's 9,000 lines afresh (0.05-0.1 s)."""
    import compileall, studio_revenue
    compileall.compile_dir(str(Path(studio_revenue.__file__).parent), quiet=1)
    return (f"studio_revenue compiled before the runs, as an install or a first run leaves it "
            f"(PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r} here)")


def host_loop() -> float:
    "How fast the host runs Python now: seconds for 10 million additions in a function (0.21-0.23 s on a fast minute here)."
    t, total = time.perf_counter(), 0
    for i in range(10_000_000): total += i
    return round(time.perf_counter() - t, 3)


def cli_latency(model: Path, data: Path, studio: str | None, optimize_runs: int, predict_runs: int) -> dict:
    "The command-line latency goals of issue 15 against an existing model and panel."
    import numpy as np, pandas as pd
    scratch = Path(tempfile.mkdtemp(prefix='studio-cli-'))
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off', 'DATABASE_URL': f"sqlite:///{scratch / 'store.db'}",
           'STUDIO_REVENUE_LOG': 'WARNING', 'MPLBACKEND': 'Agg'}
    panel = pd.read_csv(data, usecols=['studio_id', 'total_revenue'], dtype={'studio_id': str})
    studio = studio or panel.studio_id.iloc[0]
    last = float(panel[panel.studio_id == studio].total_revenue.iloc[-1])
    doc = dict(model=str(model), data=str(data), studio=studio, studios=int(panel.studio_id.nunique()), rows=len(panel),
               load_average_before=[round(x, 2) for x in os.getloadavg()])
    doc['bytecode'] = compile_package()
    doc['host_loop_seconds_before'] = host_loop()
    def summary(runs, what):
        walls, cpus = [r['seconds'] for r in runs], [r['cpu_seconds'] for r in runs]
        return dict(p50_seconds=round(float(np.median(walls)), 3), p95_seconds=round(float(np.percentile(walls, 95)), 3),
                    p50_cpu_seconds=round(float(np.median(cpus)), 3), p95_cpu_seconds=round(float(np.percentile(cpus, 95)), 3),
                    peak_mb=max(r['peak_mb'] for r in runs), exit_codes=sorted({r['exit_code'] for r in runs}), what=what,
                    runs=[{k: r[k] for k in ('seconds', 'cpu_seconds', 'peak_mb', 'load_average_1min')} for r in runs])
    print('  --help …', file=sys.stderr, flush=True)
    doc['help'] = summary([timed([CLI, '--help'], env) for _ in range(7)], 'studio-revenue --help')
    print('  predict …', file=sys.stderr, flush=True)
    cmd = [CLI, 'predict', '--model-dir', str(model), '--data', str(data), '--studio', studio, '--months', '12',
           '--levers', '{"avg_ticket_price": 180}', '--json']
    doc['predict'] = summary([timed(cmd, env) for _ in range(predict_runs)], ' '.join(cmd[1:]))
    print('  optimize …', file=sys.stderr, flush=True)
    cmd = [CLI, 'optimize', '--model-dir', str(model), '--data', str(data), '--studio', studio, '--target-revenue',
           str(round(last * 1.08)), '--months', '6', '--json']
    doc['optimize'] = summary([timed(cmd, env) for _ in range(optimize_runs)], ' '.join(cmd[1:]))
    print('  import floor …', file=sys.stderr, flush=True)
    floor = 'import numpy, pandas, pydantic'
    doc['import_floor'] = summary([timed([PY, '-c', floor], env) for _ in range(5)],
                                  f'python -c "{floor}": the libraries a command-line forecast cannot do without')
    r = timed([PY, __file__, '--step', 'cli_phases', '--model', str(model), '--data', str(data), '--studio', studio], env)
    try: doc['predict_phases'] = json.loads(r['stdout'].strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError): doc['predict_phases'] = dict(error=r['exit_code'])
    doc['load_average_after'] = [round(x, 2) for x in os.getloadavg()]
    doc['host_loop_seconds_after'] = host_loop()
    doc['goals'] = {k: GOALS[k] for k in ('predict_cli_seconds_2000', 'predict_cli_peak_mb_2000', 'help_seconds', 'optimize_cli_p95_seconds')}
    doc['met'] = dict(predict_seconds=doc['predict']['p50_seconds'] <= GOALS['predict_cli_seconds_2000'],
                      predict_peak_mb=doc['predict']['peak_mb'] <= GOALS['predict_cli_peak_mb_2000'],
                      help_seconds=doc['help']['p50_seconds'] <= GOALS['help_seconds'],
                      optimize_p95_seconds=doc['optimize']['p95_seconds'] <= GOALS['optimize_cli_p95_seconds'])
    doc.update(machine=dict(cpus=os.cpu_count(), python=platform.python_version()),
               note='wall seconds on 2 cores shared with other jobs: compare the load average of each run and the CPU seconds')
    shutil.rmtree(scratch, ignore_errors=True)
    return doc


def exponents(sizes: dict, key: str = 'seconds') -> dict:
    "Slope of log(`key`) on log(studios) per step, over the sizes measured (least squares)."
    import numpy as np
    out = {}
    steps = {k for r in sizes.values() for k, v in r.items() if isinstance(v, dict) and 'seconds' in v}
    for s in sorted(steps):
        pts = [(int(n), r[s][key]) for n, r in sizes.items() if isinstance(r.get(s), dict) and r[s].get('exit_code', 0) == 0
               and r[s].get(key)]
        if len(pts) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            out[s] = round(float(np.polyfit(x, y, 1)[0]), 3)
    return out


TABLE_ROWS = dict(generate='generate', ingest='ingest (SQLite)', train='train (to 2023-12, default parameters)',
                  predict_cli='`predict` from the command line (median of 5)',
                  predict_inprocess='predict in-process (process incl. loading)',
                  batch_what_if='what-if, every studio × 12 months (process, one model call per 1,000 studios)',
                  backtest='backtest (`evaluate` from 2023-12)', report='monthly report (`report`)',
                  goal_seek_all='goal seek, every studio (process)',
                  optimize_cli='`optimize` from the command line (median of 5)')


def table(doc: dict) -> str:
    "The README's table of every job at every size: wall s / CPU s / peak MB, and the growth exponents, from scale.json."
    ns = sorted(doc['sizes'], key=int)
    num = lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
    cell = lambda r: f"{num(r['seconds'])} / {num(r['cpu_seconds'])} / {r['peak_mb']:,.0f}" if isinstance(r, dict) else 'skipped'
    head = ' | '.join(f"{int(n):,} studios: wall s / CPU s / peak MB" for n in ns)
    lines = [f"| job | {head} | growth exponent wall / CPU |", '|---' * (len(ns) + 2) + '|']
    for k, label in TABLE_ROWS.items():
        g, c = doc['growth_exponents'].get(k), doc['growth_exponents_cpu'].get(k)
        cells = ' | '.join(cell(doc['sizes'][n].get(k)) for n in ns)
        lines.append(f"| {label} | {cells} | {g if g is not None else '–'} / {c if c is not None else '–'} |")
    return '\n'.join(lines)


def plot(sizes: dict, path: Path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    labels = dict(generate='generate', ingest='ingest', train='train', predict_cli='predict (command line)',
                  batch_what_if='what-if, every studio x 12 months', backtest='backtest', report='monthly report',
                  goal_seek_all='goal seek, every studio', optimize_cli='goal seek (command line)')
    ns = sorted(int(n) for n in sizes)
    for k, label in labels.items():
        pts = [(n, sizes[str(n)][k]['seconds']) for n in ns if isinstance(sizes[str(n)].get(k), dict)]
        if pts: ax.plot(*zip(*pts), marker='o', label=label)
    if ns:
        ax.plot(ns, [sizes[str(ns[0])]['train']['seconds'] * n / ns[0] for n in ns], 'k:', label='linear from train at the smallest size')
    ax.set(xscale='log', yscale='log', xlabel='studios (60 months each)', ylabel='seconds (2 shared cores)',
           title='Cost of each job by number of studios')
    ax.grid(True, which='both', alpha=.3); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', default='200,2000,20000')
    ap.add_argument('--work', default=None, help='scratch folder (default: a temporary one)')
    ap.add_argument('--keep', action='store_true', help='keep the panels and models')
    ap.add_argument('--goal-seek-studios', type=int, default=0,
                    help='goal seek only the first N studios in the every-studio step (default: all); recorded in the JSON')
    ap.add_argument('--dask-workers', type=int, default=0,
                    help='also run the batch what-if on a LocalCluster of N workers and check it equals the in-process table')
    ap.add_argument('--skip', default='', help='comma-separated steps not to run at this size (recorded as skipped)')
    ap.add_argument('--step'); ap.add_argument('--dir')
    ap.add_argument('--cli-only', action='store_true',
                    help='only the command-line latency goals (predict, optimize, --help) against --model and --data')
    ap.add_argument('--model', help='model directory for --cli-only (e.g. WORK/scale-2000/model kept with --keep)')
    ap.add_argument('--data', help='panel file for --cli-only (e.g. WORK/scale-2000/panel.csv)')
    ap.add_argument('--studio', default=None, help='studio to predict and goal seek for --cli-only (default: the first)')
    ap.add_argument('--optimize-runs', type=int, default=20)
    ap.add_argument('--predict-runs', type=int, default=10)
    ap.add_argument('--replot', action='store_true', help='recompute the exponents and the plot from scale.json only')
    ap.add_argument('--table', action='store_true', help="print the README's markdown table from scale.json")
    a = ap.parse_args()
    if a.replot:
        path = OUT / 'scale.json'; doc = json.loads(path.read_text())
        doc['growth_exponents'], doc['growth_exponents_cpu'] = exponents(doc['sizes']), exponents(doc['sizes'], 'cpu_seconds')
        path.write_text(json.dumps(doc, indent=2)); plot(doc['sizes'], OUT / 'scale.png'); return
    if a.table:
        print(table(json.loads((OUT / 'scale.json').read_text()))); return
    if a.goal_seek_studios: os.environ['SCALE_GOAL_SEEK_STUDIOS'] = str(a.goal_seek_studios)
    os.environ['SCALE_SKIP'] = a.skip
    if a.dask_workers: os.environ['SCALE_DASK_WORKERS'] = str(a.dask_workers)
    if a.step == 'cli_phases':
        print(json.dumps(cli_phases(a.model, a.data, a.studio))); return
    if a.step:
        print(json.dumps(run_step(a.step, Path(a.dir)))); return
    if a.cli_only:
        if not (a.model and a.data): ap.error('--cli-only needs --model and --data')
        OUT.mkdir(parents=True, exist_ok=True)
        doc = cli_latency(Path(a.model), Path(a.data), a.studio, a.optimize_runs, a.predict_runs)
        (OUT / 'cli_latency.json').write_text(json.dumps(doc, indent=2))
        print(json.dumps({k: v for k, v in doc.items() if k in ('met', 'load_average_before', 'load_average_after')}, indent=2))
        for k in ('predict', 'optimize', 'help', 'import_floor'):
            print(f"{k}: p50 {doc[k]['p50_seconds']} s (CPU {doc[k]['p50_cpu_seconds']} s), p95 {doc[k]['p95_seconds']} s, "
                  f"peak {doc[k]['peak_mb']} MB")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / 'scale.json'
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault('sizes', {})
    work = Path(a.work or tempfile.mkdtemp(prefix='studio-scale-'))
    doc['bytecode'] = compile_package()
    runs = [timed([CLI, '--help'], dict(os.environ)) for _ in range(7)]
    walls, cpus = sorted(r['seconds'] for r in runs), sorted(r['cpu_seconds'] for r in runs)
    doc['help'] = dict(median_seconds=walls[3], max_seconds=walls[-1], median_cpu_seconds=cpus[3], runs=7,
                       load_average=list(os.getloadavg()), what='wall and CPU (user+sys) of `studio-revenue --help`')
    for n in (int(x) for x in a.sizes.split(',')):
        doc['sizes'][str(n)] = measure_size(n, work, a.keep)
        doc['growth_exponents'] = exponents(doc['sizes'])
        doc['growth_exponents_cpu'] = exponents(doc['sizes'], 'cpu_seconds')  # less sensitive to the other jobs' load
        doc.update(goals=GOALS, machine=dict(cpus=os.cpu_count(), python=platform.python_version()),
                   note='2 cores shared with other jobs: see load_average_* per size; timings under load are pessimistic')
        path.write_text(json.dumps(doc, indent=2))
        plot(doc['sizes'], OUT / 'scale.png')
    print(json.dumps(doc, indent=2))


if __name__ == '__main__':
    main()
