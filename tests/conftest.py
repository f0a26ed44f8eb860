"""Keep the project's own MLflow store and tuning folder out of the tests: every test process (and the CLI
processes they start, which inherit the environment) records into a temporary store (MLflow and the studio store alike)."""
import os
import pytest


@pytest.fixture(autouse=True, scope='session')
def isolated_tracking(tmp_path_factory):
    home = tmp_path_factory.mktemp('tracking')
    old = {k: os.environ.get(k) for k in ('MLFLOW_TRACKING_URI', 'STUDIO_REVENUE_TUNING_DIR', 'DATABASE_URL')}
    os.environ['MLFLOW_TRACKING_URI'] = f"sqlite:///{home / 'mlruns.db'}"
    os.environ['STUDIO_REVENUE_TUNING_DIR'] = str(home / 'tuning')
    os.environ['DATABASE_URL'] = f"sqlite:///{home / 'studio_store.db'}"  # and the studio store (answers are logged)
    yield home
    for k, v in old.items():
        if v is None: os.environ.pop(k, None)
        else: os.environ[k] = v
