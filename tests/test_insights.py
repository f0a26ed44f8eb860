"""Insights against a chat server: the real `openai` client talking to a stand-in server on 127.0.0.1.

These live in pytest rather than only in the notebook (90_insights shows the main paths) because they patch
the environment and the socket layer, capture every log record at DEBUG and stderr, and time a server that
is slow or gone. A guard refuses any connection that is not to the loopback address, so no test can leave
the machine, whatever the environment holds."""
import json, logging, socket, time

import openai
import pytest

from studio_revenue.core import StudioRevenueError
from studio_revenue.facts import check_numbers, insight_facts, unsupported_numbers
from studio_revenue.insights import check_reply, insight_messages, llm_settings, offline_insights, write_insights
from chat_server import local_chat_server   # tests/chat_server.py: a stand-in chat server

KEY = 'sk-test-LEAKCHECK-0123456789abcdef'
ENV = ('OPENAI_API_KEY', 'OPENAI_BASE_URL', 'STUDIO_REVENUE_LLM_MODEL', 'STUDIO_REVENUE_LLM_TIMEOUT')

GOAL = {'studio_id': 's-005', 'target_revenue': 60000.0, 'target_month': '2024-09-01', 'feasible': True,
        'achievable_revenue': 60150.0, 'achievement_rate': 1.0025,
        'recommended_levers': {'retention_rate': 0.93, 'avg_ticket_price': 170.0, 'class_attendance_rate': 0.72, 'new_members_monthly': 30.0,
                               'staff_utilization_rate': 0.8, 'upsell_rate': 0.2, 'total_classes_held': 180.0},
        'lever_changes': {'retention_rate': {'current': 0.91, 'recommended': 0.93, 'change_pct': 2.2, 'impact_on_revenue': 1800.0},
                          'avg_ticket_price': {'current': 150.0, 'recommended': 170.0, 'change_pct': 13.3, 'impact_on_revenue': 3350.0}},
        'binding_constraints': ['max_ticket_increase'],
        'action_plan': [{'priority': 1, 'lever': 'avg_ticket_price', 'action': 'Raise the average ticket price from 150.00 to 170.00 (+13.3 %)',
                         'expected_impact': 3350.0},
                        {'priority': 2, 'lever': 'retention_rate', 'action': 'Raise monthly member retention from 91.0 % to 93.0 % (+2.0 points)',
                         'expected_impact': 1800.0}],
        'months': 3, 'base_month': '2024-06-01', 'baseline_revenue': 55000.0}
FORECAST = {'studio_id': 's-005', 'base_month': '2024-06-01', 'model_version': 'abc123', 'interval': 0.9,
            'predictions': [{'month': f'2024-{m:02d}-01', 'revenue': r, 'revenue_lower': lo, 'revenue_upper': hi, 'members': n}
                            for m, r, lo, hi, n in [(7, 51234.5, 48800.0, 53900.0, 412), (8, 51710.25, 48650.0, 54980.0, 415),
                                                    (9, 52040.0, 48420.0, 55770.0, 417)]],
            'total_projected_revenue': 154984.75, 'growth_rate': 0.004}

GOOD_GOAL = {'headline': 'You can reach 60,000 in September 2024: the plan is predicted to bring 60,150 (100.3 % of the target).',
             'recommendations': ['Raise the average ticket price from $150 to $170 (+13.3 %), worth about 3.4k by September 2024.',
                                 'Lift monthly retention from 91 % to 93 %, worth about 1,800.',
                                 'Doing nothing leaves you at 55,000; the two changes add 5,150.'],
             'risks': ['The price rise is at its cap.']}
