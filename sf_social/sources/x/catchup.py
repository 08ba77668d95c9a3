"""Catch-up through recent search when more mentions arrived than the mentions endpoint reaches.

Only the newest 800 mentions of an account are readable: a window that ends with 800 or more
posts may have lost the ones after its ``since_id`` and before the oldest post it read. That
gap is recorded in the mentions stream's state (``catch_up``, a queue) in the same batch that
moves the mark, then read through recent search: ``@<handle> -is:retweet`` with the gap's
bounds as ``since_id`` / ``until_id`` (both exclusive), the lower bound clamped to the 7-day
reach of recent search. It pages like any window (resumable with its token, or ``until_id``
when the token expired) and each page is a batch. When a gap is done, its outcome stays in
the state as ``last_catch_up``; the source status shows both: mentions recovered, and what
was not (older than 7 days, search refused for this app, an invalid query).

Recent search does not return everything the mentions endpoint would (posts of protected
accounts, posts it filters out): those stay lost, and the status says a catch-up is a best
effort.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sf_social.errors import FeedLineError, SourceApiError, SourceRateLimitError
from sf_social.posts import SocialPost
from sf_social.sources.x.budget import ReadBudget
from sf_social.sources.x.client import XApi
from sf_social.sources.x.fields import SEARCH_DAYS, id_at, id_time
from sf_social.sources.x.normalize import Context, Page, normalize_page
from sf_social.sources.x.streams import MentionsStream, SearchStream
from sf_social.sources.x.timeline import Paging, WindowEnd, poll

CATCH_UP = "catch_up"
LAST = "last_catch_up"
BEST_EFFORT = (
    "recent search does not return posts of protected accounts nor posts it filters out:"
    " those are not recovered"
)

Batch = tuple[list[SocialPost], list[FeedLineError], list[str]]


def catch_up_query(handle: str) -> str:
    """The recent-search query finding the mentions of ``handle``."""
    return f"@{handle.lstrip('@')} -is:retweet"


def open_gap(state: dict[str, Any], handle: str, end: WindowEnd, now: datetime) -> None:
    """Queue the gap of a mentions window that ended with one (ids after ``end.since_id`` and
    before ``end.oldest_id``), clamped to what recent search still reaches."""
    since, until = end.since_id, end.oldest_id
    if since is None or until is None or int(since) >= int(until):
        return
    floor = now - timedelta(days=SEARCH_DAYS) + timedelta(minutes=5)
    searched_since = since
    lost: list[str] = []
    if id_time(since) < floor:
        searched_since = str(max(id_at(floor), int(since)))
        lost.append(
            f"mentions after id {since} and before {floor:%Y-%m-%dT%H:%M}Z: older than the"
            f" {SEARCH_DAYS}-day reach of recent search"
        )
    gap: dict[str, Any] = {
        "query": catch_up_query(handle),
        "since_id": since,
        "until_id": until,
        "opened_at": now.isoformat(),
        "recovered": 0,
        "not_recovered": lost,
        "window": {
            "pending": {
                "newest_id": None,
                "since_id": searched_since,
                "until_id": until,
                "next_token": None,
                "oldest_id": None,
                "count": 0,
            }
        },
    }
    if int(searched_since) >= int(until):
        state[LAST] = _close(gap, now)
        return
    state[CATCH_UP] = [*_queue(state), gap]


def run_catch_up(
    stream: MentionsStream,
    api: XApi,
    state: dict[str, Any],
    budget: ReadBudget,
    paging: Paging,
    now: datetime,
    ctx: Context,
) -> Iterator[Batch]:
    """The queued gaps' pages as batches; ``state`` follows each one.

    A refused search (401/403) or a refused query closes the gaps as not recovered without
    stopping the mentions; a rate limit leaves them for the next pass; other faults raise.
    """
    search = SearchStream(catch_up_query(stream.handle), "catch-up", 0, stream.user_auth)
    found_by = dataclasses.replace(ctx, stream=f"{stream.key}:catch-up")
    while queue := _queue(state):
        gap, rest = dict(queue[0]), queue[1:]

        def fetch(since: str | None, until: str | None, token: str | None) -> Page:
            return search.fetch(api, {}, since, until, token)

        done = False
        try:
            for page, window in poll(fetch, gap["window"], budget, paging, now):
                gap["window"] = window
                posts, rejected = normalize_page(page, found_by)
                gap["recovered"] = int(gap.get("recovered") or 0) + len(posts)
                done = not window.get("pending")
                if done:
                    state[LAST] = _close(gap, now)
                    state[CATCH_UP] = rest
                else:
                    state[CATCH_UP] = [gap, *rest]
                yield posts, rejected, page.error_summary()
        except SourceRateLimitError as exc:
            gap["waiting"] = f"recent search rate limited: {exc}"
            state[CATCH_UP] = [gap, *rest]
            return
        except SourceApiError as exc:
            if exc.transient:
                raise
            # refused (401/403: no recent search on this access level) or a refused query:
            # nothing more can be recovered for any queued gap
            more = f" (and {len(rest)} later gap(s) of this account)" if rest else ""
            lost = [*gap.get("not_recovered", []), f"recent search refused{more}: {exc}"]
            state[LAST] = _close({**gap, "not_recovered": lost}, now)
            state[CATCH_UP] = []
            yield [], [], []
            return
        if not done:
            return  # pages or budget spent for this pass: the next pass resumes


def catch_up_status(state: dict[str, Any]) -> dict[str, Any] | None:
    """What the status shows: the gaps still being read and the last one finished."""
    queue, last = _queue(state), state.get(LAST)
    if not queue and not isinstance(last, dict):
        return None
    status: dict[str, Any] = {}
    if queue:
        status["pending"] = [_summary(g) for g in queue]
    if isinstance(last, dict):
        status["last"] = last
    return status


def _queue(state: dict[str, Any]) -> list[dict[str, Any]]:
    queue = state.get(CATCH_UP)
    return [g for g in queue if isinstance(g, dict)] if isinstance(queue, list) else []


def _summary(gap: dict[str, Any]) -> dict[str, Any]:
    keys = ("query", "since_id", "until_id", "opened_at", "recovered", "not_recovered", "waiting")
    return {k: gap[k] for k in keys if k in gap}


def _close(gap: dict[str, Any], now: datetime) -> dict[str, Any]:
    closed = _summary(gap)
    closed.pop("waiting", None)
    closed["finished_at"] = now.isoformat()
    closed["note"] = BEST_EFFORT
    return closed
