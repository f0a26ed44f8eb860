"""The studio store against both back ends: the embedded SQLite file and a real PostgreSQL server started here.
These live in pytest, not in a notebook, because they start a server and several processes (STYLE: tests that need a server)."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from studio_revenue.core import validate_history, LEVERS, LEVER_NAMES
from studio_revenue.simulate import generate_panel
from studio_revenue.store import open_store, ingest, read_history, log_answer, logged_answers, migrate, _engine, HEAD, _revision
from studio_revenue.monitor import monitor
from postgres import postgres_server, available
import log_writer

BIN = Path(sys.executable).parent
CLI = str(BIN / 'studio-revenue')


@pytest.fixture(scope='module')
def pg_server():
    why = available()
    if why: pytest.skip(why)
    with postgres_server() as url: yield url


_counter = iter(range(10 ** 6))


@pytest.fixture(params=['sqlite', 'postgresql'])
def url(request, tmp_path):
    "A fresh, empty store on each back end (PostgreSQL: a new database on the module's server)."
    if request.param == 'sqlite':
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue('pg_server')
    name = f"store_{os.getpid()}_{next(_counter)}"
    admin = sa.create_engine(server, isolation_level='AUTOCOMMIT')
    with admin.connect() as c: c.exec_driver_sql(f'CREATE DATABASE {name}')
    yield server.rsplit('/', 1)[0] + '/' + name
    with admin.connect() as c: c.exec_driver_sql(f'DROP DATABASE {name} WITH (FORCE)')
    admin.dispose()


def counts(url):
    with open_store(url).engine.connect() as c:
        return {t: c.execute(sa.text(f'SELECT COUNT(*) FROM {t}')).scalar()
                for t in ('studios', 'history', 'history_revisions', 'ingests', 'prediction_log')}


def test_ingest_reingest_and_revision(url):
    panel = generate_panel(8, 30, seed=4).history
    store = open_store(url)
    first = ingest(store, validate_history(panel), 'panel.csv', 'ana')
    assert (first.inserted, first.revised, first.unchanged) == (240, 0, 0)
    before = read_history(store)
    again = ingest(store, validate_history(panel), 'panel.csv', 'ana')
    assert (again.inserted, again.revised, again.unchanged, again.changes) == (0, 0, 240, [])
    pd.testing.assert_frame_equal(read_history(store), before)
    fixed = panel.copy()
    at = (fixed.studio_id == 's-003') & (fixed.month == '2021-06-01')
    was = float(fixed.loc[at, 'total_revenue'].iloc[0])
    fixed.loc[at, 'total_revenue'] = was + 99.5
    res = ingest(store, validate_history(fixed), 'june_fix.csv', 'ben')
    assert (res.inserted, res.revised) == (0, 1)
    assert res.changes == [dict(studio_id='s-003', month='2021-06-01', column='total_revenue', old=was, new=was + 99.5, revision=2)]
    with store.engine.connect() as c:
        kept = c.execute(sa.text("SELECT revision, total_revenue, ingested_by, source_file FROM history_revisions")).all()
        now = c.execute(sa.text("SELECT revision, total_revenue, ingested_by FROM history WHERE studio_id = 's-003' "
                                "AND month = :m"), {'m': pd.Timestamp('2021-06-01').date()}).one()
    assert [tuple(r) for r in kept] == [(1, was, 'ana', 'panel.csv')]
    assert tuple(now) == (2, was + 99.5, 'ben')
    assert read_history(store, 's-003').attrs['data_versions'] == {'s-003': 2}


def test_older_store_is_upgraded_not_wiped(url):
    engine = _engine(url)
    assert migrate(engine, '0001') == '0001'
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO studios (studio_id, studio_type, created_at) VALUES ('s-1', 'boutique', :t)"), {'t': pd.Timestamp.now(tz='UTC').to_pydatetime()})
        c.execute(sa.text("INSERT INTO history (studio_id, month, total_revenue, ingested_at, ingested_by, source_file) "
                          "VALUES ('s-1', :m, 5000.0, :t, 'ana', 'old.csv')"), {'m': pd.Timestamp('2023-01-01').date(), 't': pd.Timestamp.now(tz='UTC').to_pydatetime()})
    engine.dispose()
    store = open_store(url)
    with store.engine.connect() as c:
        assert _revision(c) == HEAD
        assert c.execute(sa.text("SELECT total_revenue FROM history")).scalar() == 5000.0
        assert c.execute(sa.text("SELECT data_version FROM studios")).scalar() == 1


def test_parallel_writers_lose_and_double_nothing(url):
    store = open_store(url)   # migrations done once; the writers race on the log only
    ingest(store, validate_history(generate_panel(5, 14, seed=1).history), 'p.csv')
    writers, answers = 8, 200
    procs = [subprocess.Popen(log_writer.command(url, w, answers, 5, '2024-01-01'), stderr=subprocess.PIPE, text=True)
             for w in range(writers)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    log = logged_answers(store)
    assert len(log) == writers * answers
    pairs = {(r['writer'], r['i']) for r in log.inputs}
    assert len(pairs) == writers * answers          # every answer exactly once
    assert log.id.is_unique and set(log.data_version) == {1}


def writing(url) -> bool:
    "Does another process hold the store's ingest write lock right now?"
    if url.startswith('sqlite'):
        import sqlite3
        con = sqlite3.connect(url[len('sqlite:///'):], timeout=0, isolation_level=None)
        try: con.execute('BEGIN IMMEDIATE'); con.execute('ROLLBACK'); return False
        except sqlite3.OperationalError: return True
        finally: con.close()
    with sa.create_engine(url).connect() as c:
        return bool(c.execute(sa.text("SELECT count(*) FROM pg_locks l JOIN pg_class r ON l.relation = r.oid "
                                      "WHERE r.relname = 'history' AND l.mode = 'ShareRowExclusiveLock' AND l.granted")).scalar())


def test_kill_9_during_ingest_leaves_the_store_as_before(url, tmp_path):
    panel = generate_panel(200, 60, seed=1).history
    store = open_store(url)
    ingest(store, validate_history(panel), 'panel.csv')
    before, snapshot = counts(url), read_history(store)
    changed = panel.assign(total_revenue=panel.total_revenue + 1.0)   # every month revised: a long transaction
    changed.to_csv(tmp_path / 'changed.csv', index=False)
    env = {**os.environ, 'DATABASE_URL': url, 'STUDIO_REVENUE_LOG': 'INFO'}
    p = subprocess.Popen([CLI, 'ingest', '--data', str(tmp_path / 'changed.csv')], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not writing(url):                 # wait until the ingest holds its write lock: inside its transaction
        assert p.poll() is None and time.time() < deadline, 'the ingest ended before it was seen writing'
        time.sleep(0.02)
    time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    assert counts(url) == before
    pd.testing.assert_frame_equal(read_history(open_store(url)), snapshot)
    done = ingest(open_store(url), validate_history(changed), 'changed.csv')   # and the store still works
    assert done.revised == len(panel)


def test_unreachable_store_exit_1_password_hidden(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    bad = f"postgresql+psycopg://ana:s3cret@127.0.0.1:{port}/studios"
    sample = Path(__file__).resolve().parents[1] / 'data' / 'sample_panel.csv'
    for args in (['ingest', '--data', str(sample)], ['monitor'], ['predict', '--model-dir', 'x', '--studio', 's-001']):
        r = subprocess.run([CLI, *args], env={**os.environ, 'DATABASE_URL': bad}, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1, (args, r.stderr)
        assert f"postgresql+psycopg://ana:***@127.0.0.1:{port}/studios" in r.stderr
        assert 's3cret' not in r.stderr + r.stdout and 'Traceback' not in r.stderr


def test_studio_not_in_store_exit_2(url):
    ingest(open_store(url), validate_history(generate_panel(3, 14, seed=1).history), 'p.csv')
    r = subprocess.run([CLI, 'predict', '--model-dir', 'unused', '--studio', 's-777', '--json'], env={**os.environ, 'DATABASE_URL': url},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "studio 's-777' is not in the studio store" in json.loads(r.stdout)['error']


def test_monitor_after_one_simulated_month_matches_by_hand(url):
    "Forecasts logged at month 36 for every studio; month 37 arrives; MAPE and coverage per horizon computed by hand."
    world = generate_panel(12, 38, seed=9).history
    store = open_store(url)
    ingest(store, validate_history(world[world.month <= '2022-12-01']), 'dec.csv')
    rng = np.random.default_rng(0)
    truth = world.set_index(['studio_id', 'month'])
    expected = []
    for s in sorted(world.studio_id.unique()):
        months = [pd.Timestamp('2023-01-01'), pd.Timestamp('2023-02-01')]
        plan = {n: [float(truth.loc[(s, m), LEVERS[n].column]) for m in months] for n in LEVER_NAMES}   # run as planned
        preds = []
        for h, m in enumerate(months, 1):
            fc = float(truth.loc[(s, m), 'total_revenue']) * (1 + rng.normal(0, 0.02))
            half = fc * rng.uniform(0.005, 0.04)
            preds.append(dict(month=f'{m:%Y-%m-%d}', revenue=fc, revenue_lower=fc - half, revenue_upper=fc + half))
            if m <= pd.Timestamp('2023-01-01'):
                a = float(truth.loc[(s, m), 'total_revenue'])
                expected.append((h, abs(fc - a) / a * 100, fc - half <= a <= fc + half))
        log_answer(store, 'forecast', s, {}, dict(interval=0.9, lever_plan=plan, predictions=preds), 3.0, model_version='v1',
                   base_month='2022-12-01')
    ingest(store, validate_history(world[world.month <= '2023-01-01']), 'jan.csv')   # one simulated month arrives
    report = monitor(store)
    by_hand = pd.DataFrame(expected, columns=['h', 'ape', 'covered']).groupby('h').agg(mape=('ape', 'mean'), cov=('covered', 'mean'))
    assert report['scored'] == 12 and list(report['by_version']['v1']) == [1]   # month 2 has not arrived: not scored
    assert report['by_version']['v1'][1]['mape'] == pytest.approx(by_hand.loc[1, 'mape'], abs=1e-4)
    assert report['by_version']['v1'][1]['coverage'] == pytest.approx(by_hand.loc[1, 'cov'], abs=1e-4)


def test_api_answer_log_and_data_version_on_both_back_ends(url):
    """The API's answer log (rows made into JSON text on the request thread, then one INSERT per batch on SQLite or SQLAlchemy
    rows on PostgreSQL) reads back exactly as `log_answer` writes; the API's data-version read (a raw sqlite3 connection per
    thread on SQLite, SQLAlchemy on PostgreSQL) gives the store's version and sees an ingest at once."""
    import datetime as dt
    from studio_revenue.api import LogWriter, reader_store, data_version, answer_json, UnknownStudio
    store = open_store(url)
    panel = generate_panel(3, 30, seed=5).history
    ingest(store, panel)
    answer = {'log_id': 'both-back-ends', 'total': 1.5, 'note': 'ünïcode "quoted" \\ back', 'none': None, 'months': [{'m': '2024-07-01'}]}
    when = dt.datetime(2024, 7, 1, 12, 30, 5, 123456, tzinfo=dt.timezone.utc)
    row = dict(studio_id='s-002', data_source='store', model_version='1', model_ref='models:/x/1', model_info=None, inputs={'i': 1},
               outputs=answer, latency_ms=2.5, source='api', base_month=dt.date(2024, 6, 1), data_version=1, created_at=when)
    w = LogWriter(lambda: store)
    w.put('forecast', row); w.put('forecast', row | {'outputs': answer_json(answer)})
    assert w.close() == 0 and w.one_statement == (store.engine.dialect.name == 'sqlite')
    log_answer(store, 'forecast', 's-002', inputs={'i': 1}, outputs=answer, latency_ms=2.5, model_version='1', model_ref='models:/x/1',
               base_month='2024-06-01', source='api')
    got = [r for r in logged_answers(store).to_dict('records') if r['outputs'].get('log_id') == 'both-back-ends']
    assert len(got) == 3
    utc = lambda t: t.tz_localize('UTC') if t.tz is None else t.tz_convert('UTC')     # SQLite keeps UTC without a zone
    assert [utc(pd.Timestamp(r['created_at'])) for r in got[:2]] == [pd.Timestamp(when)] * 2
    rest = [{k: v for k, v in r.items() if k not in ('id', 'created_at')} for r in got]
    assert rest[1:] == rest[:1] * 2, rest
    reader = reader_store(store)
    assert data_version(reader, 's-003') == 1
    with pytest.raises(UnknownStudio): data_version(reader, 'nobody')
    fix = panel[panel.studio_id == 's-003'].copy()
    fix.loc[fix.index[-1], 'total_members'] += 5
    ingest(store, fix)
    assert data_version(reader, 's-003') == 2
