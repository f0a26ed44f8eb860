"""The package as a wheel, installed without `-e` and run away from the checkout: `report` must find its template as
package data (issue 11). The fresh venv takes its third-party dependencies from the project venv through a .pth line
(pip would fetch the same versions; this keeps the test to seconds), but studio_revenue itself only from the wheel."""
import json, os, shutil, subprocess, sys, sysconfig, venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sh(*args, **kw):
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)
    assert res.returncode == 0, (args, res.stdout[-2000:], res.stderr[-4000:])
    return res


def test_wheel_install_runs_report(tmp_path):
    sh(sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', tmp_path / 'dist', ROOT, cwd=ROOT)
    wheel = next((tmp_path / 'dist').glob('studio_revenue-*.whl'))
    env_dir = tmp_path / 'fresh'
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / 'bin' / 'python'
    site = Path(sh(py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])').stdout.strip())
    (site / 'project_deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')  # dependencies only: no .pth of theirs runs
    shutil.copytree(Path(sys.prefix) / 'share' / 'jupyter', env_dir / 'share' / 'jupyter')  # the kernelspec pip would install
    sh(sys.executable, '-m', 'pip', '--python', py, 'install', '--no-deps', '--no-index', '-q', wheel)
    work = tmp_path / 'elsewhere'
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ('MLFLOW_TRACKING_URI', 'PYTHONPATH')}
    where = sh(py, '-c', 'import studio_revenue, sys; print(studio_revenue.__file__)', cwd=work, env=env).stdout.strip()
    assert where.startswith(str(site)), where  # the wheel's copy, not the checkout
    cli = env_dir / 'bin' / 'studio-revenue'
    sh(cli, 'generate', '--studios', 4, '--months', 27, '--seed', 2, '--out', 'panel.csv', cwd=work, env=env)
    params = json.dumps({'xgboost': {'n_estimators': 20}, 'lightgbm': {'n_estimators': 20}, 'random_forest': {'n_estimators': 10}})
    sh(cli, 'train', '--data', 'panel.csv', '--until', '2021-12', '--model-dir', 'model', '--params', params, cwd=work, env=env)
    res = sh(cli, 'report', '--model-dir', 'model', '--data', 'panel.csv', '--month', 'latest', '--out', 'reports', '--json', cwd=work, env=env)
    doc = json.loads(res.stdout)
    html = Path(work / doc['html'])
    assert html.is_file() and 'Traceback' not in html.read_text()
    assert not (work / 'mlruns.db').exists() and not (site.parent / 'mlruns.db').exists()  # outside a checkout nothing is tracked
