"""Incremental polling of a newest-first timeline (mentions, recent search), resumable.

One *window* is everything newer than the stored high-water mark. The API answers it newest
first, page after page (``next_token``). Each page becomes a batch whose cursor says how far
the window got:

- while pages remain: the old high-water mark stays, and ``pending`` records the window
  (its ``newest_id``, the ``since_id``/``until_id`` it was asked with, the token of the next
  page, the oldest id committed so far). An interrupted pass resumes there with the token,
  or with ``until_id`` = the oldest committed id when the token is refused: nothing skipped;
- on the last page: the high-water mark becomes the window's ``newest_id``, stored only now
  that the whole window is durable (design §5).

Each new window starts ``overlap`` seconds before the high-water mark (tweet ids encode
their time): posts indexed late are not missed, and the ledger drops the re-read ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sf_social.errors import SourceApiError, SourceAuthError
from sf_social.sources.x.budget import ReadBudget
from sf_social.sources.x.fields import id_at, id_time, newer
from sf_social.sources.x.normalize import Page

Fetch = Callable[[str | None, str | None, str | None], Page]
"""``fetch(since_id, until_id, token)``: one page of the timeline."""


@dataclass(frozen=True)
class WindowEnd:
    """How a completed window ended (for gap detection)."""

    since_id: str | None
    oldest_id: str | None
    count: int


@dataclass(frozen=True)
class Paging:
    overlap: timedelta = timedelta(seconds=10)
    first_lookback: timedelta = timedelta(days=1)
    """How far back the very first pass of a stream reads."""
    max_pages: int = 50
    """Pages per pass; a longer window continues on the next pass (it is resumable)."""


def start_since(newest_id: str | None, paging: Paging, now: datetime) -> str:
    """``since_id`` of a new window: the overlap before the mark, or the first lookback."""
    if newest_id is None:
        return str(id_at(now - paging.first_lookback))
    since = id_at(id_time(newest_id) - paging.overlap)
    return str(min(since, int(newest_id)))


def poll(
    fetch: Fetch,
    state: dict[str, Any] | None,
    budget: ReadBudget,
    paging: Paging,
    now: datetime,
    *,
    on_window_end: Callable[[WindowEnd], None] = lambda end: None,
    clamp_since: Callable[[str], str | None] = lambda since: since,
) -> Iterator[tuple[Page, dict[str, Any]]]:
    """Pages of the window after ``state`` (newest first), each with the state after it."""
    state = dict(state or {})
    mark: str | None = state.get("newest_id")
    pending: dict[str, Any] | None = state.get("pending")
    if pending:
        since, until = pending.get("since_id"), pending.get("until_id")
        token, top = pending.get("next_token"), pending.get("newest_id")
        oldest, count = pending.get("oldest_id"), int(pending.get("count") or 0)
    else:
        since = clamp_since(start_since(mark, paging, now))
        until, token, top, oldest, count = None, None, None, None, 0
    for _ in range(paging.max_pages):
        if budget.exhausted:
            return
        try:
            page = fetch(since, until, token)
        except SourceAuthError:
            raise
        except SourceApiError as exc:
            if token is None or exc.status != 400 or oldest is None:
                raise
            token, until = None, oldest  # the token expired: the oldest committed id is exact
            page = fetch(since, until, token)
        budget.add(page.reads)
        top = newer(top, page.newest_id)
        page_oldest = page.oldest_id
        if page_oldest is not None and (oldest is None or int(page_oldest) < int(oldest)):
            oldest = page_oldest
        count += len(page.data)
        token = page.next_token
        if token:
            state["pending"] = {
                "newest_id": top,
                "since_id": since,
                "until_id": until,
                "next_token": token,
                "oldest_id": oldest,
                "count": count,
            }
            yield page, dict(state)
            continue
        state["newest_id"] = newer(mark, top)
        state["pending"] = None
        on_window_end(WindowEnd(since, oldest, count))
        yield page, dict(state)
        return