GOOD_FORECAST = {'headline': 'Revenue is projected at about 155k over the next three months.',
                 'recommendations': ['Budget on 51,235 for July 2024, rising to 52,040 by 2024-09.',
                                     'For September 2024 the 90 % range runs from 48.4k to 55.8k.'],
                 'risks': ['Membership only grows from 412 to 417.']}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    "Refuse any connection that is not to 127.0.0.1 / ::1, and start from an environment without model settings."
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ('127.0.0.1', '::1', 'localhost'):
            raise AssertionError(f"a test tried to leave the machine: {address!r}")
        return real_connect(self, address)
    monkeypatch.setattr(socket.socket, 'connect', connect)
    for k in ENV: monkeypatch.delenv(k, raising=False)


def closed_port() -> int:
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    return port


def all_text(insight) -> str:
    return '\n'.join([insight['headline'], *insight['recommendations'], *insight['risks']])


def test_accepted_reply_is_used():
    with local_chat_server([json.dumps(GOOD_GOAL), json.dumps(GOOD_FORECAST)]) as server:
        goal = write_insights(GOAL, base_url=server.base_url, api_key=KEY, model='local-model', timeout=5)
        fc = write_insights(FORECAST, base_url=server.base_url, api_key=KEY, model='local-model', timeout=5)
    assert (goal['writer'], goal['model'], goal['reason'], goal['unsupported_numbers']) == ('llm', 'local-model', None, [])
    assert {k: goal[k] for k in GOOD_GOAL} == GOOD_GOAL
    assert (fc['writer'], fc['kind'], fc['headline']) == ('llm', 'forecast', GOOD_FORECAST['headline'])
    request = server.requests[0]
    assert request['path'] == '/v1/chat/completions' and request['authorization'] == f'Bearer {KEY}'
    assert request['body']['model'] == 'local-model' and request['body']['temperature'] == 0
    assert request['body']['response_format'] == {'type': 'json_object'}
    # the prompt is the facts and nothing else: no lever left unchanged, no raw history
    assert request['body']['messages'] == insight_messages(insight_facts(GOAL))
    assert 'recommended_levers' not in json.dumps(request['body'])


def test_invented_number_falls_back_and_is_named():
    invented = {**GOOD_GOAL, 'recommendations': GOOD_GOAL['recommendations'][:2] + ['Add a Saturday class to win 12 new members a month.']}
    with local_chat_server([json.dumps(invented)]) as server:
        out = write_insights(GOAL, base_url=server.base_url, api_key=KEY, timeout=5)
    assert out['writer'] == 'offline' and out['model'] is None
    assert out['unsupported_numbers'] == ['12']
    assert "'12' (recommendations[2])" in out['reason']
    assert {k: out[k] for k in ('headline', 'recommendations', 'risks')} == offline_insights(insight_facts(GOAL))


@pytest.mark.parametrize('reply, why', [
    ('Raise your prices and keep members happy.', 'not a JSON object'),
    (json.dumps({'headline': 'Fine', 'recommendations': 'Raise prices', 'risks': []}), 'recommendations must be a list'),
    (json.dumps({'headline': 'Fine', 'advice': ['Raise prices']}), 'expected exactly'),
    ((200, {'unexpected': 'shape'}), 'unreadable answer'),
    ((200, b'<html>not json</html>'), 'unreadable answer'),
    ((500, {'error': {'message': 'model crashed'}}), 'answered HTTP 500'),
])
def test_malformed_reply_falls_back(reply, why):
    with local_chat_server([reply]) as server:
        out = write_insights(FORECAST, base_url=server.base_url, api_key=KEY, timeout=5)
    assert out['writer'] == 'offline' and why in out['reason'], out['reason']
    assert len(server.requests) == 1  # no retries, even on a server error


def test_unreachable_server_falls_back_quickly():
    t0 = time.monotonic()
    out = write_insights(GOAL, base_url=f'http://127.0.0.1:{closed_port()}/v1', api_key=KEY, timeout=5)
    assert time.monotonic() - t0 < 3
    assert out['writer'] == 'offline' and 'cannot reach' in out['reason']


