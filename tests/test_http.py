"""The shared HTTP helper of the sources: retries, rate limits, auth and fatal answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests
import responses

from sf_social.errors import SourceApiError, SourceAuthError, SourceRateLimitError
from sf_social.http import ApiCaller, Refusal, Verdict, retry_after
from sf_social.retry import RetryPolicy
from sf_social.sources.base import Interrupted

URL = "https://api.example.test/v1/items"
NOW = 1_800_000_000.0
TOKEN = "tok-secret-never-shown-0123456789"


def hook(response: requests.Response) -> Refusal | None:
    """A network's reading of its answers, as the X and LinkedIn clients write theirs."""
    status = response.status_code
    if status == 200:
        return None
    problem = f"{status} {response.reason}: {response.text[:100]}"
    if status == 429:
        return Refusal(
            Verdict.RATE_LIMITED, problem, "limits reset hourly", retry_after(response, NOW)
        )
    if status == 401:
        return Refusal(Verdict.AUTH, problem, "renew EXAMPLE_TOKEN")
    if status >= 500:
        return Refusal(Verdict.RETRY, problem)
    return Refusal(Verdict.FATAL, problem)


@dataclass
class Rig:
    sleeps: list[float] = field(default_factory=list)
    attempts: int = 3
    max_rate_wait: float = 60.0

    def caller(self, sleep: object = None) -> ApiCaller:
        policy = RetryPolicy(
            attempts=self.attempts,
            initial=2.0,
            jitter=0.0,
            max_rate_wait=self.max_rate_wait,
            sleep=sleep or self.sleeps.append,  # type: ignore[arg-type]
        )
        return ApiCaller("Example", hook, policy=policy, clock=lambda: NOW)

    def get(self, api: ApiCaller) -> object:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return api.call(
            "items:acme", "GET /v1/items", lambda: requests.get(URL, headers=headers, timeout=5)
        )


def add(status: int = 200, headers: dict[str, str] | None = None, body: str | None = None) -> None:
    if body is None:
        responses.add(
            responses.GET, URL, json={"ok": status == 200}, status=status, headers=headers
        )
    else:
        responses.add(responses.GET, URL, body=body, status=status, headers=headers)


@responses.activate
def test_429_waits_retry_after_seconds_then_goes_on() -> None:
    add(429, {"Retry-After": "20"})
    add()
    rig = Rig()
    api = rig.caller()
    assert rig.get(api) == {"ok": True}
    assert rig.sleeps == [20.0]
    assert (api.stats.requests, api.stats.rate_waits, api.stats.retries) == (2, 1, 0)
    assert api.stats.waited_seconds == 20.0


@responses.activate
def test_429_waits_until_a_retry_after_http_date() -> None:
    reset = datetime.fromtimestamp(NOW + 45, tz=UTC)
    add(429, {"Retry-After": format_datetime(reset, usegmt=True)})
    add()
    rig = Rig()
    assert rig.get(rig.caller()) == {"ok": True}
    assert rig.sleeps == [45.0]


@responses.activate
def test_a_rate_limit_beyond_the_allowed_wait_gives_up_at_once_with_its_reset() -> None:
    add(429, {"Retry-After": "3600"})
    rig = Rig()
    with pytest.raises(SourceRateLimitError) as caught:
        rig.get(rig.caller())
    assert caught.value.retry_at == NOW + 3600 and caught.value.transient
    assert "limits reset hourly; the next pass resumes" in str(caught.value)
    assert rig.sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_5xx_and_a_dropped_connection_are_retried_with_backoff_then_succeed() -> None:
    add(503)
    responses.add(responses.GET, URL, body=requests.ConnectionError("reset by peer"))
    add()
    rig = Rig()
    api = rig.caller()
    assert rig.get(api) == {"ok": True}
    assert rig.sleeps == [2.0, 4.0]
    assert api.stats.retries == 2


