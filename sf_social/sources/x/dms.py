"""Direct messages of a brand account: ``GET /2/dm_events`` (OAuth 1.0a user context).

The endpoint answers the DM events of the account that owns the access token, sent and
received, newest first, from the last 30 days. It has no ``since_id``: a window pages back
through ``pagination_token`` and stops at the first event at or before the stored mark
(snowflake ids, compared as integers; the mark minus the usual small overlap, which the
ledger deduplicates). The cursor follows the same contract as mentions
(:mod:`~sf_social.sources.x.timeline`): while pages remain, the old mark stays and
``pending`` holds the token of the next page and where to stop; only the last page of the
window stores the new mark. An expired token reads the window again from the newest event
(the ledger drops what was already committed), with the same stop.

``MessageCreate`` events become ``SocialPost(kind="direct_message")`` on the account;
``ParticipantsJoin`` / ``ParticipantsLeave`` carry no words and are skipped. Events sent by
the account itself (or by another of our brand accounts) are outbound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import ValidationError

from sf_social.boundary import admit
from sf_social.errors import FeedLineError, SourceApiError, SourceAuthError
from sf_social.playbook import Playbook
from sf_social.posts import Direction, Network, PostKind, SocialPost
from sf_social.sources.x.budget import ReadBudget
from sf_social.sources.x.client import ENV, XApi
from sf_social.sources.x.fields import (
    DM_EVENT_FIELDS,
    DM_EXPANSIONS,
    USER_FIELDS,
    id_time,
    newer,
)
from sf_social.sources.x.normalize import (
    Context,
    Page,
    _created,
    _dicts,
    _str,
    author_of,
    conversation_url,
)
from sf_social.sources.x.timeline import Paging, WindowEnd, start_since

PAGE_SIZE = 100
DM_DAYS = 30
"""DM events older than this are not answered any more."""
MESSAGE_CREATE = "MessageCreate"
DM_ENDPOINT = "GET /2/dm_events"

DmBatch = tuple[list[SocialPost], list[FeedLineError], list[str]]


@dataclass(frozen=True)
class DirectMessagesStream:
    """``GET /2/dm_events`` of one brand account (the account the access token belongs to)."""

    handle: str
    user_context: bool = True
    """Whether OAuth 1.0a user-context credentials are configured (DMs need them)."""

    @property
    def key(self) -> str:
        return f"dms:@{self.handle.lower()}"

    def context(self, playbook: Playbook) -> Context:
        return Context(self.key, playbook, self.handle, PostKind.DIRECT_MESSAGE)

    def prepare(self, api: XApi, state: dict[str, Any]) -> None:
        """Check that the token is the account's own (``GET /2/users/me``); keep its id."""
        if not self.user_context:
            raise SourceAuthError(
                "X",
                self.key,
                "direct messages need OAuth 1.0a user context (app-only bearer tokens cannot"
                f" read them): set {', '.join(v for k, v in ENV.items() if k != 'bearer_token')}"
                f" for @{self.handle}, or turn direct_messages off",
            )
        if state.get("user_id"):
            return
        body = api.call(self.key, "GET /2/users/me", lambda: api.client.get_me(user_auth=True))
        data = body.get("data") if isinstance(body, dict) else None
        user_id = _str(data.get("id")) if isinstance(data, dict) else None
        username = _str(data.get("username")) if isinstance(data, dict) else None
        if user_id is None:
            detail = "; ".join(Page.parse(body).error_summary()) or "no user in the answer"
            raise SourceApiError("X", self.key, f"GET /2/users/me: {detail}")
        if username is not None and username.lower() != self.handle.lower().lstrip("@"):
            raise SourceAuthError(
                "X",
                self.key,
                f"the access token (X_ACCESS_TOKEN) belongs to @{username}, not"
                f" @{self.handle}: direct messages can only be read for the token's own account",
                status=403,
            )
        state["user_id"] = user_id

    def fetch(
        self,
        api: XApi,
        state: dict[str, Any],
        since: str | None,
        until: str | None,
        token: str | None,
    ) -> Page:
        """One page of DM events (``since``/``until`` are ignored: the endpoint has none)."""
        body = api.call(
            self.key,
            DM_ENDPOINT,
            lambda: api.client.get_direct_message_events(
                dm_event_fields=DM_EVENT_FIELDS,
                event_types=MESSAGE_CREATE,
                expansions=DM_EXPANSIONS,
                user_fields=USER_FIELDS,
                max_results=PAGE_SIZE,
                pagination_token=token,
                user_auth=True,
            ),
        )
        return Page.parse(body)

    def gap(self, end: WindowEnd) -> str | None:
        return None

    def clamp_since(self, since: str, now: datetime) -> tuple[str | None, str | None]:
        return since, None

    def pages(
        self,
        api: XApi,
        state: dict[str, Any],
        budget: ReadBudget,
        paging: Paging,
        now: datetime,
        playbook: Playbook,
        warnings: list[str],
    ) -> Iterator[DmBatch]:
        """The window's events as posts; ``state["window"]`` follows each page."""
        self.prepare(api, state)
        ctx = self.context(playbook)
        own_id = str(state["user_id"])
        events = poll_events(
            lambda token: self.fetch(api, state, None, None, token),
            state.get("window"),
            budget,
            paging,
            now,
            on_gap=warnings.append,
        )
        for page, window in events:
            state["window"] = window
            posts, rejected = normalize_dm_page(page, ctx, own_id)
            yield posts, rejected, page.error_summary()


