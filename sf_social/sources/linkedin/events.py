"""Rows of a LinkedIn export → relationship events as ``SocialPost`` (network ``linkedin``).

The author of every event is the prospect (the other party), keyed by profile URL; the
``direction`` says who acted (outbound: our member). Layouts (design §5):

- ``Connections.csv``: notes, then ``First Name,Last Name,URL,Email Address,Company,
  Position,Connected On`` → kind ``connection`` (→ "Connection Request Confirmed").
- ``Invitations.csv``: ``From,To,Sent At,Message,Direction,inviterProfileUrl,
  inviteeProfileUrl``; Direction OUTGOING/INCOMING → ``connection_request`` outbound/inbound.
- ``messages.csv``: ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,
  [RECIPIENT PROFILE URLS,]DATE,SUBJECT,CONTENT,FOLDER[,ATTACHMENTS][,IS MESSAGE DRAFT]``
  → ``message``, outbound when our member sent it. Drafts are skipped. Without
  ``RECIPIENT PROFILE URLS`` (older layout) the recipient of our message is found among
  the conversation's other senders, else by name in Connections.

Rows LinkedIn itself writes without a person are skipped (counted), not rejected: blank
rows, and rows whose profile URL cell is empty (a member who left LinkedIn: "LinkedIn
Member", no URL) or whose recipient cannot be told from an empty one. A URL that is there
but is no ``linkedin.com/in/`` profile, or a date not understood, is rejected on its line.

Ids are stable across exports (the ledger then deduplicates a re-import):
``connection:<slug>``, ``invitation:<out|in>:<slug>:<minute>``,
``message:<conversation>:<digest of date, sender, content>[:<recipient slug>]``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sf_social.boundary import UNTRUSTED_FAILURES, admit, rejection
from sf_social.errors import ExportError, FeedLineError
from sf_social.posts import Direction, PostKind, SocialPost
from sf_social.sources.linkedin.archive import DEFAULT_LIMITS, ExportFiles
from sf_social.sources.linkedin.tables import Row, read_table

CONNECTIONS = ("first name", "last name", "url", "connected on")
INVITATIONS = ("from", "to", "sent at", "direction", "inviterprofileurl", "inviteeprofileurl")
MESSAGES = ("conversation id", "from", "sender profile url", "date", "content")

_SLUG = re.compile(r"linkedin\.com/in/([^/?#\s]+)", re.IGNORECASE)
_DATE_FORMATS = (
    "%d %b %Y",  # Connected On: 08 Jan 2024
    "%m/%d/%y, %I:%M %p",  # Sent At: 1/15/24, 3:04 PM
    "%m/%d/%Y, %I:%M %p",
    "%Y-%m-%d %H:%M:%S UTC",  # messages DATE: 2024-01-15 14:03:22 UTC
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%y",
    "%m/%d/%Y",
    "%d-%b-%y",
)


def slug_of(url: str) -> str | None:
    """The lower-case vanity name of a ``linkedin.com/in/<slug>`` URL."""
    match = _SLUG.search(url or "")
    return match.group(1).lower() if match else None


def profile_url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug}"


def parse_date(value: str) -> datetime | None:
    """A UTC time from one of the export's date formats; None if not understood."""
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass
class Person:
    """What Connections.csv says about a connection."""

    slug: str
    name: str | None = None
    email: str | None = None
    company: str | None = None
    position: str | None = None


@dataclass
class Events:
    """The posts of an export and the rows that could not become one."""

    posts: list[SocialPost] = field(default_factory=list)
    rejected: list[FeedLineError] = field(default_factory=list)
    skipped: int = 0
    """Drafts, blank rows and rows of no one (no profile URL)."""


def read_events(
    export: ExportFiles, member_url: str | None = None, max_rows: int = DEFAULT_LIMITS.max_rows
) -> Events:
    """Every relationship event of ``export``; ``member_url`` is our member's profile.
    ``ExportError`` as soon as the files hold more than ``max_rows`` rows together."""
    out = Events()
    people: dict[str, Person] = {}
    budget = [max_rows, max_rows]  # left, limit
    connections = _rows(export, "Connections.csv", CONNECTIONS, out, budget)
    invitations = _rows(export, "Invitations.csv", INVITATIONS, out, budget)
    messages = _rows(export, "messages.csv", MESSAGES, out, budget)
    for row in connections:
        slug = slug_of(row.get("url"))
        if slug:
            name = " ".join(p for p in (row.get("first name"), row.get("last name")) if p)
            people[slug] = Person(
                slug,
                name or None,
                row.get("email address") or None,
                row.get("company") or None,
                row.get("position") or None,
            )
    member = slug_of(member_url or "") or _guess_member(invitations, messages)
    builder = _Builder(people, out)
    builder.each(connections, "Connections.csv", builder.connection)
    builder.each(invitations, "Invitations.csv", builder.invitation)
    builder.messages(messages, member)
    return out


