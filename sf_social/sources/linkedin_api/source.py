"""``LinkedInPageSource``: comments and mentions of a company page, polled incrementally.

A pass reads one *time window* of organizational entity notifications,
``timeRange=(start:S,end:E)`` in epoch ms, page after page (``start``/``count``; another page
follows while a page comes back full). Each page is a batch whose
cursor says how far the window got:

``{"v": 1, "mark": E_prev, "seen": [...], "pending": {"start": S, "end": E, "offset": N,
"boundary": [...]}}`` while pages remain (an interrupted pass resumes at ``offset`` of the
same window: nothing skipped), then on the last page ``{"v": 1, "mark": E, "seen":
[ids near E], "pending": null}``: the end of the window is stored only once the whole
window is durable.

The next window starts ``overlap`` before the mark (notifications indexed late are not
missed); the notification ids seen in that overlap are skipped, and anything else read
twice is dropped by the ledger (a comment's id is its URN). LinkedIn keeps notifications
60 days: a mark older than that is moved forward and the gap reported. 401/403 stop the
source until the process restarts (the token or the app's access must be fixed); a long
429 skips the source until the limit resets.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from sf_social.boundary import admit
from sf_social.deletions import PostDeletion
from sf_social.errors import FeedLineError, SourceApiError, SourceAuthError, SourceRateLimitError
from sf_social.http import CallStats
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.linkedin_api.client import LinkedInApi
from sf_social.sources.linkedin_api.config import DEFAULT_ACTIONS
from sf_social.sources.linkedin_api.normalize import Notification, PageContext, normalize

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
RETENTION = timedelta(days=60)
"""How long LinkedIn keeps notifications available to pull."""
MAX_SEEN = 1000
Report = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Paging:
    page_size: int = 50
    overlap: timedelta = timedelta(minutes=5)
    first_lookback: timedelta = timedelta(days=1)
    max_pages: int = 50
    """Pages per pass; a longer window continues on the next pass (it is resumable)."""


def notifications_path(
    organization: str, actions: Sequence[str], start_ms: int, end_ms: int, start: int, count: int
) -> str:
    """Path and query of the criteria finder, Rest.li 2.0 encoded."""
    return (
        "organizationalEntityNotifications?q=criteria"
        f"&organizationalEntity={quote(organization, safe='')}"
        f"&actions=List({','.join(actions)})"
        f"&timeRange=(start:{start_ms},end:{end_ms})"
        f"&start={start}&count={count}"
    )


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class LinkedInPageSource:
    """Comments on the organization's posts and mentions of it, as one resumable source."""

    def __init__(
        self,
        name: str,
        api: LinkedInApi,
        organization: str,
        *,
        members: Sequence[str] = (),
        actions: Sequence[str] = DEFAULT_ACTIONS,
        account: str | None = None,
        paging: Paging | None = None,
        report: Report | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self.api = api
        self.organization = organization
        self.actions = tuple(actions)
        self.paging = paging or Paging()
        self.report = report
        self.clock = clock
        self.context = PageContext(name, organization, frozenset(members), account)
        self.stopped: SourceAuthError | None = None
        self.retry_at: float | None = None
        self.status: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        now = self.clock()
        info: dict[str, Any] = {"at": now.isoformat(), "organization": self.organization}
        self.api.stats = CallStats()
        failure: SourceApiError | None = None
        try:
            if self.stopped is not None:
                raise self.stopped
            if self.retry_at is not None and self.retry_at > now.timestamp():
                info["rate_limited_until"] = _iso(self.retry_at)
                return
            self.retry_at = None
            yield from self._window(_load(cursor), now, info)
        except SourceAuthError as exc:
            self.stopped = exc
            info["stopped"] = str(exc)
            failure = exc
            log.error("%s", exc)
        except SourceRateLimitError as exc:
            self.retry_at = exc.retry_at
            info["rate_limited_until"] = _iso(exc.retry_at) if exc.retry_at else "unknown"
            log.warning("%s", exc)
        except SourceApiError as exc:
            info["error"] = str(exc)
            failure = exc
            log.error("%s", exc)
        finally:
            self._report(info)
        if failure is not None:
            raise failure

    def _window(
        self, state: dict[str, Any], now: datetime, info: dict[str, Any]
    ) -> Iterator[SourceBatch]:
        paging = self.paging
        now_ms = _ms(now)
        floor = _ms(now - RETENTION) + 60_000
        pending = state.get("pending")
        seen = {str(i) for i in state.get("seen") or []}
        if isinstance(pending, dict):
            start_ms, end_ms = int(pending["start"]), int(pending["end"])
            offset = int(pending.get("offset") or 0)
            boundary = [str(i) for i in pending.get("boundary") or []]
        else:
            mark = state.get("mark")
            start_ms = (
                int(mark) - int(paging.overlap.total_seconds() * 1000)
                if isinstance(mark, int)
                else _ms(now - paging.first_lookback)
            )
            end_ms, offset, boundary = now_ms, 0, []
        if start_ms < floor:
            info["gap"] = (
                f"notifications between {_iso(start_ms / 1000)} and {_iso(floor / 1000)}"
                " are past LinkedIn's 60-day retention: poll more often"
            )
            log.warning("LinkedIn %s: %s", self.name, info["gap"])
            start_ms = floor
        if end_ms <= start_ms:
            end_ms = max(now_ms, start_ms + 1)
        info["window"] = {"start": _iso(start_ms / 1000), "end": _iso(end_ms / 1000)}
        edge = end_ms - int(paging.overlap.total_seconds() * 1000)
        counts = {"posts": 0, "rejected": 0, "skipped": 0, "already_seen": 0, "pages": 0}
        info["counts"] = counts
        for _ in range(paging.max_pages):
            body = self.api.get_json(
                self.name,
                notifications_path(
                    self.organization, self.actions, start_ms, end_ms, offset, paging.page_size
                ),
                "GET /rest/organizationalEntityNotifications",
            )
            counts["pages"] += 1
            elements, more = _page(body, paging.page_size)
            posts: list[SocialPost] = []
            deletions: list[PostDeletion] = []
            rejected: list[FeedLineError] = []
            for n, element in enumerate(elements):
                note = Notification.parse(element)
                if note.id is not None and note.at is not None and note.at >= edge:
                    boundary.append(note.id)
                if note.id is not None and note.id in seen:
                    counts["already_seen"] += 1
                    continue
                build = partial(normalize, note, self.context, offset + n + 1)
                item = admit(f"linkedin:{self.context.source}", offset + n + 1, "", build)
                if isinstance(item, SocialPost):
                    posts.append(item)
                elif isinstance(item, PostDeletion):
                    deletions.append(item)
                elif item is None:
                    counts["skipped"] += 1
                else:
                    rejected.append(item)
            counts["posts"] += len(posts)
            counts["rejected"] += len(rejected)
            offset += len(elements)
            if more:
                state["pending"] = {
                    "start": start_ms,
                    "end": end_ms,
                    "offset": offset,
                    "boundary": boundary[-MAX_SEEN:],
                }
                yield SourceBatch(posts, copy.deepcopy(state), rejected, deletions)
                continue
            state = {
                "v": CURSOR_VERSION,
                "mark": end_ms,
                "seen": sorted(set(boundary))[-MAX_SEEN:],
                "pending": None,
            }
            yield SourceBatch(posts, state, rejected, deletions)
            return
        info["continues"] = f"window not finished after {paging.max_pages} pages: next pass resumes"

    def _report(self, info: dict[str, Any]) -> None:
        info.update(self.api.stats.status())
        self.status = info
        if self.report is not None:
            try:
                self.report(self.name, info)
            except Exception as exc:  # status is a nicety: never let it break a pass
                log.warning("could not record the status of %s: %s", self.name, exc)


def _page(body: Any, count: int) -> tuple[list[Any], bool]:
    """The page's elements and whether another page follows.

    The end of the data is a page with fewer elements than ``count`` (LinkedIn's pagination
    guide); ``paging.total`` is not trusted (some finders answer 0).
    """
    if not isinstance(body, dict):
        return [], False
    raw = body.get("elements")
    elements = list(raw) if isinstance(raw, list) else []
    return elements, len(elements) >= count > 0


def _load(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {"v": CURSOR_VERSION, "mark": None, "seen": [], "pending": None}
    state = copy.deepcopy(dict(cursor))
    pending = state.get("pending")
    if pending is not None and not (
        isinstance(pending, dict)
        and isinstance(pending.get("start"), int)
        and isinstance(pending.get("end"), int)
    ):
        state["pending"] = None
    if not isinstance(state.get("mark"), int):
        state["mark"] = None
    if not isinstance(state.get("seen"), list):
        state["seen"] = []
    return state


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
