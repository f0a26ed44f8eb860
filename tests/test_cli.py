"""The `studio-revenue` command as a user runs it: a real process, its exit codes, stdout and stderr.

These live in pytest rather than a notebook because they start the installed console script in a
subprocess (the notebook 99_cli tests the same commands in-process)."""
import json, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest

CLI = Path(sys.executable).with_name('studio-revenue')
ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope='module')
def panel_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp('data') / 'panel.csv'
    res = run('generate', '--studios', 200, '--months', 60, '--seed', 1, '--out', out, '--json')
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)  # stdout holds exactly one JSON document
    assert (doc['rows'], doc['studios'], doc['months']) == (12000, 200, 60)
    return out


def test_generate_then_validate(panel_csv):
    res = run('validate', '--data', panel_csv, '--json')
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc['valid'] and doc['studios'] == 200 and doc['months'] == 60
    assert set(doc['by_studio_type']) == {'yoga', 'pilates', 'hiit', 'cycling', 'barre'}


def test_validate_names_each_problem(panel_csv, tmp_path):
    frame = pd.read_csv(panel_csv, dtype=str)
    frame.loc[10, 'total_members'] = '-5'          # negative member count: row 12
    frame.loc[20, 'retention_rate'] = '1.5'        # retention of 1.5: row 22
    frame.loc[30, 'avg_ticket_price'] = 'cheap'    # text in a numeric column: row 32
    frame.loc[41, 'month'] = frame.loc[40, 'month']  # duplicated month: row 43
    frame = frame.drop(columns='staff_utilization_rate')  # missing required column
    bad = tmp_path / 'bad.csv'
    frame.to_csv(bad, index=False)
    res = run('validate', '--data', bad, '--json')
    assert res.returncode == 2
    problems = json.loads(res.stdout)['problems']
    named = {(p['row'], p['column']) for p in problems}
    assert {(12, 'total_members'), (22, 'retention_rate'), (32, 'avg_ticket_price'), (43, 'month'),
            (None, 'staff_utilization_rate')} <= named, named
    assert all(p['file'] == str(bad) for p in problems)
    text = run('validate', '--data', bad)
    assert text.returncode == 2 and 'row 32, column avg_ticket_price' in text.stderr and text.stdout == ''


def test_existing_output_is_kept(panel_csv):
    before = panel_csv.read_bytes()
    res = run('generate', '--studios', 2, '--months', 3, '--out', panel_csv)
    assert res.returncode == 2 and '--overwrite' in res.stderr
    assert panel_csv.read_bytes() == before


@pytest.mark.parametrize('args,needle', [
    (('generate', '--studios', 'many', '--out', 'x.csv'), "argument --studios: must be a whole number, got 'many'"),
    (('generate', '--months', 1, '--out', 'x.csv'), '--months must be between 2 and 600'),
    (('generate', '--out', 'x.xlsx'), 'use a .csv or .parquet file name'),
    (('validate',), 'the following arguments are required: --data'),
    (('validate', '--data', 'nowhere.csv'), 'file not found'),
])
def test_bad_input_exits_2(args, needle, tmp_path):
    res = run(*args, '--json', cwd=tmp_path)
    assert res.returncode == 2, res
    assert needle in json.loads(res.stdout)['error']
    assert not (tmp_path / 'x.csv').exists() and not (tmp_path / 'x.xlsx').exists()


def test_internal_failure_exits_1(monkeypatch, capsys):
    from studio_revenue import cli
    def boom(**kw): raise ZeroDivisionError('simulated bug')
    monkeypatch.setitem(cli.COMMANDS, 'validate', cli.COMMANDS['validate'].__class__('validate', 'x', boom, (), None))
    assert cli.main(['validate', '--json']) == 1
    out = capsys.readouterr()
    assert 'internal error (ZeroDivisionError)' in json.loads(out.out)['error'] and 'Traceback' in out.err


def test_sample_file_follows_the_contract():
    res = run('validate', '--data', ROOT / 'data' / 'sample_panel.csv', '--json')
    assert res.returncode == 0, res.stdout


@pytest.fixture(scope='module')
def small_model(tmp_path_factory):
    d = tmp_path_factory.mktemp('model')
    data = d / 'panel.csv'
    assert run('generate', '--studios', 15, '--months', 30, '--seed', 3, '--out', data).returncode == 0
    res = run('train', '--data', data, '--model-dir', d / 'model', '--json')
    assert res.returncode == 0, res.stderr
    return data, d / 'model'


def test_predict_contract(small_model):
    data, model = small_model
    res = run('predict', '--model-dir', model, '--data', data, '--studio', 's-002', '--months', 4,
              '--levers', '{"retention_rate": 0.95, "total_classes_held": [120, 130, 140, 150]}', '--json')
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert {'studio_id', 'base_month', 'model_version', 'interval', 'predictions', 'total_projected_revenue', 'growth_rate'} <= set(doc)
    assert len(doc['predictions']) == 4 and doc['lever_plan']['total_classes_held'] == [120, 130, 140, 150]


@pytest.mark.parametrize('extra,needle', [
    (('--studio', 'nobody'), "unknown studio 'nobody'"),
    (('--studio', 's-002', '--levers', '{"avg_ticket_price": 900}'), 'outside its range 50–500'),
    (('--studio', 's-002', '--levers', '{"price": 100}'), "unknown lever 'price'"),
    (('--studio', 's-002', '--months', 3, '--levers', '{"upsell_rate": [0.1, 0.2]}'), 'has 2 monthly values'),
])
def test_predict_bad_input_exits_2(small_model, extra, needle):
    data, model = small_model
    res = run('predict', '--model-dir', model, '--data', data, *extra)
    assert res.returncode == 2 and needle in res.stderr, res.stderr
