"""Issue 11, case by case: nothing a user made is lost, every bad input gets a named error (exit 2, never a traceback),
and a single studio's history trains. Most cases run the CLI in-process (`main(argv)`) for speed; the ones about
processes (concurrent runs, --json quietness, the project's store) start the installed console script."""
import contextlib, io, json, os, re, signal, stat, subprocess, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from studio_revenue.cli import main

TEMP_MARK = '.studio-revenue-tmp-'   # how the product marks its temporary files (core.TEMP_MARK)

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name('studio-revenue')
SMALL = json.dumps({'xgboost': {'n_estimators': 30}, 'lightgbm': {'n_estimators': 30}, 'random_forest': {'n_estimators': 10}})


def run(*argv):
    "The CLI in-process: (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def proc(*argv, cwd=None, env=None, **kw):
    return subprocess.run([str(CLI), *map(str, argv)], capture_output=True, text=True, cwd=cwd, env=env, timeout=600, **kw)


def named_error(code, out, err, needle):
    assert code == 2, (code, out, err)
    assert 'Traceback' not in err and 'internal error' not in err
    assert needle in err, err


@pytest.fixture(autouse=True)
def no_tracking(monkeypatch):
    monkeypatch.setenv('STUDIO_REVENUE_TRACKING', 'off')


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp('issue11')
    os.environ['STUDIO_REVENUE_TRACKING'] = 'off'
    try:
        assert run('generate', '--studios', 6, '--months', 30, '--seed', 4, '--out', d / 'panel.csv')[0] == 0
        code, out, err = run('train', '--data', d / 'panel.csv', '--model-dir', d / 'model', '--params', SMALL, '--json')
        assert code == 0, err
    finally: os.environ.pop('STUDIO_REVENUE_TRACKING')
    return d


# ---- data lost -----------------------------------------------------------------------------------------------------
def test_overwrite_refuses_a_folder_that_is_not_only_a_model(small, tmp_path):
    folder = tmp_path / 'work'
    folder.mkdir()
    (folder / 'notes.txt').write_text('my notes')
    (folder / 'panel.csv').write_bytes((small / 'panel.csv').read_bytes())
    import shutil
    shutil.copytree(small / 'model', folder / 'other_model')
    before = sorted(p.relative_to(folder) for p in folder.rglob('*'))
    code, out, err = run('train', '--data', folder / 'panel.csv', '--model-dir', folder, '--overwrite', '--params', SMALL)
    named_error(code, out, err, 'not a studio_revenue model')
    assert sorted(p.relative_to(folder) for p in folder.rglob('*')) == before
    # a model folder with a user's file added is refused too; a plain model folder is replaced
    model = tmp_path / 'model'
    shutil.copytree(small / 'model', model)
    (model / 'README.txt').write_text('kept')
    code, out, err = run('train', '--data', small / 'panel.csv', '--model-dir', model, '--overwrite', '--params', SMALL)
    named_error(code, out, err, 'files studio_revenue did not write (README.txt)')
    (model / 'README.txt').unlink()
    assert run('train', '--data', small / 'panel.csv', '--model-dir', model, '--overwrite', '--params', SMALL)[0] == 0