def _consume(rows: list[Row]) -> Iterator[Row]:
    """The rows in order, each dropped from ``rows`` as it is handed out (memory: an
    export's rows and its posts are not all held at once)."""
    rows.reverse()
    while rows:
        yield rows.pop()


def _rows(
    export: ExportFiles, file: str, required: tuple[str, ...], out: Events, budget: list[int]
) -> list[Row]:
    text = export.text(file)
    if text is None:
        return []
    rows: list[Row] = []
    for item in read_table(text, f"{export.path}:{file}", required):
        budget[0] -= 1
        if budget[0] < 0:
            raise ExportError(
                export.path,
                f"{file}: the export holds more than {budget[1]:,} rows (the limit that keeps"
                " its memory bounded); refusing it",
            )
        if isinstance(item, FeedLineError):
            out.rejected.append(item)
        else:
            rows.append(item)
    return rows


def _guess_member(invitations: list[Row], messages: list[Row]) -> str | None:
    """Our member: the inviter of outgoing / invitee of incoming invitations, else the
    profile present in the most conversations."""
    for row in invitations:
        direction = row.get("direction").upper()
        column = "inviterprofileurl" if direction == "OUTGOING" else "inviteeprofileurl"
        if direction in ("OUTGOING", "INCOMING") and (slug := slug_of(row.get(column))):
            return slug
    seen: dict[str, set[str]] = {}
    for row in messages:
        urls = [row.get("sender profile url"), *row.get("recipient profile urls").split(",")]
        for url in urls:
            if slug := slug_of(url):
                seen.setdefault(slug, set()).add(row.get("conversation id"))
    counts = Counter({slug: len(convs) for slug, convs in seen.items()})
    top = counts.most_common(2)
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return None


