"""The simulator in a real JupyterLab: start JupyterLab on 127.0.0.1, open a notebook in headless Chromium (driven by
Playwright), run it, move a slider, check that the chart and the table change, time it and take a screenshot.

Needs Debian's chromium (`.ci/run` installs it); without it the test is skipped with a visible reason."""
import json, os, secrets, shutil, subprocess, sys, time, urllib.request
from pathlib import Path
import nbformat
import pytest
from ports import free_port

BIN = Path(sys.executable).parent
CLI = BIN / 'studio-revenue'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
ROOT = Path(__file__).resolve().parents[1]
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

NOTEBOOK_CELLS = [
    "from studio_revenue.core import load_history\n"
    "from studio_revenue.ensemble import RevenueModel\n"
    "from studio_revenue.intervals import ConformalIntervals\n"
    "from studio_revenue.widget import StudioSimulator",
    "history = load_history('panel.csv')\n"
    "model = RevenueModel.load('model')\n"
    "sim = StudioSimulator(model, ConformalIntervals.read('model/intervals.npz'), history, 's-002')\n"
    "sim",
]


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip('chromium is not installed (apt-get install chromium): the simulator was not opened in JupyterLab')
    work = tmp_path_factory.mktemp('lab')
    gen = [str(CLI), 'generate', '--studios', '20', '--months', '36', '--seed', '6', '--out', str(work / 'panel.csv')]
    assert subprocess.run(gen, capture_output=True).returncode == 0
    res = subprocess.run([str(CLI), 'train', '--data', str(work / 'panel.csv'), '--model-dir', str(work / 'model'), '--default-params'],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS],
                                  metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}})
    nbformat.write(nb, work / 'simulator.ipynb')
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(work / '.jupyter'), 'JUPYTER_RUNTIME_DIR': str(work / '.runtime')}
    server = subprocess.Popen([str(BIN / 'jupyter'), 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}', f'--IdentityProvider.token={token}',
                               f'--ServerApp.root_dir={work}', '--LabApp.news_url=None', '--allow-root'],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try:
            urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=2); break
        except OSError: time.sleep(0.5)
    yield base, token, work
    server.terminate()
    server.wait(timeout=30)


def test_slider_moves_chart_and_table(lab):
    from playwright.sync_api import sync_playwright
    base, token, work = lab
    timings = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={'width': 1500, 'height': 1300})
        page.goto(f'{base}/lab/tree/simulator.ipynb?token={token}')
        page.wait_for_selector('.jp-Notebook', timeout=60_000)
        time.sleep(2)
        page.click('.jp-Notebook')
        page.get_by_role('menuitem', name='Run').click()
        page.get_by_text('Run All Cells', exact=True).click()
        page.wait_for_selector('img.widget-image', timeout=120_000)
        page.wait_for_function("() => document.querySelector('img.widget-image').src.startsWith('blob:')", timeout=60_000)
        table = lambda: page.inner_text('.studio-table')
        before_table = table()
        slider = page.locator('.widget-slider', has=page.locator('.widget-label', has_text='Ticket price'))
        readout = slider.locator('.widget-readout')
        start = float(readout.inner_text())
        for step in range(1, 6):
            page.evaluate("""() => { const img = document.querySelector('img.widget-image'); window.__src = img.src; window.__done = null;
                new MutationObserver((m, obs) => { window.__done = performance.now(); obs.disconnect(); }).observe(img, {attributes: true, attributeFilter: ['src']}); }""")
            readout.click()
            page.keyboard.press('Control+A')
            page.keyboard.type(str(int(start + 10 * step)))
            page.evaluate("() => { window.__t0 = performance.now(); }")
            page.keyboard.press('Enter')
            page.wait_for_function('() => window.__done !== null', timeout=30_000)
            timings.append(page.evaluate('() => window.__done - window.__t0'))
        page.wait_for_timeout(300)
        after_table = table()
        assert after_table != before_table                      # the table followed the slider
        assert float(readout.inner_text()) == start + 50
        shots = ROOT / 'reports' / 'screenshots'
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / 'simulator.png'), full_page=True)
        browser.close()
    figures = dict(what='JupyterLab + headless Chromium: time from pressing Enter on the ticket price slider readout to the chart image changing',
                   milliseconds=[round(t, 1) for t in timings], median=round(sorted(timings)[len(timings) // 2], 1), max=round(max(timings), 1), goal='<= 150 ms')
    # a test run keeps its figures beside the screenshot; `make benchmark` points this at reports/benchmarks/ (committed)
    dest = Path(os.environ.get('STUDIO_REVENUE_BENCHMARK_DIR') or ROOT / 'reports' / 'screenshots') / 'simulator_latency.json'
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(figures, indent=2) + '\n')
    print(figures)
