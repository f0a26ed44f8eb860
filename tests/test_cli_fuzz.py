"""Property-based: generated argument values thrown at every command must end in exit 0 or exit 2 with a named
message — never exit 1, never a traceback (issue 11).

The bulk runs `main(argv)` in-process with captured output (over 500 invocations in a few minutes); a few run the
installed console script for real. The report's papermill kernel is replaced in-process by a stub that writes a
one-cell notebook (a real report takes a minute; `tests/test_report.py` and `tests/test_wheel.py` run real ones)."""
import contextlib, io, json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from studio_revenue.cli import main, COMMANDS
from studio_revenue.core import LEVER_NAMES

CLI = Path(sys.executable).with_name('studio-revenue')
SMALL = {'xgboost': {'n_estimators': 15}, 'lightgbm': {'n_estimators': 15}, 'random_forest': {'n_estimators': 5}}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    "Files for the fuzz to aim at: a tiny panel and model, damaged files, folders, odd paths."
    d = tmp_path_factory.mktemp('fuzz')
    old = {k: os.environ.get(k) for k in ('STUDIO_REVENUE_TRACKING',)}
    os.environ['STUDIO_REVENUE_TRACKING'] = 'off'
    assert run_inproc('generate', '--studios', 3, '--months', 27, '--seed', 9, '--out', d / 'panel.csv')[0] == 0
    assert run_inproc('train', '--data', d / 'panel.csv', '--model-dir', d / 'model', '--params', json.dumps(SMALL))[0] == 0
    (d / 'empty.csv').write_text('')
    (d / 'latin1.json').write_bytes('{"upsell_rate": 0.2, "n": "café"}'.encode('latin-1'))
    (d / 'plan.json').write_text(json.dumps({'upsell_rate': 0.2}))
    (d / 'semi.csv').write_text(pd.read_csv(d / 'panel.csv').head(30).to_csv(sep=';', index=False))
    (d / 'notes.txt').write_text('a user file')
    (d / 'folder').mkdir()
    for k, v in old.items():
        if v is None: os.environ.pop(k, None)
        else: os.environ[k] = v
    return d


def run_inproc(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# ---- generated values ----------------------------------------------------------------------------------------------
numbers = st.one_of(
    st.integers(-10 ** 6, 10 ** 6).map(str), st.integers().map(str), st.integers(10 ** 20, 10 ** 400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(['nan', 'NaN', 'inf', '-inf', 'Infinity', '1e308', '1e309', '-1e400', '5e-324', '0', '-0', '1_000',
                     '0x10', '1e-30', '500.0001', '12.5', '  7 ', '٣', '1,5']))
odd_text = st.one_of(st.text(max_size=40), st.sampled_from(['', ' ', '-', '--', '--json', '-x', '\x00', 'ä', '🙂', '../..', '%s', '{}',
                                                             '[]', 'null', 'true', '"x"', '2023-13', 'latest', 'models:/x@y']))
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
                           lambda c: st.one_of(st.lists(c, max_size=6), st.dictionaries(st.text(max_size=12), c, max_size=6)), max_leaves=30)
plans = st.dictionaries(st.sampled_from(LEVER_NAMES + ('price', '')), st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10 ** 30, 10 ** 30),
    st.lists(st.floats(0, 600), min_size=0, max_size=14)), max_size=8)
long_json = st.one_of(json_values.map(json.dumps), plans.map(json.dumps),
                      st.integers(30, 400).map(lambda n: json.dumps({'upsell_rate': [0.2] * n})))


def paths(world):
    return st.sampled_from([world / n for n in ('panel.csv', 'empty.csv', 'latin1.json', 'plan.json', 'semi.csv', 'notes.txt', 'folder',
                                                'missing.csv', 'model', 'model/manifest.json')]
                           + [Path('/dev/null'), Path('x' * 300), Path('/proc/self/nope/x.csv'), world / ('y' * 300 + '.csv')])


def value(world, valid):
    "A value for an argument: often the valid one, else anything."
    return st.one_of(st.just(valid), numbers, odd_text, long_json, paths(world).map(str)) if valid is not None else \
        st.one_of(numbers, odd_text, long_json, paths(world).map(str))


def valid_options(d, command) -> dict:
    "Option -> a valid value (None: a fresh output path) for each command."
    valid = {
        'generate': {'--out': None, '--studios': '2', '--months': '14', '--seed': '1', '--start': '2020-01', '--shock-month': '5'},
        'validate': {'--data': str(d / 'panel.csv')},
        'train': {'--data': str(d / 'panel.csv'), '--model-dir': None, '--until': '2021-12', '--validation-months': '6',
                  '--params': json.dumps(SMALL)},
        'predict': {'--model-dir': str(d / 'model'), '--data': str(d / 'panel.csv'), '--studio': 's-001', '--levers': '{"upsell_rate": 0.3}',
                    '--months': '3', '--interval': '0.8', '--current-member-count': '150'},
        'optimize': {'--model-dir': str(d / 'model'), '--data': str(d / 'panel.csv'), '--studio': 's-002', '--target-revenue': '90000',
                     '--months': '3', '--constraints': '{"locked": ["total_classes_held"]}', '--effort': '{"upsell_rate": 2}',
                     '--probability': '0.8'},
        'evaluate': {'--model-dir': str(d / 'model'), '--data': str(d / 'panel.csv'), '--from-month': '2021-06'},
        'report': {'--model-dir': str(d / 'model'), '--data': str(d / 'panel.csv'), '--month': 'latest', '--out': None, '--studios': 's-001'},
        'tune': {'--data': str(d / 'panel.csv'), '--trials': '1', '--study': 'fuzz', '--until': '2021-12', '--span': '3', '--timeout': '5'},
        'promote': {'--version': '1', '--alias': 'champion'},
        'models': {},
        'serve': {'--model-dir': str(d / 'model'), '--host': '127.0.0.1', '--port': '8000', '--poll': '5'},
    }.get(command)
    if valid is None:  # a command added later: every option that takes a value gets generated values
        valid = {fs[0]: 'x' for fs, kw in COMMANDS[command].arguments if kw.get('action') is None}
    return valid


