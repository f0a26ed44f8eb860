"""The monthly evaluation report as a user makes it: `studio-revenue report` runs the papermill template in a
real kernel and writes notebook + HTML; the HTML is opened in headless Chromium when it is installed.

These live in pytest because they need real processes (the console script, a Jupyter kernel, a browser)."""
import json, shutil, subprocess, sys
from pathlib import Path
import pytest

CLI = Path(sys.executable).with_name('studio-revenue')
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp('report')
    data, model, out = d / 'panel.csv', d / 'model', d / 'reports'
    assert run('generate', '--studios', 24, '--months', 40, '--seed', 5, '--out', data).returncode == 0
    res = run('train', '--data', data, '--until', '2022-04', '--model-dir', model)
    assert res.returncode == 0, res.stderr
    res = run('report', '--model-dir', model, '--data', data, '--month', 'latest', '--out', out, '--json')
    assert res.returncode == 0, res.stderr
    return data, model, out, json.loads(res.stdout)


def test_report_written(made):
    data, model, out, doc = made
    html = Path(doc['html'])
    assert html == out / '2023-04' / 'evaluation.html' and Path(doc['notebook']).is_file()
    text = html.read_text()
    assert text.count('src="data:image/png;base64') >= 7          # every figure is embedded
    assert 'April 2023: 24 studios' in text and 'Traceback' not in text
    assert 'def ' not in text and 'import ' not in text           # inputs are hidden
    assert not doc['in_sample']


def test_report_is_not_overwritten(made):
    data, model, out, doc = made
    before = Path(doc['html']).read_bytes()
    res = run('report', '--model-dir', model, '--data', data, '--month', '2023-04', '--out', out)
    assert res.returncode == 2 and 'already exists' in res.stderr and '--overwrite' in res.stderr
    assert Path(doc['html']).read_bytes() == before


def text_outputs(notebook: Path) -> list:
    "Every output of an executed notebook but its pictures: the figures, tables and sentences it reports."
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    return [(o.get('name'), o.get('text'), {k: v for k, v in o.get('data', {}).items() if not k.startswith('image/')})
            for c in nb.cells if c.cell_type == 'code' for o in c.outputs]


def test_report_on_dask_says_the_same(made, tmp_path):
    "With --scheduler local, the backtest and the attributions run on a LocalCluster; the report says the same."
    data, model, out, doc = made
    res = run('report', '--model-dir', model, '--data', data, '--month', 'latest', '--out', tmp_path,
              '--scheduler', 'local', '--json')
    assert res.returncode == 0, res.stderr
    on_dask = json.loads(res.stdout)
    here, there = text_outputs(Path(doc['notebook'])), text_outputs(Path(on_dask['notebook']))
    assert len(here) >= 10 and here == there
    import nbformat  # and it did run on the cluster: the notebook was given its address
    given = [c.source for c in nbformat.read(on_dask['notebook'], as_version=4).cells
             if 'injected-parameters' in c.metadata.get('tags', [])]
    assert len(given) == 1 and 'scheduler = "tcp://127.0.0.1:' in given[0], given


@pytest.mark.parametrize('extra,needle', [
    (('--month', '2031-01'), 'no data for 2031-01'),
    (('--month', 'soon'), "--month must be YYYY-MM or 'latest'"),
    (('--studios', 's-001,s-999'), "'s-999' not in"),
    (('--model-dir', 'no/such/model'), 'has no manifest.json'),
    (('--scheduler', 'nowhere'), '--scheduler must be a Dask scheduler address'),
])
def test_report_bad_input_exits_2(made, extra, needle):
    data, model, out, doc = made
    before = Path(doc['html']).read_bytes()
    args = dict(zip(('--model-dir', '--data', '--out'), (model, data, out)))
    for flag, value in zip(extra[::2], extra[1::2]): args[flag] = value
    res = run('report', *[x for kv in args.items() for x in kv], '--overwrite')
    assert res.returncode == 2 and needle in res.stderr, res.stderr
    assert Path(doc['html']).read_bytes() == before               # the earlier report is untouched
    assert not [p for p in (out / '2023-04').iterdir() if p.name.startswith('.run-')]


def test_report_renders_in_chromium(made, tmp_path):
    if not CHROMIUM:
        pytest.skip('chromium is not installed (apt-get install chromium): the HTML report was not opened in a browser')
    from PIL import Image
    data, model, out, doc = made
    shot = tmp_path / 'report.png'
    res = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                          '--disable-component-update', '--disable-sync', '--no-first-run', f'--user-data-dir={tmp_path / "profile"}',
                          '--hide-scrollbars', '--window-size=1300,5200', f'--screenshot={shot}', Path(doc['html']).resolve().as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert shot.is_file(), res.stderr
    image = Image.open(shot).convert('RGB')
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 500                  # figures drawn, not a blank page
    dest = Path(__file__).resolve().parents[1] / 'reports' / 'screenshots'
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, dest / 'evaluation_report.png')
