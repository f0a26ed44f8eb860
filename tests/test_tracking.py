"""Tracking as a user meets it, in real processes: `tune` killed part-way and run again continues the same study,
and `mlflow ui` on the store lists the runs (rendered in headless Chromium when it is installed)."""
import json, os, shutil, signal, sqlite3, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from ports import free_port

BIN = Path(sys.executable).parent
CLI = BIN / 'studio-revenue'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
ROOT = Path(__file__).resolve().parents[1]


def run(*args, **kw):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=900, **kw)


@pytest.fixture(scope='module')
def panel(tmp_path_factory):
    data = tmp_path_factory.mktemp('data') / 'panel.csv'
    assert run('generate', '--studios', 20, '--months', 40, '--seed', 4, '--out', data).returncode == 0
    return data


def _complete_trials(db):
    if not db.exists(): return 0
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return c.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_tune_continues_after_kill(panel, tmp_path):
    env = {**os.environ, 'STUDIO_REVENUE_TUNING_DIR': str(tmp_path / 'tuning')}
    db = tmp_path / 'tuning' / 'optuna.db'
    proc = subprocess.Popen([str(CLI), 'tune', '--data', str(panel), '--trials', '8', '--span', '3'], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    while _complete_trials(db) < 2 and proc.poll() is None and time.time() < deadline: time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _complete_trials(db)
    assert 2 <= done < 8, f'killed with {done} trials finished'
    res = run('tune', '--data', panel, '--trials', done + 1, '--span', 3, '--json', env={**env, 'STUDIO_REVENUE_LOG': 'INFO'})  # --json is quiet unless asked
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc['trials'] == done + 1                               # the same study, continued by one trial
    assert 'marked failed' in res.stderr or 'running 1 more' in res.stderr
    with sqlite3.connect(db) as c:
        assert c.execute('select count(*) from studies').fetchone()[0] == 1
    assert doc['best_backtest_mape'] <= doc['default_backtest_mape']
    assert Path(doc['best_params_path']).is_file()


def test_mlflow_ui_lists_runs(panel, tmp_path):
    model = tmp_path / 'model'
    res = run('train', '--data', panel, '--model-dir', model, '--default-params', '--promote', '--json')
    assert res.returncode == 0, res.stderr
    run_id = json.loads(res.stdout)['run_id']
    port = free_port()
    server = subprocess.Popen([str(BIN / 'mlflow'), 'ui', '--backend-store-uri', os.environ['MLFLOW_TRACKING_URI'],
                               '--host', '127.0.0.1', '--port', str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}'
        for _ in range(120):
            try:
                urllib.request.urlopen(base + '/health', timeout=2); break
            except OSError: time.sleep(0.5)
        req = urllib.request.Request(base + '/api/2.0/mlflow/experiments/get-by-name?experiment_name=studio_revenue')
        exp = json.loads(urllib.request.urlopen(req, timeout=10).read())['experiment']['experiment_id']
        body = json.dumps({'experiment_ids': [exp], 'max_results': 100}).encode()
        runs = json.loads(urllib.request.urlopen(urllib.request.Request(base + '/api/2.0/mlflow/runs/search', data=body,
                                                                        headers={'Content-Type': 'application/json'}), timeout=10).read())['runs']
        train_runs = [r for r in runs if r['info']['run_id'] == run_id]
        assert train_runs and any(m['key'] == 'val_mape_h1' for m in train_runs[0]['data']['metrics'])
        if not CHROMIUM:
            pytest.skip('chromium is not installed (apt-get install chromium): the MLflow UI was checked through its API only')
        from PIL import Image
        shot = tmp_path / 'mlflow.png'
        subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                        '--disable-sync', '--no-first-run', f'--user-data-dir={tmp_path / "profile"}', '--window-size=1400,900',
                        '--virtual-time-budget=20000', f'--screenshot={shot}', f'{base}/#/experiments/{exp}/runs'],
                       capture_output=True, timeout=180)
        assert shot.is_file()
        colours = Image.open(shot).convert('RGB').getcolors(maxcolors=1 << 20)
        assert colours is None or len(colours) > 100              # the UI rendered, not a blank page
        dest = ROOT / 'reports' / 'screenshots'
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, dest / 'mlflow_ui.png')
    finally:
        server.terminate()
        server.wait(timeout=30)