class _Builder:
    def __init__(self, people: dict[str, Person], out: Events) -> None:
        self.people = people
        self.out = out

    def _reject(self, row: Row, file: str, column: str, message: str) -> None:
        self.out.rejected.append(FeedLineError(file, row.line, column, message))

    def _nobody(self, row: Row, *columns: str) -> bool:
        """Skip (and count) a blank row, or one whose profile URL ``columns`` are all empty."""
        if any(row.get(column) for column in columns) and any(row.cells.values()):
            return False
        self.out.skipped += 1
        return True

    def _post(self, row: Row, file: str, data: dict[str, Any]) -> None:
        item = admit(file, row.line, "", partial(SocialPost.model_validate, data))
        if isinstance(item, FeedLineError):
            self.out.rejected.append(item)
        else:
            self.out.posts.append(item)

    def each(self, rows: list[Row], file: str, read: Callable[[Row], None]) -> None:
        """``read`` each row (handed out once); a row it cannot read is rejected on its line."""
        for row in _consume(rows):
            try:
                read(row)
            except UNTRUSTED_FAILURES as exc:
                self.out.rejected.append(rejection(file, row.line, "", exc))

    def _author(self, slug: str, name: str | None = None) -> dict[str, Any]:
        person = self.people.get(slug) or Person(slug)
        return {
            "handle": slug,
            "name": person.name or name or None,
            "profile_url": profile_url(slug),
            "email": person.email,
            "company": person.company,
            "position": person.position,
        }

    def connection(self, row: Row) -> None:
        file = "Connections.csv"
        slug = slug_of(row.get("url"))
        if self._nobody(row, "url"):
            return
        if slug is None:
            self._reject(row, file, "URL", f"no linkedin.com/in/ profile URL ({row.get('url')!r})")
            return
        at = parse_date(row.get("connected on"))
        if at is None:
            self._reject(
                row, file, "Connected On", f"date {row.get('connected on')!r} not understood"
            )
            return
        person = self.people[slug]
        extra = ", ".join(p for p in (person.position, person.company) if p)
        text = f"Connected on LinkedIn with {person.name or slug}"
        text += f" ({extra})" if extra else ""
        self._post(
            row,
            file,
            {
                "network": "linkedin",
                "id": f"connection:{slug}",
                "text": text,
                "created_at": at,
                "author": self._author(slug),
                "kind": PostKind.CONNECTION,
                "url": profile_url(slug),
                "raw": {"file": file, "line": row.line, "row": row.cells},
            },
        )

    def invitation(self, row: Row) -> None:
        file = "Invitations.csv"
        if self._nobody(row, "inviterprofileurl", "inviteeprofileurl"):
            return
        direction = row.get("direction").upper()
        if direction not in ("OUTGOING", "INCOMING"):
            self._reject(row, file, "Direction", f"{row.get('direction')!r}: not OUTGOING/INCOMING")
            return
        outbound = direction == "OUTGOING"
        column, name = ("inviteeprofileurl", "to") if outbound else ("inviterprofileurl", "from")
        slug = slug_of(row.get(column))
        if self._nobody(row, column):
            return
        if slug is None:
            url = row.get(column)
            self._reject(row, file, column, f"no linkedin.com/in/ profile URL ({url!r})")
            return
        at = parse_date(row.get("sent at"))
        if at is None:
            self._reject(row, file, "Sent At", f"date {row.get('sent at')!r} not understood")
            return
        other = row.get(name) or slug
        note = row.get("message")
        text = note or (
            f"Invitation sent to {other}" if outbound else f"Invitation received from {other}"
        )
        self._post(
            row,
            file,
            {
                "network": "linkedin",
                "id": f"invitation:{'out' if outbound else 'in'}:{slug}:{at:%Y%m%d%H%M}",
                "text": text,
                "created_at": at,
                "author": self._author(slug, row.get(name) or None),
                "direction": Direction.OUTBOUND if outbound else Direction.INBOUND,
                "kind": PostKind.CONNECTION_REQUEST,
                "url": profile_url(slug),
                "raw": {"file": file, "line": row.line, "row": row.cells},
            },
        )

    def messages(self, rows: list[Row], member: str | None) -> None:
        file = "messages.csv"
        senders: dict[str, dict[str, str]] = {}
        for row in rows:
            if slug := slug_of(row.get("sender profile url")):
                senders.setdefault(row.get("conversation id"), {})[slug] = row.get("from")
        by_name = {p.name.casefold(): p.slug for p in self.people.values() if p.name}
        for row in _consume(rows):
            if _is_draft(row):
                self.out.skipped += 1
                continue
            if self._nobody(row, "sender profile url"):
                continue
            if member is None:
                self._reject(
                    row,
                    file,
                    "FROM",
                    "cannot tell which messages are our member's: give the member's profile"
                    " URL (--me https://www.linkedin.com/in/<you>)",
                )
                continue
            sender = slug_of(row.get("sender profile url"))
            if sender is None:
                self._reject(row, file, "SENDER PROFILE URL", "no linkedin.com/in/ profile URL")
                continue
            at = parse_date(row.get("date"))
            if at is None:
                self._reject(row, file, "DATE", f"date {row.get('date')!r} not understood")
                continue
            conversation = row.get("conversation id")
            if sender != member:
                self._message(row, conversation, sender, row.get("from"), at, False, None)
                continue
            recipients = _recipients(row, conversation, member, senders, by_name)
            if not recipients and not row.get("recipient profile urls"):
                self.out.skipped += 1  # to a member who left (no URL, no name we know)
                continue
            if not recipients:
                self._reject(
                    row,
                    file,
                    "RECIPIENT PROFILE URLS",
                    f"no profile URL for the recipient {row.get('to')!r}",
                )
                continue
            fan_out = len(recipients) > 1
            for slug in recipients:
                self._message(row, conversation, slug, None, at, True, slug if fan_out else None)

    def _message(
        self,
        row: Row,
        conversation: str,
        slug: str,
        name: str | None,
        at: datetime,
        outbound: bool,
        suffix: str | None,
    ) -> None:
        file = "messages.csv"
        digest = hashlib.sha256(
            "\0".join((row.get("date"), row.get("sender profile url"), row.get("content"))).encode()
        ).hexdigest()[:16]
        post_id = f"message:{conversation}:{digest}" + (f":{suffix}" if suffix else "")
        text = row.get("content") or row.get("subject") or "(empty message)"
        self._post(
            row,
            file,
            {
                "network": "linkedin",
                "id": post_id,
                "text": text,
                "created_at": at,
                "author": self._author(slug, name),
                "direction": Direction.OUTBOUND if outbound else Direction.INBOUND,
                "kind": PostKind.MESSAGE,
                "conversation_id": conversation or None,
                "raw": {"file": file, "line": row.line, "row": row.cells},
            },
        )


def _is_draft(row: Row) -> bool:
    draft = row.get("is message draft").lower() in ("yes", "true", "1")
    return draft or row.get("folder").upper() == "DRAFT"


def _recipients(
    row: Row,
    conversation: str,
    member: str,
    senders: dict[str, dict[str, str]],
    by_name: dict[str, str],
) -> list[str]:
    listed = [s for u in row.get("recipient profile urls").split(",") if (s := slug_of(u))]
    found = [s for s in _unique(listed) if s != member]
    if found:
        return found
    others = [s for s in senders.get(conversation, {}) if s != member]
    if others:
        return others
    names = [n.strip().casefold() for n in row.get("to").split(",") if n.strip()]
    return [by_name[n] for n in names if n in by_name]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
