"""``XSource``: the X streams of one configured source behind the source port.

The cursor is ``{"v": 1, "streams": {<stream key>: <timeline state>}, "reads": {...}}``;
every batch carries the whole of it, so the engine's one-transaction rule covers every
stream. Streams are polled one after the other; a stream whose credentials are refused
(401/403) stops for the life of the process and the others go on, a rate-limited stream
waits (bounded) or resumes next pass. What happened is reported through ``report`` (the
state store's ``set_source_status``) and kept in :attr:`XSource.status`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sf_social.errors import FeedLineError, SourceApiError, SourceAuthError, SourceRateLimitError
from sf_social.http import CallStats
from sf_social.playbook import Playbook
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.x.budget import ReadBudget
from sf_social.sources.x.catchup import catch_up_status, open_gap, run_catch_up
from sf_social.sources.x.client import XApi
from sf_social.sources.x.dms import DirectMessagesStream
from sf_social.sources.x.normalize import normalize_page
from sf_social.sources.x.streams import MentionsStream, Stream
from sf_social.sources.x.timeline import Paging, WindowEnd, poll

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
Report = Callable[[str, dict[str, Any]], None]


class XSource:
    """Mentions, listening queries and direct messages of X, as one resumable source."""

    def __init__(
        self,
        name: str,
        api: XApi,
        playbook: Playbook,
        streams: Sequence[Stream],
        *,
        paging: Paging | None = None,
        monthly_read_budget: int | None = None,
        report: Report | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self.api = api
        self.playbook = playbook
        self.streams = list(streams)
        self.paging = paging or Paging()
        self.monthly_read_budget = monthly_read_budget
        self.report = report
        self.clock = clock
        self.stopped: dict[str, SourceAuthError] = {}
        """Streams stopped by a 401/403, with the reason (until the process restarts)."""
        self.retry_at: dict[str, float] = {}
        self.status: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        now = self.clock()
        state = _load(cursor)
        streams_state: dict[str, Any] = state["streams"]
        budget = ReadBudget.load(state.get("reads"), self.monthly_read_budget, now)
        self.api.stats = CallStats()
        report: dict[str, Any] = {"at": now.isoformat(), "streams": {}}
        failures: list[SourceApiError] = []
        for stream in self.streams:
            info: dict[str, Any] = report["streams"].setdefault(stream.key, {})
            if stream.key in self.stopped:
                info["stopped"] = str(self.stopped[stream.key])
                failures.append(self.stopped[stream.key])
                continue
            if self.retry_at.get(stream.key, 0) > now.timestamp():
                info["rate_limited_until"] = _iso(self.retry_at[stream.key])
                continue
            if budget.exhausted:
                info["paused"] = f"monthly read budget of {budget.monthly} posts reached"
                continue
            sstate: dict[str, Any] = dict(streams_state.get(stream.key) or {})
            warnings: list[str] = []
            info["posts"] = 0
            try:
                for batch_posts, rejected, errors in self._pages(
                    stream, sstate, budget, now, warnings
                ):
                    streams_state[stream.key] = sstate
                    state["reads"] = budget.saved()
                    info["posts"] += len(batch_posts)
                    if errors:
                        info["partial_errors"] = errors[:5]
                    yield SourceBatch(batch_posts, copy.deepcopy(state), rejected)
                if budget.exhausted:
                    info["paused"] = f"monthly read budget of {budget.monthly} posts reached"
            except SourceAuthError as exc:
                self.stopped[stream.key] = exc
                info["stopped"] = str(exc)
                failures.append(exc)
                log.error("%s", exc)
            except SourceRateLimitError as exc:
                if exc.retry_at:
                    self.retry_at[stream.key] = exc.retry_at
                info["rate_limited_until"] = _iso(exc.retry_at) if exc.retry_at else "unknown"
                log.warning("%s", exc)
            except SourceApiError as exc:
                info["error"] = str(exc)
                failures.append(exc)
                log.error("%s", exc)
            if warnings:
                info["gap"] = warnings
            if catch_up := catch_up_status(sstate):
                info["catch_up"] = catch_up
        report["reads_this_pass"] = budget.this_pass
        report["reads_this_month"] = budget.count
        report["monthly_read_budget"] = budget.monthly
        report.update(self.api.stats.status())
        self.status = report
        if self.report is not None:
            try:
                self.report(self.name, report)
            except Exception as exc:  # status is a nicety: never let it break a pass
                log.warning("could not record the status of %s: %s", self.name, exc)
        if failures:
            raise SourceApiError(
                "X",
                self.name,
                "; ".join(str(f) for f in failures),
                transient=all(f.transient for f in failures),
            )

    def _pages(
        self,
        stream: Stream,
        sstate: dict[str, Any],
        budget: ReadBudget,
        now: datetime,
        warnings: list[str],
    ) -> Iterator[tuple[list[SocialPost], list[FeedLineError], list[str]]]:
        """The stream's pages as posts; ``sstate["window"]`` follows each one."""
        if isinstance(stream, DirectMessagesStream):
            yield from stream.pages(
                self.api, sstate, budget, self.paging, now, self.playbook, warnings
            )
            return
        ctx = stream.context(self.playbook)

        def clamp(since: str) -> str:
            moved, warning = stream.clamp_since(since, now)
            if warning:
                warnings.append(warning)
            return moved or since

        def window_end(end: WindowEnd) -> None:
            gap = stream.gap(end)
            if gap:
                warnings.append(gap)
                log.warning("X %s: %s", stream.key, gap)
                if isinstance(stream, MentionsStream):
                    open_gap(sstate, stream.handle, end, now)  # stored with the window's end

        stream.prepare(self.api, sstate)
        pages = poll(
            lambda since, until, token: stream.fetch(self.api, sstate, since, until, token),
            sstate.get("window"),
            budget,
            self.paging,
            now,
            on_window_end=window_end,
            clamp_since=clamp,
        )
        for page, window in pages:
            sstate["window"] = window
            posts, rejected = normalize_page(page, ctx)
            yield posts, rejected, page.error_summary()
        if isinstance(stream, MentionsStream):
            yield from run_catch_up(stream, self.api, sstate, budget, self.paging, now, ctx)


def _load(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {"v": CURSOR_VERSION, "streams": {}}
    state = copy.deepcopy(dict(cursor))
    if not isinstance(state.get("streams"), dict):
        state["streams"] = {}
    return state


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