def test_concurrent_reports_cannot_clobber(small, tmp_path):
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off'}
    args = ('report', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--month', 'latest', '--out', tmp_path / 'reports')
    first = subprocess.Popen([str(CLI), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lock = tmp_path / 'reports' / '.2022-06.studio-revenue-lock'
    deadline = time.time() + 120
    while not lock.exists() and first.poll() is None and time.time() < deadline: time.sleep(0.05)
    assert lock.exists(), first.communicate()
    second = proc(*args, env=env)
    assert second.returncode == 2 and 'is being written by another studio-revenue run' in second.stderr, second.stderr
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    html = (tmp_path / 'reports' / '2022-06' / 'evaluation.html').read_bytes()
    third = proc(*args, env=env)   # afterwards: refused without --overwrite, the report kept
    assert third.returncode == 2 and 'already exists' in third.stderr
    assert (tmp_path / 'reports' / '2022-06' / 'evaluation.html').read_bytes() == html
    assert not lock.exists() and not [p for p in (tmp_path / 'reports').rglob('*') if TEMP_MARK in p.name]


# ---- cannot be done ------------------------------------------------------------------------------------------------
def test_single_studio_history_trains_predicts_and_optimizes(tmp_path):
    assert run('generate', '--seed-compatible', '--out', tmp_path / 'seed.csv')[0] == 0
    code, out, err = run('train', '--data', tmp_path / 'seed.csv', '--model-dir', tmp_path / 'm', '--json')
    assert code == 0, err
    assert json.loads(out)['studios'] == 1
    code, out, err = run('predict', '--model-dir', tmp_path / 'm', '--data', tmp_path / 'seed.csv', '--studio', 'studio', '--months', 6, '--json')
    assert code == 0, err and len(json.loads(out)['predictions']) == 6
    last = pd.read_csv(tmp_path / 'seed.csv').total_revenue.iloc[-1]
    code, out, err = run('optimize', '--model-dir', tmp_path / 'm', '--data', tmp_path / 'seed.csv', '--studio', 'studio',
                         '--target-revenue', round(last * 1.1), '--months', 6, '--json')
    assert code == 0, err and 'feasible' in json.loads(out)


def test_the_24_month_sample_trains_and_train_states_its_minimum(tmp_path):
    res = proc('train', '--data', ROOT / 'data' / 'sample_panel.csv', '--model-dir', tmp_path / 'm', '--params', SMALL,
               env={**os.environ, 'STUDIO_REVENUE_TRACKING': 'off'})
    assert res.returncode == 0, res.stderr
    said = res.stderr.index('training needs at least 24 months')        # said before fitting …
    assert said < res.stderr.index('[1/3] xgboost')                         # … which logs each learner
    short = tmp_path / 'short.csv'
    pd.read_csv(ROOT / 'data' / 'sample_panel.csv').query("month < '2021-06-01'").to_csv(short, index=False)
    named_error(*run('train', '--data', short, '--model-dir', tmp_path / 'm2'), 'holds 17 months; training needs at least 24')


def test_long_inline_json_is_not_tried_as_a_path(small):
    plan = {'retention_rate': [0.91, 0.92, 0.93, 0.93, 0.94, 0.94], 'avg_ticket_price': [120.5, 121.5, 122.5, 123.5, 124.5, 125.5],
            'class_attendance_rate': [0.71, 0.72, 0.73, 0.74, 0.75, 0.76], 'new_members_monthly': [20, 22, 24, 26, 28, 30],
            'staff_utilization_rate': [0.81, 0.82, 0.83, 0.84, 0.85, 0.86], 'upsell_rate': [0.11, 0.12, 0.13, 0.14, 0.15, 0.16],
            'total_classes_held': [100, 102, 104, 106, 108, 110]}
    text = json.dumps(plan)
    assert len(text) > 255
    code, out, err = run('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-001',
                         '--months', 6, '--levers', text, '--json')
    assert code == 0, err
    assert json.loads(out)['lever_plan']['total_classes_held'] == plan['total_classes_held']


# ---- tracebacks that must be named errors ------------------------------------------------------------------------
@pytest.mark.parametrize('params,needle', [
    ('{"xgboost": {"max_depth": "deep"}}', "xgboost.max_depth must be a number, got 'deep'"),
    ('{"lightgbm": {"learning_rate": -1}}', 'lightgbm.learning_rate = -1 is outside its range'),
    ('{"random_forest": {"n_trees": 5}}', "unknown random_forest parameter 'n_trees'"),
    ('{"xgboost": 5}', 'xgboost must map parameter names to values'),
    ('[1, 2]', '--params must map xgboost, lightgbm, random_forest'),
])
def test_params_of_the_wrong_type(small, tmp_path, params, needle):
    named_error(*run('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'm', '--params', params), needle)
    assert not (tmp_path / 'm').exists()


def test_absurd_revenue_in_the_data_is_refused(small, tmp_path):
    frame = pd.read_csv(small / 'panel.csv', dtype=str)
    frame.loc[3, 'total_revenue'] = '1e308'
    frame.to_csv(tmp_path / 'one.csv', index=False)
    named_error(*run('validate', '--data', tmp_path / 'one.csv'), 'row 5, column total_revenue: 1e+308 is not a plausible month')
    named_error(*run('train', '--data', tmp_path / 'one.csv', '--model-dir', tmp_path / 'm'), 'not a plausible month')
    frame['total_revenue'] = '1' + '0' * 308
    frame.to_csv(tmp_path / 'all.csv', index=False)
    code, out, err = run('validate', '--data', tmp_path / 'all.csv', '--json')
    assert code == 2 and '0' * 20 not in out and 'inf' not in out.lower().replace('info', '')


@pytest.mark.parametrize('value,needle', [('1e308', 'outside its range 0–10,000,000'), ('1e9', 'outside its range'),
                                          ('nan', 'finite'), ('-3', 'outside its range'), ('lots', 'must be a number')])
def test_absurd_current_member_count_is_refused(small, value, needle):
    named_error(*run('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-001',
                     '--current-member-count', value), needle)


def test_far_member_count_is_flagged(small):
    code, out, err = run('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-001',
                         '--current-member-count', '1000000', '--months', 3, '--json')
    assert code == 0, err
    assert any('far from the' in w for w in json.loads(out)['warnings'])


def test_levers_file_unreadable_or_not_utf8(small, tmp_path):
    base = ('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-001', '--levers')
    (tmp_path / 'latin.json').write_bytes('{"upsell_rate": 0.2, "note": "café"}'.encode('latin-1'))
    named_error(*run(*base, tmp_path / 'latin.json'), 'is not UTF-8 text')
    (tmp_path / 'plan_dir.json').mkdir()
    named_error(*run(*base, tmp_path / 'plan_dir.json'), 'is a folder')
    locked = tmp_path / 'locked.json'
    locked.write_text('{"upsell_rate": 0.2}')
    locked.chmod(0)
    try:
        if os.geteuid() != 0: named_error(*run(*base, locked), 'cannot read')
    finally: locked.chmod(0o644)


def test_report_out_pointing_at_a_file(small, tmp_path):
    (tmp_path / 'a_file').write_text('mine')
    named_error(*run('report', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--out', tmp_path / 'a_file'), 'is a file')
    assert (tmp_path / 'a_file').read_text() == 'mine'


@pytest.mark.parametrize('edit', [lambda m: {**m, 'weights': {**m['weights'], 'xgboost': 'three'}}, lambda m: {**m, 'builder': {}},
                                  lambda m: {**m, 'weights': {k: 3 * v for k, v in m['weights'].items()}}])
def test_hand_edited_manifest_is_refused(small, tmp_path, edit):
    import shutil
    shutil.copytree(small / 'model', tmp_path / 'm')
    man = json.loads((tmp_path / 'm' / 'manifest.json').read_text())
    (tmp_path / 'm' / 'manifest.json').write_text(json.dumps(edit(man)))
    named_error(*run('predict', '--model-dir', tmp_path / 'm', '--data', small / 'panel.csv', '--studio', 's-001'),
                'manifest.json was changed after training')
    (tmp_path / 'm' / 'manifest.json').write_text('')
    named_error(*run('predict', '--model-dir', tmp_path / 'm', '--data', small / 'panel.csv', '--studio', 's-001'), 'manifest.json')


@pytest.mark.parametrize('until', ['2023-13', '2023/12', 'last year', '12-2023'])
def test_tune_until_a_mistyped_month(small, until):
    named_error(*run('tune', '--data', small / 'panel.csv', '--trials', 1, '--until', until), '--until must be a month such as 2023-12')


# ---- wrong or unclear ----------------------------------------------------------------------------------------------
def _predict(small, *extra):
    code, out, err = run('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-002', '--months', 6, *extra, '--json')
    assert code == 0, err
    return json.loads(out)


def test_growth_rate_describes_the_projection_and_honours_the_member_count(small):
    plain = _predict(small)
    stepped = _predict(small, '--levers', '{"avg_ticket_price": 180}')     # a one-off price change in month 1
    fewer = _predict(small, '--current-member-count', 250)
    for doc in (plain, stepped, fewer):
        rev = np.array([p['revenue'] for p in doc['predictions']])
        fit = np.expm1(np.polyfit(np.arange(len(rev)), np.log(rev), 1)[0])
        assert abs(doc['growth_rate'] - fit) < 1e-5                           # measured on the projected months
        assert np.sign(doc['growth_rate']) == np.sign(rev[-1] - rev[0]) or abs(doc['growth_rate']) < 1e-3
        word = 'rises' if doc['growth_rate'] > 5e-4 else 'falls' if doc['growth_rate'] < -5e-4 else 'holds steady'
        assert word in doc['trend']
    assert abs(stepped['growth_rate'] - plain['growth_rate']) < 0.01       # the step is not growth …
    assert 'against the last month of history' in stepped['trend']          # … it is said apart
    assert 'from 250 members now (given)' in fewer['trend'] and 'against the last month' not in fewer['trend']
    now = pd.read_csv(small / 'panel.csv').query("studio_id == 's-002'").total_members.iloc[-1]
    assert np.sign(fewer['predictions'][0]['members'] - plain['predictions'][0]['members']) == np.sign(250 - now)


def test_row_numbers_delimiter_and_values_in_messages(small, tmp_path):
    lines = (small / 'panel.csv').read_text().splitlines()
    bad = lines[:3] + ['', ''] + lines[3:]
    cells = bad[5].split(',')                   # data row 3, on line 6 of the file once the blank lines count
    header = lines[0].split(',')
    cells[header.index('retention_rate')] = '1.0000001'
    cells[header.index('total_members')] = '1' + '0' * 308
    bad[5] = ','.join(cells)
    (tmp_path / 'blank.csv').write_text('\n'.join(bad) + '\n')
    code, out, err = run('validate', '--data', tmp_path / 'blank.csv', '--json')
    problems = json.loads(out)['problems']
    assert {(p['row'], p['column']) for p in problems} >= {(6, 'retention_rate'), (6, 'total_members')}, problems
    assert 'between 0 and 1 (got 1.0000001)' in out and '0' * 20 not in out
    code, out, err = run('predict', '--model-dir', small / 'model', '--data', small / 'panel.csv', '--studio', 's-001',
                         '--levers', '{"avg_ticket_price": 500.0001}')
    named_error(code, out, err, 'avg_ticket_price = 500.0001 is outside its range 50–500')
    pd.read_csv(small / 'panel.csv').to_csv(tmp_path / 'semi.csv', sep=';', index=False)
    code, out, err = run('validate', '--data', tmp_path / 'semi.csv', '--json')
    assert code == 2 and len(json.loads(out)['problems']) == 1 and "separate columns with ';'" in out


def test_the_contract_ships_with_the_project():
    doc = ROOT / 'docs' / 'contract.md'
    assert doc.is_file() and '## 1. Monthly studio data' in doc.read_text()
    readme = (ROOT / 'README.md').read_text()
    assert 'docs/contract.md' in readme and '../shared' not in readme and 'SPEC' not in readme
    for name in ('core', 'cli', 'insights', 'intervals', 'tracking'):   # the modules whose messages this issue covers
        text = (ROOT / 'studio_revenue' / f'{name}.py').read_text()
        assert 'SPEC §' not in text and '../shared' not in text, name
    code, out, err = run('validate', '--data', ROOT / 'README.md')
    assert code == 2 and 'see the data contract, docs/contract.md §1' in err


def test_files_and_folders_follow_the_umask(small, tmp_path):
    old = os.umask(0o022)
    try:
        assert run('generate', '--studios', 2, '--months', 14, '--out', tmp_path / 'p.csv')[0] == 0
        assert stat.S_IMODE((tmp_path / 'p.csv').stat().st_mode) == 0o644
        import shutil
        shutil.copytree(small / 'model', tmp_path / 'm')
        stale = tmp_path / f'.m{TEMP_MARK}999999999-dead'   # left by a train that was killed
        stale.mkdir()
        assert run('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'm', '--overwrite', '--params', SMALL)[0] == 0
        assert stat.S_IMODE((tmp_path / 'm').stat().st_mode) == 0o755
        assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / 'm').iterdir()} == {0o644}
        assert not stale.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith('.')]
    finally: os.umask(old)


def test_killed_train_leaves_nothing_behind(small, tmp_path):
    "A train killed while it saves leaves a marked folder at most, and the next train removes it."
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off'}
    p = subprocess.Popen([str(CLI), 'train', '--data', str(small / 'panel.csv'), '--model-dir', str(tmp_path / 'm'), '--params', SMALL],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 120
    hidden_dir = lambda: [q for q in tmp_path.iterdir() if q.name.startswith('.') and q.is_dir()]  # the save's temporary folder
    while p.poll() is None and time.time() < deadline and not hidden_dir(): time.sleep(0.002)
    p.send_signal(signal.SIGKILL); p.wait()
    assert run('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'm', '--overwrite', '--params', SMALL)[0] == 0
    assert sorted(q.name for q in tmp_path.iterdir()) == ['m']


def test_throwaway_train_does_not_fill_the_projects_registry(small, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ('MLFLOW_TRACKING_URI', 'STUDIO_REVENUE_TRACKING')}
    store, artifacts = ROOT / 'mlruns.db', ROOT / 'mlartifacts'
    before = (store.exists() and store.stat().st_mtime, artifacts.exists() and len(list(artifacts.rglob('*'))))
    res = proc('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'scratch', '--params', SMALL, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert 'not recorded in MLflow' in res.stderr
    assert (store.exists() and store.stat().st_mtime, artifacts.exists() and len(list(artifacts.rglob('*')))) == before
    res = proc('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'scratch2', '--params', SMALL, '--promote', cwd=tmp_path, env=env)
    assert res.returncode == 2 and '--promote needs the model registry' in res.stderr


def test_json_is_quiet_and_a_terminal_gets_a_heartbeat(small, tmp_path, monkeypatch, capsys):
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off'}
    res = proc('train', '--data', small / 'panel.csv', '--model-dir', tmp_path / 'm', '--params', SMALL, '--json', env=env)
    assert res.returncode == 0 and json.loads(res.stdout)['studios'] == 6
    assert res.stderr.strip() == '', res.stderr
    from studio_revenue.cli import _Heartbeat
    beats = io.StringIO()
    monkeypatch.setattr(_Heartbeat, 'every', 0.2)
    with contextlib.redirect_stderr(beats), _Heartbeat(enabled=True): time.sleep(0.9)
    assert beats.getvalue().count('still working') >= 2