def argv_for(world, command, draw):
    """An argument list for `command`: each option present or not, valid or generated."""
    d = world
    valid = valid_options(d, command)
    fresh = d / 'out' / f"{draw(st.integers(0, 10 ** 9))}"
    argv = [command]
    for flag, good in valid.items():
        if good is None: good = str(fresh / ('panel.csv' if flag == '--out' and command == 'generate' else 'x'))
        if draw(st.integers(0, 9)) < 9:  # present most of the time (required ones left out give a usage error: exit 2)
            argv += [flag, draw(value(d, good) if draw(st.integers(0, 4)) == 0 else st.just(good))]
    for flag in ('--overwrite', '--seed-compatible', '--no-noise', '--default-params', '--insights', '--json'):
        if flag in {f for fs, _ in COMMANDS[command].arguments for f in fs} | {'--json'} and draw(st.integers(0, 4)) == 0:
            argv.append(flag)
    if draw(st.integers(0, 30)) == 0: argv.insert(draw(st.integers(1, len(argv))), draw(odd_text))  # a stray token
    return argv


def check(code, out, err, argv):
    assert code in (0, 2), (code, argv, err[-3000:])
    assert 'Traceback' not in err and 'internal error' not in err, (argv, err[-3000:])
    if code == 2:
        assert err.strip(), argv                                     # a message, always
        if '--json' in argv: assert 'error' in json.loads(out), out  # and the JSON document says it too
    else: assert out.strip(), argv


def _stub_papermill(monkeypatch):
    import papermill, nbformat
    def execute_notebook(template, output, **kw):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"report {kw.get('parameters')}")])
        nbformat.write(nb, output)
    monkeypatch.setattr(papermill, 'execute_notebook', execute_notebook)
    import uvicorn   # `serve` loads and smoke-tests the model for real, then would listen until interrupted: not here
    monkeypatch.setattr(uvicorn, 'run', lambda app, **kw: None)


RUNS = {'generate': 50, 'validate': 50, 'train': 40, 'predict': 120, 'optimize': 75, 'evaluate': 45, 'report': 40, 'tune': 45,
        'promote': 30, 'models': 10}
RUNS |= {c: 20 for c in COMMANDS if c not in RUNS}   # commands added later are covered too
assert sum(RUNS.values()) >= 500


@pytest.mark.parametrize('command', list(RUNS))
def test_generated_arguments_never_crash(world, command, monkeypatch):
    (world / 'cwd').mkdir(exist_ok=True)
    monkeypatch.chdir(world / 'cwd')   # relative paths the fuzz makes up land in a scratch folder, not the checkout
    monkeypatch.setenv('STUDIO_REVENUE_TRACKING', 'off')
    monkeypatch.setenv('STUDIO_REVENUE_TUNING_DIR', str(world / 'tuning'))
    _stub_papermill(monkeypatch)
    counted = []

    @settings(max_examples=RUNS[command] * int(os.environ.get('FUZZ_SCALE', 1)), deadline=None,
              derandomize=not os.environ.get('FUZZ_SCALE'), database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def property(data):
        argv = argv_for(world, command, data.draw)
        code, out, err = run_inproc(*argv)
        if os.environ.get('FUZZ_SHOW'): print(code, argv[:3], err.strip().splitlines()[-1:] if err.strip() else '')
        check(code, out, err, argv)
        counted.append(code)
    property()
    assert len(counted) >= RUNS[command] * 0.9   # hypothesis ran (nearly) every example asked for
    print(f"{command}: {len(counted)} runs, {counted.count(0)} exit 0, {counted.count(2)} exit 2")



@pytest.mark.parametrize('command', ['generate', 'validate', 'train', 'predict', 'optimize', 'evaluate', 'report', 'models', 'serve'])
def test_the_valid_arguments_succeed(world, command, monkeypatch):
    "The fuzz starts from argument lists that work: every option at its valid value exits 0."
    monkeypatch.setenv('STUDIO_REVENUE_TRACKING', 'off')
    _stub_papermill(monkeypatch)
    argv = [command]
    for flag, good in valid_options(world, command).items():
        argv += [flag, good if good is not None else str(world / 'valid' / command / ('panel.csv' if command == 'generate' else 'x'))]
    code, out, err = run_inproc(*argv)
    assert code == 0, (argv, err[-2000:])


@settings(max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_real_processes_with_generated_arguments(world, data):
    "The console script itself: exit 0 or 2 with a message, never a traceback."
    command = data.draw(st.sampled_from(['validate', 'predict', 'optimize', 'generate']))
    argv = argv_for(world, command, data.draw)
    env = {**os.environ, 'STUDIO_REVENUE_TRACKING': 'off'}
    (world / 'cwd').mkdir(exist_ok=True)
    res = subprocess.run([str(CLI), *argv], capture_output=True, text=True, env=env, timeout=300, cwd=world / 'cwd')
    check(res.returncode, res.stdout, res.stderr, argv)
