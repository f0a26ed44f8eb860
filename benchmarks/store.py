"""Studio store benchmark (issue 13): ingest speed, idempotence, revisions and the answer log under concurrency, on the
embedded SQLite file and on a real PostgreSQL server (a throwaway cluster started here, as in tests/postgres.py).

Panel: the demo panel, 200 studios x 60 months (seed 1), written to CSV. For each back end: a first ingest into an empty
store (validation of the file + the upsert transaction, timed in-process, and the `studio-revenue ingest` command end to
end, which adds ~5-8 s of Python start-up and imports, on the last file again); a re-ingest of the same file (must change 0 rows); a file with one
corrected month (must keep the earlier value as revision 1); then 8 processes x 200 logged answers at once (must leave
exactly 1,600 rows). Writes reports/benchmarks/store.json. Run: .venv/bin/python benchmarks/store.py  (about two minutes)."""
import json, logging, os, subprocess, sys, tempfile, time
from pathlib import Path
import sqlalchemy as sa
from studio_revenue.core import load_history
from studio_revenue.simulate import generate_panel
from studio_revenue.store import open_store, ingest, logged_answers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests'))
from postgres import postgres_server, available  # noqa: E402
import log_writer  # noqa: E402

say = lambda *a: print(*a, file=sys.stderr, flush=True)


def measure(url: str, csv: Path, folder: Path) -> dict:
    out = {}
    t0 = time.perf_counter()
    history = load_history(csv)
    t_valid = time.perf_counter() - t0
    store = open_store(url)
    first = ingest(store, history, str(csv), 'bench')
    out['first_ingest'] = dict(rows=first.rows, inserted=first.inserted, validate_seconds=round(t_valid, 3),
                               upsert_seconds=first.seconds, total_seconds=round(t_valid + first.seconds, 3))
    t0 = time.perf_counter()
    again = ingest(store, load_history(csv), str(csv), 'bench')
    out['re_ingest'] = dict(changed_rows=again.inserted + again.revised, unchanged=again.unchanged,
                            total_seconds=round(time.perf_counter() - t0, 3))
    fixed = history.copy()
    at = fixed.index[(fixed.studio_id == 's-017') & (fixed.month == '2022-05-01')][0]
    was = float(fixed.loc[at, 'total_revenue'])
    fixed.loc[at, 'total_revenue'] = was - 321.0
    fixed.to_csv(folder / 'corrected.csv', index=False)
    fix = ingest(store, load_history(folder / 'corrected.csv'), 'corrected.csv', 'bench')
    with store.engine.connect() as c:
        kept = c.execute(sa.text("SELECT revision, total_revenue FROM history_revisions WHERE studio_id = 's-017'")).all()
        now = c.execute(sa.text("SELECT revision, total_revenue FROM history WHERE studio_id = 's-017' AND total_revenue = :v"),
                        {'v': was - 321.0}).all()
    out['corrected_month'] = dict(revised=fix.revised, earlier_revision_kept=[tuple(r) for r in kept] == [(1, was)],
                                  current=[list(r) for r in now])
    env = {**os.environ, 'DATABASE_URL': url, 'STUDIO_REVENUE_LOG': 'WARNING'}
    t0 = time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).parent / 'studio-revenue'), 'ingest', '--data', str(folder / 'corrected.csv'), '--json'], env=env,
                       capture_output=True, text=True)
    out['cli_re_ingest'] = dict(exit=r.returncode, wall_seconds=round(time.perf_counter() - t0, 2),
                                in_process_seconds=json.loads(r.stdout)['seconds'] if r.returncode == 0 else None,
                                changed_rows=(lambda d: d['inserted'] + d['revised'])(json.loads(r.stdout)) if r.returncode == 0 else None)
    writers, answers = 8, 200
    t0 = time.perf_counter()
    procs = [subprocess.Popen(log_writer.command(url, w, answers, 200, '2025-01-01')) for w in range(writers)]
    codes = [p.wait() for p in procs]
    log = logged_answers(store)
    pairs = {(x['writer'], x['i']) for x in log.inputs}
    out['parallel_log'] = dict(writers=writers, answers_each=answers, exit_codes=codes, rows=int(len(log)), distinct_answers=len(pairs),
                               exactly_one_row_per_answer=len(log) == len(pairs) == writers * answers,
                               seconds=round(time.perf_counter() - t0, 2))
    store.engine.dispose()
    return out


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    folder = Path(tempfile.mkdtemp(prefix='store-bench-'))
    csv = folder / 'demo_panel.csv'
    generate_panel(200, 60, seed=1).history.to_csv(csv, index=False)
    result = dict(panel='200 studios x 60 months (seed 1)', machine=f'{os.cpu_count()} cores', goal_seconds=5.0)
    say('SQLite …')
    result['sqlite'] = measure(f"sqlite:///{folder / 'store.db'}", csv, folder)
    why = available()
    if why: result['postgresql'] = dict(skipped=why)
    else:
        say('PostgreSQL …')
        with postgres_server() as url: result['postgresql'] = measure(url, csv, folder)
    for k in ('sqlite', 'postgresql'):
        if 'first_ingest' in result[k]: result[k]['meets_goal'] = result[k]['first_ingest']['total_seconds'] <= result['goal_seconds']
    out = ROOT / 'reports' / 'benchmarks' / 'store.json'
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
