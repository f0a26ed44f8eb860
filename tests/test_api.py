"""The HTTP API started for real: uvicorn in a subprocess on a free 127.0.0.1 port, serving a small model trained once
for this module on a generated panel ingested into a temporary SQLite store (conftest's DATABASE_URL); Redis is a real
redis-server started on a free port. These need real processes, hence pytest rather than the notebook."""
import json, os, shutil, subprocess, sys, tempfile, time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from ports import free_port

BIN = Path(sys.executable).parent
SMALL = json.dumps({'xgboost': {'n_estimators': 15}, 'lightgbm': {'n_estimators': 15}, 'random_forest': {'n_estimators': 8}})
OTHER = json.dumps({'xgboost': {'n_estimators': 25, 'max_depth': 3}, 'lightgbm': {'n_estimators': 10}, 'random_forest': {'n_estimators': 5}})

# The original design's two curl examples (its request bodies as written; our demo studio's id).
FORWARD_EXAMPLE = {"studio_id": "s-001", "base_month": "2024-06", "projection_months": 3,
                   "levers": {"retention_rate": 0.75, "avg_ticket_price": 150.0, "class_attendance_rate": 0.7,
                              "new_members_monthly": 25, "staff_utilization_rate": 0.85, "upsell_rate": 0.25,
                              "total_classes_held": 120, "current_member_count": 200},
                   "include_confidence_intervals": True}
INVERSE_EXAMPLE = {"studio_id": "s-001", "base_month": "2024-06", "target_revenue": 40000.0, "target_months": 3,
                   "current_state": {"retention_rate": 0.75, "avg_ticket_price": 150.0, "class_attendance_rate": 0.7,
                                     "new_members_monthly": 25, "staff_utilization_rate": 0.85, "upsell_rate": 0.25,
                                     "total_classes_held": 120, "current_member_count": 200},
                   "constraints": {"max_retention_increase": 0.05, "max_ticket_increase": 20.0, "max_new_members_increase": 10}}