def test_backoff_has_jitter() -> None:
    policy = RetryPolicy(initial=2.0, jitter=1.0)
    waits = {policy.backoff(1) for _ in range(20)}
    assert all(2.0 <= w <= 3.0 for w in waits) and len(waits) > 1


@responses.activate
def test_attempts_exhausted_is_a_transient_error_naming_the_last_problem() -> None:
    for _ in range(3):
        add(500)
    responses.add(responses.GET, URL, body="<html>late</html>")  # never reached
    rig = Rig()
    with pytest.raises(SourceApiError) as caught:
        rig.get(rig.caller())
    message = str(caught.value)
    assert caught.value.transient and caught.value.status == 500
    assert message.startswith("Example items:acme (HTTP 500): GET /v1/items: 500 Internal")
    assert "(after 3 attempts)" in message
    assert rig.sleeps == [2.0, 4.0] and len(responses.calls) == 3


@responses.activate
def test_an_answer_that_is_not_json_is_retried() -> None:
    add(body="<html>gateway</html>")
    add()
    rig = Rig()
    assert rig.get(rig.caller()) == {"ok": True}
    assert rig.sleeps == [2.0]


@responses.activate
def test_an_accepted_create_whose_answer_cannot_be_read_is_not_sent_again() -> None:
    """A POST the network accepted (201, but no id where the reader looks) is transient
    at once: sending it again would create the subscription, the comment, a second time."""
    responses.add(responses.POST, URL, status=200, body="<html>proxy</html>")
    rig = Rig()
    with pytest.raises(SourceApiError, match="accepted, but the answer cannot be read") as err:
        rig.caller().call_reading(
            "items:acme",
            "POST /v1/items",
            lambda: requests.post(URL, json={}, timeout=5),
            requests.Response.json,
            creates=True,
        )
    assert err.value.transient and len(responses.calls) == 1 and rig.sleeps == []


@responses.activate
def test_auth_stops_at_once_naming_the_credential_and_hiding_the_token() -> None:
    responses.add(responses.GET, URL, json={"error": f"refused access_token={TOKEN}"}, status=401)
    rig = Rig()
    with pytest.raises(SourceAuthError) as caught:
        rig.get(rig.caller())
    message = str(caught.value)
    assert "renew EXAMPLE_TOKEN" in message and "HTTP 401" in message
    assert "refused access_token=***" in message and TOKEN not in message
    assert not caught.value.transient
    assert len(responses.calls) == 1 and rig.sleeps == []


@responses.activate
def test_fatal_stops_at_once_as_permanent() -> None:
    add(404)
    rig = Rig()
    with pytest.raises(SourceApiError) as caught:
        rig.get(rig.caller())
    assert type(caught.value) is SourceApiError and not caught.value.transient
    assert caught.value.status == 404 and len(responses.calls) == 1


@responses.activate
def test_an_interrupted_sleep_ends_the_call() -> None:
    add(503)
    add()

    def stop(seconds: float) -> None:
        raise Interrupted

    rig = Rig()
    with pytest.raises(Interrupted):
        rig.get(rig.caller(sleep=stop))
    assert len(responses.calls) == 1


@responses.activate
def test_a_spent_quota_waits_for_its_reset_before_calling() -> None:
    add(headers={"remaining": "0"})
    add()
    rig = Rig()
    api = rig.caller()
    api.spent_until = lambda r: NOW + 30 if r.headers.get("remaining") == "0" else None
    rig.get(api)
    assert rig.sleeps == []
    rig.get(api)
    assert rig.sleeps == [30.0] and api.stats.rate_waits == 1
    rig.max_rate_wait = 10
    far = rig.caller()
    far.spent_until = api.spent_until
    responses.reset()
    add(headers={"remaining": "0"})
    rig.get(far)
    with pytest.raises(SourceRateLimitError, match="no requests left until"):
        rig.get(far)
    assert len(responses.calls) == 1