def test_slow_server_falls_back_after_the_timeout():
    with local_chat_server([json.dumps(GOOD_GOAL)], delay=2) as server:
        t0 = time.monotonic()
        out = write_insights(GOAL, base_url=server.base_url, api_key=KEY, timeout=0.3)
        assert time.monotonic() - t0 < 1.5
    assert out['writer'] == 'offline' and 'within 0.3 s' in out['reason']


def test_no_key_means_no_network_call(monkeypatch):
    def refuse(*a, **k): raise AssertionError('the openai client was created without a key')
    with local_chat_server([json.dumps(GOOD_GOAL)]) as server:
        monkeypatch.setenv('OPENAI_BASE_URL', server.base_url)
        monkeypatch.setattr(openai, 'OpenAI', refuse)
        out = write_insights(GOAL)
        forced = write_insights(GOAL, api_key='', base_url=server.base_url)  # '' wins over a key in the environment
        monkeypatch.setenv('OPENAI_API_KEY', KEY)
        forced_env = write_insights(GOAL, api_key='')
    assert server.requests == []
    for r in (out, forced, forced_env):
        assert r['writer'] == 'offline' and 'no API key' in r['reason']


def test_settings_come_from_the_environment(monkeypatch):
    with local_chat_server([json.dumps(GOOD_GOAL)]) as server:
        monkeypatch.setenv('OPENAI_API_KEY', KEY)
        monkeypatch.setenv('OPENAI_BASE_URL', server.base_url)
        monkeypatch.setenv('STUDIO_REVENUE_LLM_MODEL', 'env-model')
        monkeypatch.setenv('STUDIO_REVENUE_LLM_TIMEOUT', '4')
        assert llm_settings().timeout == 4.0
        out = write_insights(GOAL)
    assert (out['writer'], out['model']) == ('llm', 'env-model')
    assert server.requests[0]['body']['model'] == 'env-model'
    monkeypatch.setenv('STUDIO_REVENUE_LLM_TIMEOUT', 'never')
    with pytest.raises(StudioRevenueError, match='positive number of seconds'):
        write_insights(GOAL)


