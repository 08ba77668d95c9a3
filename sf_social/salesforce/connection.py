"""An authenticated REST connection to one org, built on simple-salesforce.

What simple-salesforce gives us: the four logins (:mod:`sf_social.salesforce.auth`), the
instance URLs (``sf.base_url``), the ``Sforce-Limit-Info`` parser, and a ready client
(:attr:`Connection.sf`) for anything outside the writer.

What it lacks, wrapped here:

- **Timeouts on every call**: simple-salesforce sets none; :class:`TimeoutSession` gives
  each request ``SF_TIMEOUT`` unless the caller chose another (logins included).
- **Re-authentication exactly once, keeping the call's headers**: simple-salesforce logs in
  again up to three times per call and drops per-call headers (such as
  ``Sforce-Duplicate-Rule-Header``) on the way. Here a 401 triggers one new login and one
  resend of the very same request; a second 401 (or an access token, which cannot be
  renewed) is a ``SalesforceAuthError`` saying what to do.
- **Error codes instead of exception classes**: every refused call becomes a
  ``SalesforceApiError`` carrying Salesforce's ``errorCode``, message, fields and HTTP status,
  and whether it is transient (:mod:`sf_social.salesforce.codes`). Timeouts and connection
  resets become ``TIMEOUT`` / ``CONNECTION_ERROR``; an answer that is not the documented
  JSON (an HTML maintenance page...) a ``MalformedResponseError``.
- **Usage on every response**, errors included: each ``Sforce-Limit-Info`` header feeds the
  :class:`~sf_social.salesforce.budget.ApiBudget`.

The session id lives only in the Authorization header; it is in no log line, message or
``repr``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import quote_plus, urlsplit

import requests
from simple_salesforce.api import Salesforce

from sf_social.errors import MalformedResponseError, SalesforceApiError, SalesforceAuthError
from sf_social.salesforce.auth import OrgSession, mask, open_session
from sf_social.salesforce.budget import ApiBudget
from sf_social.salesforce.codes import (
    CONNECTION_ERROR,
    TIMEOUT,
    Disposition,
    classify,
    http_code,
)
from sf_social.salesforce_settings import AuthMode, SalesforceSettings

log = logging.getLogger(__name__)

Login = Callable[[SalesforceSettings, requests.Session], OrgSession]
_SNIPPET = 300


class TimeoutSession(requests.Session):
    """A ``requests`` session that gives every request a timeout unless one is set."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