def cli(*args):
    r = subprocess.run([str(BIN / 'studio-revenue'), *args, '--json'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (args, r.stdout, r.stderr[-2000:])
    return json.loads(r.stdout)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    "A 12-studio panel through 2024-06 in the store, model A (champion) and model B (registered, not promoted)."
    d = tmp_path_factory.mktemp('api')
    cli('generate', '--studios', '12', '--months', '54', '--seed', '4', '--start', '2020-01', '--out', str(d / 'panel.csv'))
    cli('ingest', '--data', str(d / 'panel.csv'))
    a = cli('train', '--data', str(d / 'panel.csv'), '--model-dir', str(d / 'a'), '--params', SMALL, '--promote')
    b = cli('train', '--data', str(d / 'panel.csv'), '--model-dir', str(d / 'b'), '--params', OTHER, '--until', '2024-03')
    return dict(dir=d, a=a['registered_version'], b=b['registered_version'])


class Server:
    def __init__(self, args=(), env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the server's output goes to a file: a pipe nobody reads fills up and blocks the server mid-log
        self.log = tempfile.NamedTemporaryFile('w+', prefix='studio-revenue-serve-', suffix='.log', delete=False)
        self.proc = subprocess.Popen([str(BIN / 'studio-revenue'), 'serve', '--port', str(self.port), *args],
                                     env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None: raise AssertionError(f"serve exited {self.proc.returncode}: {self.output()[-3000:]}")
            try:
                if httpx.get(self.url + '/api/v1/health', timeout=1).status_code == 200: break
            except httpx.TransportError: time.sleep(0.3)
        else: raise AssertionError('serve did not answer within 120 s')
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors='replace')

    def stop(self):
        self.http.close()
        self.proc.terminate()
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()


@pytest.fixture(scope='module')
def server(world):
    s = Server()
    yield s
    s.stop()


def logged_ids(kind='prediction_log'):
    "The answer ids (outputs.log_id) in a log, one per row."
    eng = sa.create_engine(os.environ['DATABASE_URL'])
    with eng.connect() as c: outs = c.execute(sa.text(f'SELECT outputs FROM {kind}')).scalars().all()
    eng.dispose()
    return [(json.loads(o) if isinstance(o, str) else o).get('log_id') for o in outs]


def settled(server, timeout=30):
    "Wait until the server's log writer has written every answer it queued."
    deadline = time.time() + timeout
    while (q := server.http.get('/api/v1/health').json()['answer_log']['queued']) and time.time() < deadline: time.sleep(0.05)
    assert q == 0, f'{q} answers still queued for the log after {timeout} s'


def test_health_names_the_resolved_version(server, world):
    h = server.http.get('/api/v1/health').json()
    assert h['status'] == 'ok' and h['model_version'] == world['a'], h
    assert h['store']['reachable'] and h['cache']['kind'] == 'in-process'


def test_original_forward_example(server, world):
    r = server.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a['model_version'] == world['a'] and a['base_month'] == '2024-06-01'
    assert [p['month'] for p in a['predictions']] == ['2024-07-01', '2024-08-01', '2024-09-01']
    assert list(a['predictions_by_month']) == ['month_1', 'month_2', 'month_3']
    assert a['predictions_by_month']['month_3'] == a['predictions'][2]       # not month 1 repeated
    assert len({p['revenue'] for p in a['predictions']}) == 3
    assert all(p['revenue_lower'] < p['revenue'] < p['revenue_upper'] for p in a['predictions'])
    assert a['lever_plan']['avg_ticket_price'] == [150.0] * 3 and a['scenario_id']


def test_original_inverse_example(server, world):
    r = server.http.post('/api/v1/predict/inverse', json=INVERSE_EXAMPLE)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a['model_version'] == world['a'] and a['target_month'].startswith('2024-09') and a['optimization_id']
    assert set(a['recommended_levers']) >= {'retention_rate', 'avg_ticket_price'}
    assert a['recommended_levers']['avg_ticket_price'] <= 150.0 + 20.0 + 1e-6   # the constraint held


def test_original_example_studio_with_no_history(server, world):
    "The original design's own id, studio-123, is not in the store: answered from the pooled profile with history_months 0."
    body = {**FORWARD_EXAMPLE, 'studio_id': 'studio-123'}
    r = server.http.post('/api/v1/predict/forward', json=body)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a['history_months'] == 0 and a['model_version'] == world['a'] and len(a['predictions']) == 3
    assert a['profile']['studios'] and 'studio-123' not in a['profile']['studios']
    assert all(p['revenue_lower'] < p['revenue'] < p['revenue_upper'] for p in a['predictions'])
    known = server.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE).json()
    rel = lambda x: x['predictions'][0]['revenue_upper'] / x['predictions'][0]['revenue'] - x['predictions'][0]['revenue_lower'] / x['predictions'][0]['revenue']
    assert rel(a) > rel(known)                       # wider ranges for a studio the model has never seen
    t = server.http.post('/api/v1/predict/forward', json={**body, 'studio_type': 'yoga'})
    assert t.status_code == 200 and t.json()['profile']['basis'] in ('studio type yoga', 'all studios')
    assert server.http.post('/api/v1/predict/inverse', json={**INVERSE_EXAMPLE, 'studio_id': 'studio-123'}).status_code == 404


def test_every_answer_logged_exactly_once(server):
    settled(server)                                          # earlier tests' answers may still be queued for the log
    before = Counter(logged_ids())
    ids = [server.http.post('/api/v1/predict/forward', json={**FORWARD_EXAMPLE, 'projection_months': 2, 'levers': {'upsell_rate': 0.3}}).json()
           for _ in range(3)]
    assert [a['cached'] for a in ids] == [False, True, True]
    assert len({a['log_id'] for a in ids}) == 3 and all(a['log_id'] == a['scenario_id'] for a in ids)
    settled(server)
    assert Counter(logged_ids()) - before == Counter(a['log_id'] for a in ids)
    gs_before = Counter(logged_ids('goal_seek_log'))
    g = server.http.post('/api/v1/predict/inverse', json={**INVERSE_EXAMPLE, 'target_revenue': 41000.0}).json()
    settled(server)
    assert Counter(logged_ids('goal_seek_log')) - gs_before == Counter([g['log_id']])


def test_logged_exactly_once_under_concurrency_and_at_shutdown(world):
    "16 threads send 240 forwards (misses and hits) and 16 batches, then the server is stopped at once: every answer is in the log once."
    before = Counter(logged_ids())
    s = Server()
    bodies = [{**FORWARD_EXAMPLE, 'studio_id': f's-{1 + i % 12:03d}', 'levers': {'avg_ticket_price': 100.0 + i % 60}} for i in range(240)]
    batch = {'items': [{'studio_id': f's-{1 + i % 12:03d}', 'projection_months': 2, 'levers': {'upsell_rate': 0.2 + i / 1000}} for i in range(30)]}
    def send(i):
        with httpx.Client(base_url=s.url, timeout=120) as c:
            if i < 16: return [x['log_id'] for x in c.post('/api/v1/predict/batch', json=batch).raise_for_status().json()['results']]
            return [c.post('/api/v1/predict/forward', json=bodies[i - 16]).raise_for_status().json()['log_id']]
    try:
        with ThreadPoolExecutor(16) as pool: answered = [i for got in pool.map(send, range(16 + 240)) for i in got]
    finally: s.stop()                                       # SIGTERM right after the last answer: the writer drains on shutdown
    assert len(answered) == 16 * 30 + 240 and len(set(answered)) == len(answered)
    assert Counter(logged_ids()) - before == Counter(answered)


def test_cache_hits_are_the_endpoints_answers_and_keep_its_rules(server):
    "A cached answer is sent by the CacheHits middleware, before FastAPI: the endpoint's answer under its own id, and FastAPI's 422s for the rest."
    url, body = '/api/v1/predict/forward', {**FORWARD_EXAMPLE, 'levers': {'upsell_rate': 0.31}}
    first = server.http.post(url, json=body).json()
    again = server.http.post(url, content=json.dumps(body), headers={'content-type': 'application/json; charset=utf-8'})
    assert again.status_code == 200 and again.headers['content-type'] == 'application/json', again.text
    same = lambda a: {k: v for k, v in a.items() if k not in ('cached', 'log_id', 'scenario_id')}
    assert (first['cached'], again.json()['cached']) == (False, True) and same(again.json()) == same(first)
    assert again.json()['log_id'] == again.json()['scenario_id'] != first['log_id']
    for extra in ({'projection_months': 3, 'extra': 1}, {'interval': 2}):         # the cached body with a rule broken
        r = server.http.post(url, json={**body, **extra})
        assert r.status_code == 422 and r.json()['problems'], r.text
    assert server.http.post(url, content=json.dumps(body), headers={'content-type': 'text/plain'}).status_code == 422
    assert server.http.post(url, content=b'{"studio_id": "s-001",', headers={'content-type': 'application/json'}).status_code == 422


@pytest.mark.parametrize('body, status, words', [
    ({**FORWARD_EXAMPLE, 'levers': {'retention_rate': 1.4}}, 422, ['levers.retention_rate: Input should be less than or equal to 1']),
    ({**FORWARD_EXAMPLE, 'projection_months': 13}, 422, ['projection_months', 'less than or equal to 12']),
    ({**FORWARD_EXAMPLE, 'levers': {'upsell_rate': [0.1, 0.2]}}, 422, ['projection_months is 3']),
    ({**FORWARD_EXAMPLE, 'levers': {'ticket_price': 150}}, 422, ['levers.ticket_price', "unknown lever 'ticket_price' (did you mean 'avg_ticket_price'?)"]),
    ({**FORWARD_EXAMPLE, 'base_month': '2031-01'}, 422, ['base_month 2031-01 is not a month']),
    ({**FORWARD_EXAMPLE, 'base_month': '2024-13'}, 422, ['base_month must be a month']),
    ({'studio_id': 's-999', 'projection_months': 3}, 404, ["'s-999' is not in the studio store"]),
    ({**FORWARD_EXAMPLE, 'studio_id': 's-999', 'levers': {'retention_rate': 0.8}}, 422,
     ["'s-999' has no history", 'levers.avg_ticket_price', 'levers.current_member_count']),
    ({k: v for k, v in FORWARD_EXAMPLE.items() if k != 'studio_id'}, 422, ['studio_id', 'Field required']),
])
def test_forward_bad_input(server, body, status, words):
    r = server.http.post('/api/v1/predict/forward', json=body)
    assert r.status_code == status, r.text
    assert all(w in r.json()['error'] for w in words), r.json()


def test_inverse_bad_input_and_garbage(server):
    r = server.http.post('/api/v1/predict/inverse', json={**INVERSE_EXAMPLE, 'constraints': {'locked': ['price']}})
    assert r.status_code == 422 and 'constraints.locked' in r.json()['error']
    r = server.http.post('/api/v1/predict/inverse', json={**INVERSE_EXAMPLE, 'target_revenue': -5})
    assert r.status_code == 422 and 'target_revenue' in r.json()['error']
    r = server.http.post('/api/v1/predict/forward', content=b'{not json', headers={'content-type': 'application/json'})
    assert r.status_code == 422
    r = server.http.post('/api/v1/predict/forward', content=b'x' * 2_000_000, headers={'content-type': 'application/json'})
    assert r.status_code == 413


def test_history(server):
    h = server.http.get('/api/v1/studios/s-002/history').json()
    assert h['history_months'] == 54 and h['months'][0]['month'] == '2020-01-01'
    assert server.http.get('/api/v1/studios/nobody/history').status_code == 404


def test_ingested_correction_is_never_answered_from_the_cache(server, world, tmp_path):
    body = {**FORWARD_EXAMPLE, 'studio_id': 's-003', 'base_month': None, 'levers': {}}
    first = server.http.post('/api/v1/predict/forward', json=body).json()
    assert server.http.post('/api/v1/predict/forward', json=body).json()['cached'] is True
    panel = pd.read_csv(world['dir'] / 'panel.csv')
    last = (panel.studio_id == 's-003') & (panel.month == panel[panel.studio_id == 's-003'].month.max())
    panel.loc[last, 'total_members'] = (panel.loc[last, 'total_members'] * 1.5).round()   # a corrected last month
    panel[panel.studio_id == 's-003'].to_csv(tmp_path / 'fix.csv', index=False)
    cli('ingest', '--data', str(tmp_path / 'fix.csv'))
    after = server.http.post('/api/v1/predict/forward', json=body).json()
    assert after['cached'] is False and after['predictions'][0]['revenue'] != first['predictions'][0]['revenue']


def test_promotion_swaps_without_stale_answers_and_a_failed_load_keeps_serving(server, world):
    body = {**FORWARD_EXAMPLE, 'studio_id': 's-004', 'levers': {'avg_ticket_price': 170}}
    old = server.http.post('/api/v1/predict/forward', json=body).json()
    assert old['model_version'] == world['a']
    bad = server.http.post('/api/v1/admin/reload', params={'model': str(world['dir'] / 'nothing-here')})
    assert bad.status_code == 422 and 'no model' in bad.json()['error']
    assert server.http.get('/api/v1/health').json()['model_version'] == world['a']
    cli('promote', '--version', world['b'])
    r = server.http.post('/api/v1/admin/reload').json()
    assert r == {'reloaded': True, 'model_version': world['b'], 'previous_version': world['a']}
    new = server.http.post('/api/v1/predict/forward', json=body).json()
    assert new['model_version'] == world['b'] and new['cached'] is False
    assert new['predictions'][0]['revenue'] != old['predictions'][0]['revenue']
    cli('promote', '--version', world['a'])
    assert server.http.post('/api/v1/admin/reload').json()['model_version'] == world['a']


def test_token_and_cors_off(world):
    s = Server(env={'STUDIO_REVENUE_API_TOKEN': 'sekret'})
    try:
        assert s.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE).status_code == 401
        ok = s.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE, headers={'Authorization': 'Bearer sekret'})
        assert ok.status_code == 200
        assert s.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE).status_code == 401     # cached now: still the token first
        pre = s.http.options('/api/v1/predict/forward', headers={'Origin': 'http://evil.example', 'Access-Control-Request-Method': 'POST'})
        assert 'access-control-allow-origin' not in pre.headers
    finally: s.stop()