def test_the_key_never_leaks(caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, the openai client's and its HTTP stack's included
    echo_401 = (401, {'error': {'message': f'Incorrect API key provided: {KEY}. You can find your API key at your dashboard.',
                                'type': 'invalid_request_error', 'code': 'invalid_api_key'}})
    echo_reply = json.dumps({**GOOD_GOAL, 'headline': f'Your key {KEY} works'})
    invented = json.dumps({**GOOD_GOAL, 'risks': ['Costs may rise by 7 %.']})
    results = []
    with local_chat_server([echo_401, echo_reply, invented, json.dumps(GOOD_GOAL)]) as server:
        for _ in range(4): results.append(write_insights(GOAL, base_url=server.base_url, api_key=KEY, timeout=5))
    results.append(write_insights(GOAL, base_url=f'http://127.0.0.1:{closed_port()}/v1', api_key=KEY, timeout=5))
    assert [r['writer'] for r in results] == ['offline', 'offline', 'offline', 'llm', 'offline']
    assert 'HTTP 401' in results[0]['reason'] and '[redacted]' in results[0]['reason']
    assert 'repeats the API key' in results[1]['reason']
    with pytest.raises(StudioRevenueError) as bad_url:
        write_insights(GOAL, base_url=f'ftp://127.0.0.1/v1?key={KEY}', api_key=KEY)
    captured = capsys.readouterr()
    assert caplog.records, "the run should have logged something to check"
    for where, text in [('results', json.dumps(results)), ('logs', caplog.text), ('stdout', captured.out), ('stderr', captured.err),
                        ('exception', str(bad_url.value)), ('settings', repr(llm_settings(api_key=KEY)))]:
        assert KEY not in text and KEY[-12:] not in text, f"the key shows in the {where}"


def test_offline_writer_passes_its_own_check_on_every_shape():
    shapes = [
        GOAL,
        {**GOAL, 'lever_changes': {}, 'action_plan': [], 'binding_constraints': [], 'achievable_revenue': 61000.0, 'achievement_rate': 1.0167},
        {**GOAL, 'feasible': False, 'achievable_revenue': 57900.0, 'achievement_rate': 0.965, 'probability': {'level': 0.8, 'achievable_revenue_lower': 54321.0},
         'relaxations': [{'lever': 'avg_ticket_price', 'constraints': ['max_ticket_increase'], 'revenue_if_relaxed': 61200.0, 'revenue_gain': 3300.0,
                          'reaches_target': True}],
         'binding_constraints': ['max_ticket_increase', 'locked.upsell_rate', 'bounds.total_classes_held']},
        {**GOAL, 'lever_changes': {'new_members_monthly': {'current': 22.0, 'recommended': 32.0, 'change_pct': 45.5, 'impact_on_revenue': 2875.25},
                                   'upsell_rate': {'current': 0.3, 'recommended': 0.25, 'change_pct': -16.7, 'impact_on_revenue': -120.4}},
         'action_plan': [], 'baseline_revenue': None},
        FORECAST,
        {**FORECAST, 'predictions': FORECAST['predictions'][:1], 'growth_rate': None},
        {**FORECAST, 'growth_rate': -0.0123, 'predictions': [dict(p, revenue=p['revenue'] * (1 - 0.05 * i)) for i, p in enumerate(FORECAST['predictions'])]},
    ]
    for result in shapes:
        facts = insight_facts(result)
        text = offline_insights(facts)
        assert unsupported_numbers(all_text(text), facts) == [], (result, text)
        assert check_reply(json.dumps(text), facts)['reply'] == text  # the offline text would also pass as a model's reply


def test_number_check_rounding_rule():
    facts = insight_facts(FORECAST)
    supported = ['51,235', '51,234', '51.2k', '51.23K', '$51,234.50', '51k', '51,000', '0.05 million', '155k', '0.4 %', '90 %', '2024-07', 'July 2024',
                 '412 members', 's-005']
    refused = ['50,000', '51.3k', '$51,236', '0.41 %', '5 %', '2023', '2024-10', '413', '0.9', 'eleven']
    for s in supported: assert unsupported_numbers(s, facts) == [], s
    for s in refused: assert unsupported_numbers(s, facts) != [], s
    found = check_numbers('From 51,235 (2024-07) to 52,040', facts)
    assert [n['supported_by'] for n in found] == ['a month in the facts', 'predictions[0].revenue', 'predictions[2].revenue']


def test_bad_input_is_a_user_error():
    for bad, why in [([1, 2], 'a dict'), ({'error': 'no studio'}, 'failed command'), ({'studio_id': 'x'}, 'neither'),
                     ({**GOAL, 'target_month': 'soon'}, 'is not a month'), ({**FORECAST, 'predictions': [{'month': '2024-07-01'}]}, 'lacks revenue')]:
        with pytest.raises(StudioRevenueError, match=why):
            write_insights(bad, api_key='')


def test_a_reasoning_model_is_asked_the_way_it_accepts():
    "Issue 11: a model refusing temperature / max_tokens (HTTP 400 naming the option) is asked again, not replaced by the offline writer."
    def refuse(param):
        return (400, {'error': {'message': f"Unsupported parameter: '{param}' is not supported with this model.",
                                'type': 'invalid_request_error', 'param': param, 'code': 'unsupported_parameter'}})
    with local_chat_server([refuse('max_tokens'), refuse('temperature'), json.dumps(GOOD_GOAL)]) as server:
        used = write_insights(GOAL, base_url=server.base_url, api_key=KEY, model='o3-mini')
    assert (used['writer'], used['model'], used['reason']) == ('llm', 'o3-mini', None)
    last = server.requests[-1]['body']
    assert 'temperature' not in last and 'max_tokens' not in last and last['max_completion_tokens'] == 800