def with_default_timeout(http: requests.Session, timeout: float) -> requests.Session:
    """``http``, its requests given ``timeout`` unless one is set (a caller's own session)."""
    if isinstance(http, TimeoutSession):
        return http
    original = http.request

    def request(method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = timeout
        return original(method, url, *args, **kwargs)

    setattr(http, "request", request)  # noqa: B010 (this instance only)
    return http


class Connection:
    """REST calls to one org: authenticated, timed out, budget-aware, errors by code."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        http: requests.Session | None = None,
        budget: ApiBudget | None = None,
        session: OrgSession | None = None,
        login: Login = open_session,
    ) -> None:
        self.settings = settings
        self.budget = budget if budget is not None else ApiBudget()
        self.http = (
            with_default_timeout(http, settings.timeout)
            if http is not None
            else TimeoutSession(settings.timeout)
        )
        self.http.hooks.setdefault("response", []).append(self._observe)
        self._login = login
        self.api_calls = 0
        self.logins = 0
        self._session = session if session is not None else self._log_in()
        self.sf = self._client(self._session)

    def __repr__(self) -> str:
        return (
            f"Connection(instance_url={self.instance_url!r}, mode={self.settings.auth_mode},"
            f" api_calls={self.api_calls}, {self.budget!r})"
        )

    # -- session -------------------------------------------------------------------------

    @property
    def instance_url(self) -> str:
        return self._session.instance_url

    @property
    def org_id(self) -> str | None:
        """The org's id, from the session (``None`` when the session id does not carry it)."""
        return self._session.org_id

    @property
    def base_path(self) -> str:
        """``/services/data/vXX.X`` of the configured API version."""
        return f"/services/data/v{self.settings.api_version}"

    def _log_in(self) -> OrgSession:
        self.logins += 1
        return self._login(self.settings, self.http)

    def _client(self, session: OrgSession) -> Salesforce:
        return Salesforce(
            session_id=session.session_id.get_secret_value(),
            instance_url=session.instance_url,
            session=self.http,
            version=self.settings.api_version,
        )

    def reauthenticate(self) -> None:
        """Log in again (``SalesforceAuthError`` if the settings cannot: an access token)."""
        mode = self.settings.auth_mode
        if mode is AuthMode.ACCESS_TOKEN:
            raise SalesforceAuthError(
                "the Salesforce session expired or is invalid (401 INVALID_SESSION_ID) and an"
                " access token cannot be renewed: set a fresh SF_ACCESS_TOKEN (e.g. from"
                " `sf org display`), or configure a JWT bearer login for unattended use"
            )
        log.info("Salesforce session expired: logging in again (%s)", mode)
        self._session = self._log_in()
        self.sf = self._client(self._session)

    # -- calls ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        call: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One call; on a 401 one new login and the same request again.

        ``path`` is relative to ``/services/data/vXX.X/`` or absolute (``/services/...``).
        Raises ``SalesforceApiError`` for any answer of 300 or more.
        """
        response = self._send(method, path, call, params, json, data, headers)
        if response.status_code == 401:
            detail = _error_detail(response)
            log.info("%s: 401 %s", call, detail[0])
            self.reauthenticate()
            response = self._send(method, path, call, params, json, data, headers)
            if response.status_code == 401:
                code, message, _ = _error_detail(response)
                raise SalesforceAuthError(
                    f"Salesforce refused the new session too ({code}: {message}): check that"
                    " the integration user is active and the connected app allows it"
                )
        if response.status_code >= 300:
            self._raise(response, call)
        return response

    def json(
        self,
        method: str,
        path: str,
        *,
        call: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A call whose answer must be JSON (``MalformedResponseError`` otherwise)."""
        response = self.request(method, path, call=call, params=params, json=json, headers=headers)
        if response.status_code == 204 or not response.content:
            return None
        return parse_json(response, call)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a SOQL query (following ``nextRecordsUrl``)."""
        page = self.json("GET", "query/", call="query", params={"q": soql})
        rows, done, next_url = query_page(page, "query")
        while not done and next_url:
            page = self.json("GET", next_url, call="query more")
            more, done, next_url = query_page(page, "query more")
            rows.extend(more)
        return rows

    def query_url(self, soql: str) -> str:
        """The absolute path of a GET query (for a Composite subrequest)."""
        return f"{self.base_path}/query/?q={quote_plus(soql)}"

    def composite(self, subrequests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``POST /composite`` (one API call, ``allOrNone`` false): one answer per subrequest."""
        body = {"allOrNone": False, "compositeRequest": list(subrequests)}
        answer = self.json("POST", "composite/", call="composite", json=body)
        items = answer.get("compositeResponse") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != len(subrequests):
            raise MalformedResponseError(
                "composite", f"expected {len(subrequests)} subresponses, got {_describe(answer)}"
            )
        for sent, item in zip(subrequests, items, strict=True):
            if not isinstance(item, dict) or not isinstance(item.get("httpStatusCode"), int):
                raise MalformedResponseError("composite", f"unreadable subresponse {item!r:.200}")
            if item.get("referenceId") != sent.get("referenceId"):
                raise MalformedResponseError(
                    "composite", f"subresponse {item.get('referenceId')!r} out of order"
                )
        return items

    def read_limits(self) -> dict[str, Any]:
        """The org's ``limits`` resource; the daily API figures go to the budget."""
        limits = self.json("GET", "limits/", call="limits")
        if not isinstance(limits, dict):
            raise MalformedResponseError("limits", f"expected an object, got {_describe(limits)}")
        self.budget.observe_limits(limits)
        return limits

    # -- internals -----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith("https://"):
            return path
        if path.startswith("/"):
            return self.instance_url + path
        return self.sf.base_url + path

    def _send(
        self,
        method: str,
        path: str,
        call: str,
        params: Mapping[str, str] | None,
        json: Any,
        data: str | bytes | None,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        sent = {
            "Authorization": f"Bearer {self._session.session_id.get_secret_value()}",
            "Accept": "application/json",
            **(headers or {}),
        }
        url = self._url(path)
        start = time.perf_counter()
        try:
            response = self.http.request(
                method, url, params=params, json=json, data=data, headers=sent
            )
        except requests.exceptions.SSLError as exc:
            raise SalesforceApiError(
                call, "SSL_ERROR", f"TLS failed ({type(exc).__name__}): check REQUESTS_CA_BUNDLE"
            ) from None
        except requests.Timeout:
            raise SalesforceApiError(
                call,
                TIMEOUT,
                f"no answer within {self.settings.timeout:g} s (SF_TIMEOUT)",
                transient=True,
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise SalesforceApiError(
                call, CONNECTION_ERROR, f"connection failed ({type(exc).__name__})", transient=True
            ) from None
        finally:
            elapsed = (time.perf_counter() - start) * 1000
        self.api_calls += 1
        log.debug(
            "%s %s -> %d in %.0f ms", method, urlsplit(url).path, response.status_code, elapsed
        )
        return response

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.budget.observe_header(response.headers.get("Sforce-Limit-Info"))

    def _raise(self, response: requests.Response, call: str) -> NoReturn:
        code, message, fields = _error_detail(response)
        message = mask(message, self.settings)
        disposition = classify(code, message, response.status_code)
        if disposition is Disposition.DAILY_LIMIT:
            self.budget.exhausted(message)
        raise SalesforceApiError(
            call,
            code,
            message,
            status=response.status_code,
            fields=fields,
            transient=disposition.retryable and disposition is not Disposition.RACE,
        )


def parse_json(response: requests.Response, call: str) -> Any:
    """The JSON body of ``response``; ``MalformedResponseError`` naming what came instead."""
    try:
        return response.json()
    except ValueError:
        raise MalformedResponseError(
            call,
            f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}:"
            f" {snippet(response.text)}",
            status=response.status_code,
        ) from None


def query_page(page: Any, call: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """(rows, done, nextRecordsUrl) of one query answer, checked."""
    if not isinstance(page, dict) or not isinstance(page.get("records"), list):
        raise MalformedResponseError(call, f"expected a query result, got {_describe(page)}")
    rows = [row for row in page["records"] if isinstance(row, dict)]
    next_url = page.get("nextRecordsUrl")
    return rows, bool(page.get("done", True)), next_url if isinstance(next_url, str) else None


def snippet(text: str) -> str:
    """A short, single-line view of an unexpected body (an HTML page's title if it has one)."""
    lowered = text.lower()
    if "<html" in lowered or "<!doctype" in lowered:
        start, end = lowered.find("<title>"), lowered.find("</title>")
        title = text[start + 7 : end].strip() if 0 <= start < end else ""
        return f"an HTML page ({title or 'no title'})"
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[:_SNIPPET] + "…"


def _error_detail(response: requests.Response) -> tuple[str, str, tuple[str, ...]]:
    """(errorCode, message, fields) of an error answer, whatever its shape."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        if "errorCode" in first:
            fields = first.get("fields") or ()
            return (
                str(first["errorCode"]),
                str(first.get("message", "")),
                tuple(str(f) for f in fields) if isinstance(fields, list) else (),
            )
    if isinstance(body, dict) and "error" in body:  # OAuth-style
        return str(body["error"]), str(body.get("error_description", "")), ()
    if status == 300:
        return http_code(300), f"the external id matches several records: {body!r:.200}", ()
    text = snippet(response.text) if response.text else response.reason or ""
    return http_code(status), text, ()


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return f"an object with keys {sorted(value)[:8]}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__