def _event_id(event: dict[str, Any]) -> int | None:
    value = _str(event.get("id"))
    return int(value) if value is not None and value.isdigit() else None


def poll_events(
    fetch: Callable[[str | None], Page],
    state: dict[str, Any] | None,
    budget: ReadBudget,
    paging: Paging,
    now: datetime,
    *,
    on_gap: Callable[[str], None] = lambda warning: None,
) -> Iterator[tuple[Page, dict[str, Any]]]:
    """Pages of the events newer than the mark in ``state`` (newest first), each with the state
    after it; each page keeps only the events of the window."""
    state = dict(state or {})
    mark: str | None = state.get("newest_id")
    pending: dict[str, Any] | None = state.get("pending")
    if pending:
        stop = str(pending.get("stop_id"))
        token, top = pending.get("next_token"), pending.get("newest_id")
        count = int(pending.get("count") or 0)
    else:
        stop, token, top, count = start_since(mark, paging, now), None, None, 0
    for _ in range(paging.max_pages):
        if budget.exhausted:
            return
        try:
            page = fetch(token)
        except SourceAuthError:
            raise
        except SourceApiError as exc:
            if token is None or exc.status != 400:
                raise
            token = None  # the token expired: read again from the newest, the ledger dedups
            page = fetch(token)
        budget.add(page.reads)
        ids = [_event_id(e) for e in page.data]
        fresh = [e for e, i in zip(page.data, ids, strict=True) if i is None or i > int(stop)]
        reached = len(fresh) < len(page.data)
        top = newer(top, _newest(fresh))
        count += len(fresh)
        token = page.next_token
        page = replace(page, data=fresh)
        if token and not reached:
            state["pending"] = {
                "newest_id": top,
                "stop_id": stop,
                "next_token": token,
                "count": count,
            }
            yield page, dict(state)
            continue
        state["newest_id"] = newer(mark, top)
        state["pending"] = None
        if not reached and mark is not None and id_time(mark) < now - timedelta(days=DM_DAYS):
            on_gap(
                f"the last pass was more than {DM_DAYS} days ago: direct messages after id"
                f" {mark} and before {now - timedelta(days=DM_DAYS):%Y-%m-%dT%H:%M}Z are no"
                " longer answered by the API"
            )
        yield page, dict(state)
        return


def _newest(events: list[dict[str, Any]]) -> str | None:
    ids = [i for e in events if (i := _event_id(e)) is not None]
    return str(max(ids)) if ids else None


def normalize_dm_event(
    event: dict[str, Any], page: Page, ctx: Context, own_id: str | None
) -> SocialPost | FeedLineError | None:
    """One DM event; ``None`` for an event without words (a participant joining, leaving)."""
    event_id = _str(event.get("id"))
    if event_id is None or not event_id.isdigit():
        why = f"event without a valid id: {event!r:.120}"
        return FeedLineError(f"x:{ctx.stream}", 0, "id", why)
    if event.get("event_type") != MESSAGE_CREATE:
        return None
    text = event.get("text")
    if not isinstance(text, str) or not text.strip():
        media = _dict_keys(event.get("attachments"))
        if not media:
            return FeedLineError(f"x:{ctx.stream}", 0, "text", f"message {event_id} has no text")
        text = f"[attachment: {', '.join(media)}]"
    sender_id = _str(event.get("sender_id"))
    author = author_of(page.users.get(sender_id) if sender_id else None, sender_id)
    handle = author.handle if author else None
    ours = (own_id is not None and sender_id == own_id) or ctx.playbook.is_our_account(handle)
    conversation = _str(event.get("dm_conversation_id"))
    raw: dict[str, Any] = {"dm_event": event, "stream": ctx.stream}
    if sender_id and sender_id in page.users:
        raw["author"] = page.users[sender_id]
    listed = event.get("participant_ids")
    ids = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
    participants = [p for p in ids if p in page.users]
    if participants:
        raw["participants"] = [page.users[p] for p in participants]
    try:
        return SocialPost(
            network=Network.TWITTER,
            id=event_id,
            text=text,
            created_at=_created(event.get("created_at")),
            author=author,
            direction=Direction.OUTBOUND if ours else Direction.INBOUND,
            kind=PostKind.DIRECT_MESSAGE,
            conversation_id=conversation,
            url=conversation_url(conversation) if conversation else None,
            account=ctx.account,
            raw=raw,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return FeedLineError(f"x:{ctx.stream}", 0, where, f"message {event_id}: {first['msg']}")


def _dict_keys(attachments: Any) -> list[str]:
    """Media keys of a DM's ``attachments`` (``{"media_keys": [...]}``)."""
    if not isinstance(attachments, dict):
        return []
    keys = attachments.get("media_keys")
    return [str(k) for k in keys if isinstance(k, str | int)] if isinstance(keys, list) else []


def normalize_dm_page(
    page: Page, ctx: Context, own_id: str | None
) -> tuple[list[SocialPost], list[FeedLineError]]:
    """Every message of a page, with the events that could not be read."""
    posts: list[SocialPost] = []
    rejected: list[FeedLineError] = []
    for n, event in enumerate(_dicts(page.data), 1):
        build = partial(normalize_dm_event, event, page, ctx, own_id)
        item = admit(f"x:{ctx.stream}", n, str(event.get("id"))[:40], build)
        if isinstance(item, SocialPost):
            posts.append(item)
        elif item is not None:
            rejected.append(item)
    return posts, rejected