def test_store_unreachable_is_503(world, tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    s = Server(env={'DATABASE_URL': f"sqlite:///{blocker}/store.db"})
    try:
        r = s.http.post('/api/v1/predict/forward', json=FORWARD_EXAMPLE)
        assert r.status_code == 503 and 'cannot be reached' in r.json()['error'], r.text
        assert s.http.get('/api/v1/health').json()['status'] == 'degraded'
    finally: s.stop()


@pytest.fixture(scope='module')
def redis_url():
    exe = shutil.which('redis-server') or '/usr/bin/redis-server'
    if not Path(exe).exists(): pytest.skip('redis-server is not installed (Debian package redis-server; .ci/run installs it)')
    port = free_port()
    proc = subprocess.Popen([exe, '--port', str(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis
    client = redis.Redis(port=port)
    for _ in range(100):
        try: client.ping(); break
        except redis.ConnectionError: time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate(); proc.wait(10)


def test_redis_cache_shared_and_never_stale(world, redis_url, tmp_path):
    s1, s2 = Server(env={'REDIS_URL': redis_url}), Server(env={'REDIS_URL': redis_url})
    try:
        assert s1.http.get('/api/v1/health').json()['cache']['kind'] == 'redis'
        body = {**FORWARD_EXAMPLE, 'studio_id': 's-005', 'levers': {'upsell_rate': 0.33}}
        a = s1.http.post('/api/v1/predict/forward', json=body).json()
        b = s2.http.post('/api/v1/predict/forward', json=body).json()       # the other worker finds it in Redis
        assert (a['cached'], b['cached']) == (False, True) and a['predictions'] == b['predictions']
        panel = pd.read_csv(world['dir'] / 'panel.csv')
        one = panel[panel.studio_id == 's-005'].copy()
        one.loc[one.month == '2024-06-01', 'avg_ticket_price'] += 12.5          # a correction of the base month
        one.to_csv(tmp_path / 'fix.csv', index=False)
        cli('ingest', '--data', str(tmp_path / 'fix.csv'))
        c = s2.http.post('/api/v1/predict/forward', json=body).json()
        assert c['cached'] is False
    finally: s1.stop(); s2.stop()


def test_batch_matches_forward_and_logs_each_plan_once(server):
    plans = [{'avg_ticket_price': p} for p in (120, 150, 180)] + [{'upsell_rate': [0.1, 0.2, 0.3]}]
    items = [{'studio_id': s, 'base_month': '2024-06', 'projection_months': 3, 'levers': p} for s in ('s-001', 's-006') for p in plans]
    settled(server)
    before = Counter(logged_ids())
    r = server.http.post('/api/v1/predict/batch', json={'items': items})
    assert r.status_code == 200, r.text
    b = r.json()
    assert len(b['results']) == 8 and b['plan_months'] == 24
    settled(server)
    assert Counter(logged_ids()) - before == Counter(x['log_id'] for x in b['results'])
    one = server.http.post('/api/v1/predict/forward', json={**items[5], 'include_confidence_intervals': True}).json()
    assert [p['revenue'] for p in one['predictions']] == [p['revenue'] for p in b['results'][5]['predictions']]
    assert b['results'][0]['predictions'][0]['revenue'] < b['results'][2]['predictions'][0]['revenue']  # higher price, more revenue
    bad = server.http.post('/api/v1/predict/batch', json={'items': items[:1] + [{**items[0], 'studio_id': 'ghost'}]})
    assert bad.status_code == 404 and 'ghost' in bad.json()['error']
    assert server.http.post('/api/v1/predict/batch', json={'items': []}).status_code == 422


def test_fuzzing_from_the_openapi_schema_finds_no_server_error(server, tmp_path):
    "schemathesis generates ≥ 1,000 requests from /openapi.json (valid and invalid); none may answer ≥ 500."
    before = server.http.get('/api/v1/health').json()['responses']
    st = BIN / 'schemathesis'
    r = subprocess.run([str(st), 'run', server.url + '/openapi.json', '--checks', 'not_a_server_error', '--max-examples', '300',
                        '--seed', '1', '--workers', '2', '--request-timeout', '60', '--suppress-health-check', 'all'],
                       capture_output=True, text=True, timeout=900, cwd=tmp_path)  # its .schemathesis/ cache stays out of the checkout
    after = server.http.get('/api/v1/health').json()['responses']
    sent = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print('fuzzing: responses by status', sent)
    assert sum(sent.values()) >= 1000, (sent, r.stdout[-3000:])
    assert not any(int(k) >= 500 and n for k, n in sent.items()), (sent, r.stdout[-5000:])
    assert r.returncode == 0, r.stdout[-5000:]
    assert 'Exception in ASGI application' not in server.output(), server.output()[-5000:]   # nothing unhandled either


def test_scenarios_saved_listed_and_read_back(server):
    body = {'name': 'price 170', 'forecast': {**FORWARD_EXAMPLE, 'levers': {'avg_ticket_price': 170}}}
    saved = server.http.post('/api/v1/scenarios', json=body)
    assert saved.status_code == 200, saved.text
    s = saved.json()
    listed = server.http.get('/api/v1/scenarios', params={'studio_id': 's-001'}).json()
    assert listed[0]['id'] == s['id'] and listed[0]['name'] == 'price 170'
    assert listed[0]['total_projected_revenue'] == s['answer']['total_projected_revenue']
    back = server.http.get(f"/api/v1/scenarios/{s['id']}").json()
    assert back['answer']['predictions'] == s['answer']['predictions'] and back['request']['levers']['avg_ticket_price'] == 170
    assert server.http.get('/api/v1/scenarios/999999').status_code == 404
    assert server.http.post('/api/v1/scenarios', json={**body, 'name': ''}).status_code == 422


def test_insights_offline_without_a_key(server):
    "The CLI's --insights facts over HTTP; no OPENAI_API_KEY in the server's environment, so the offline writer answers."
    assert 'OPENAI_API_KEY' not in os.environ
    r = server.http.post('/api/v1/insights', json={'goal_seek': {**INVERSE_EXAMPLE, 'target_revenue': 42000.0}})
    assert r.status_code == 200, r.text
    i = r.json()
    assert i['kind'] == 'goal_seek' and i['insights']['writer'] == 'offline' and 'no API key' in i['insights']['reason']
    assert i['insights']['headline'] and i['insights']['recommendations'] and i['answer']['optimization_id']
    f = server.http.post('/api/v1/insights', json={'forecast': FORWARD_EXAMPLE}).json()
    assert f['kind'] == 'forecast' and f['insights']['studio_id'] == 's-001' and f['answer']['predictions']
    bad = server.http.post('/api/v1/insights', json={})
    assert bad.status_code == 422 and 'exactly one of forecast' in bad.json()['error']


CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


def test_docs_render_in_headless_chromium(server, tmp_path):
    "Swagger UI at /docs, from files the API serves itself (no CDN): the DOM lists the endpoints and the screenshot is not blank."
    if not CHROMIUM: pytest.skip('chromium is not installed (apt-get install chromium): /docs was not opened in a browser')
    from PIL import Image
    args = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', f'--user-data-dir={tmp_path / "profile"}', '--hide-scrollbars', '--window-size=1300,1800',
            '--virtual-time-budget=15000']
    dom = subprocess.run(args + ['--dump-dom', server.url + '/docs'], capture_output=True, text=True, timeout=120).stdout
    for path in ('/api/v1/predict/forward', '/api/v1/predict/inverse', '/api/v1/predict/batch', '/api/v1/insights', '/api/v1/health'):
        assert path in dom, f'{path} not rendered in /docs: {dom[:2000]}'
    shot = tmp_path / 'docs.png'
    res = subprocess.run(args + [f'--screenshot={shot}', server.url + '/docs'], capture_output=True, text=True, timeout=120)
    assert shot.is_file(), res.stderr[-2000:]
    colours = Image.open(shot).convert('RGB').getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50, f'/docs looks blank ({len(colours)} colours)'
    dest = Path(__file__).resolve().parents[1] / 'reports' / 'screenshots'
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, dest / 'api_docs.png')
