"""The retrain gate with a real MLflow registry (a temporary store, see conftest): a deliberately degraded challenger is
refused and a sound one replaces a degraded champion. In pytest because each test fits and backtests several models (~1 min)."""
import json
import pytest
import studio_revenue.monitor as monitor_module
from studio_revenue.core import validate_history
from studio_revenue.simulate import generate_panel
from studio_revenue.ensemble import RevenueModel
from studio_revenue.intervals import calibrate, INTERVALS_FILE
from studio_revenue.tracking import record_training, promote, load_mlflow, REGISTERED_MODEL
from studio_revenue.monitor import retrain, Gate

SOUND = dict(xgboost=dict(n_estimators=60), lightgbm=dict(n_estimators=60), random_forest=dict(n_estimators=30))
# Degraded on purpose: learning rate 1 and unconstrained leaves fit the noise; its backtest MAPE is ~12 % worse (0.96 % vs 0.85 %).
DEGRADED = dict(xgboost=dict(n_estimators=10, max_depth=4, learning_rate=1.0, min_child_weight=1, subsample=1.0),
                lightgbm=dict(n_estimators=10, num_leaves=15, learning_rate=1.0, min_child_samples=5, subsample=1.0),
                random_forest=dict(n_estimators=5, min_samples_leaf=1, max_samples=1.0, max_features=1.0, max_depth=8))


@pytest.fixture(scope='module')
def history():
    return validate_history(generate_panel(30, 42, seed=11).history)


@pytest.fixture(autouse=True, scope='module')
def backtest_once():
    "Both tests backtest the same two recipes on the same history: each is computed once (deterministic seeds), then reused."
    real, seen = monitor_module.backtest_figures, {}
    def cached(history, params, cutoffs, span, n_jobs=2):
        key = json.dumps([monitor_module._full_params(params), [str(c) for c in cutoffs], span, len(history)], sort_keys=True, default=str)
        if key not in seen: seen[key] = real(history, params, cutoffs, span, n_jobs)
        return dict(seen[key])
    monitor_module.backtest_figures = cached
    yield
    monitor_module.backtest_figures = real


def make_champion(history, params, folder):
    model = RevenueModel(params, n_jobs=2).fit(history)
    model.save(folder, extras={INTERVALS_FILE: calibrate(model).write})
    version = record_training(model, folder, 'test panel')['registered_version']
    promote(version)
    return version


def champion_version():
    return str(load_mlflow().MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, 'champion').version)


def decision_run(run_id):
    run = load_mlflow().MlflowClient().get_run(run_id)
    return run.data.tags, run.data.metrics


def test_degraded_challenger_is_refused(history, tmp_path):
    before = make_champion(history, SOUND, tmp_path / 'champion')
    d = retrain(history, tmp_path / 'challenger', params=DEGRADED, span=6)
    assert not d['promoted'], d['reason']
    assert d['challenger']['mape'] > d['champion']['mape'] * (1 + Gate().max_worse)
    assert 'worse than the champion' in d['reason']
    assert champion_version() == before                      # the alias did not move
    tags, metrics = decision_run(d['run_id'])                 # decision, both figures and the reason are in MLflow
    assert tags['decision'] == 'refused' and tags['reason'] == d['reason']
    assert metrics['challenger_backtest_mape'] == d['challenger']['mape'] and metrics['champion_backtest_mape'] == d['champion']['mape']


def test_better_challenger_is_promoted(history, tmp_path):
    make_champion(history, DEGRADED, tmp_path / 'champion')
    d = retrain(history, tmp_path / 'challenger', params=SOUND, span=6)
    assert d['promoted'], d['reason']
    assert d['challenger']['mape'] < d['champion']['mape']
    assert Gate().coverage_band[0] <= d['challenger']['coverage'] <= Gate().coverage_band[1]
    assert champion_version() == d['registered_version']
    tags, metrics = decision_run(d['run_id'])
    assert tags['decision'] == 'promoted' and metrics['challenger_backtest_mape'] == d['challenger']['mape']
