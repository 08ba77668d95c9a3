"""``sf-social x check``: which credentials work for which account, query and DM stream.

One cheap call per item (a user lookup, 5 mentions or own posts, 10 search results, 1 DM
event), no retries and no waiting on rate limits: the answer is what the daemon would meet
right now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sf_social.errors import ConfigError, SourceApiError
from sf_social.playbook import Playbook
from sf_social.retry import RetryPolicy
from sf_social.sources.x.client import XApi, XCredentials
from sf_social.sources.x.config import XOptions
from sf_social.sources.x.dms import DM_ENDPOINT, MESSAGE_CREATE, DirectMessagesStream
from sf_social.sources.x.streams import AccountStream, SearchStream


@dataclass(frozen=True)
class CheckLine:
    what: str
    ok: bool
    detail: str


def check_access(
    options: XOptions,
    playbook: Playbook,
    env: Mapping[str, str],
    *,
    client_factory: Callable[[XCredentials], Any] | None = None,
) -> list[CheckLine]:
    """One line per credential kind, account and query."""
    try:
        creds = XCredentials.from_env(env)
    except ConfigError as exc:
        return [CheckLine("credentials", False, str(exc))]
    lines = [CheckLine("credentials", True, f"found: {creds.describe()}")]
    client = client_factory(creds) if client_factory else creds.client()
    api = XApi(client, policy=RetryPolicy(attempts=1, max_rate_wait=0, sleep=lambda s: None))

    def attempt(what: str, run: Callable[[], str]) -> None:
        try:
            lines.append(CheckLine(what, True, run()))
        except SourceApiError as exc:
            lines.append(CheckLine(what, False, str(exc)))

    if creds.user_context:

        def me() -> str:
            body = api.call("user context", "GET /2/users/me", lambda: client.get_me())
            data = body.get("data") if isinstance(body, dict) else None
            handle = data.get("username") if isinstance(data, dict) else None
            return f"OAuth 1.0a user @{handle}"

        attempt("user context", me)
    try:
        streams = options.streams(playbook, creds)
    except ConfigError as exc:
        return [*lines, CheckLine("configuration", False, str(exc))]
    for stream in streams:
        if isinstance(stream, AccountStream):
            attempt(stream.key, partial(_newest_posts, api, client, stream))
        elif isinstance(stream, SearchStream):

            def search(stream: SearchStream = stream) -> str:
                body = api.call(
                    stream.key,
                    "GET /2/tweets/search/recent",
                    lambda: client.search_recent_tweets(
                        stream.query, max_results=10, user_auth=stream.user_auth
                    ),
                )
                count = (body.get("meta") or {}).get("result_count", 0)
                return f"{len(stream.query)} chars, {count} recent posts: {stream.query[:60]}"

            attempt(stream.key, search)
        elif isinstance(stream, DirectMessagesStream):

            def dms(stream: DirectMessagesStream = stream) -> str:
                state: dict[str, Any] = {}
                stream.prepare(api, state)
                body = api.call(
                    stream.key,
                    DM_ENDPOINT,
                    lambda: client.get_direct_message_events(
                        event_types=MESSAGE_CREATE, max_results=1, user_auth=True
                    ),
                )
                count = (body.get("meta") or {}).get("result_count", 0)
                return f"user id {state['user_id']}, direct messages readable ({count} newest read)"

            attempt(stream.key, dms)
    return lines


def _newest_posts(api: XApi, client: Any, stream: AccountStream) -> str:
    """The account's user id, then its 5 newest posts of the stream (mentions, own posts)."""
    state: dict[str, Any] = {}
    stream.prepare(api, state)
    read = getattr(client, stream.method)
    body = api.call(
        stream.key,
        stream.endpoint,
        lambda: read(state["user_id"], max_results=5, user_auth=stream.user_auth),
    )
    count = (body.get("meta") or {}).get("result_count", 0)
    return f"user id {state['user_id']}, {stream.name} readable ({count} newest read)"
