"""The reply job: post the replies agents approved in Salesforce, never one twice.

One pass reads the replies in Approved or Sending (``Social_Reply__c``, one query: one API
call when nothing is pending), oldest ``SystemModstamp`` first, and for each Approved one:

1. checks the network's rules through its poster (``ReplyPoster``: X, Facebook, LinkedIn;
   ``sf_social.social_reply``): a broken rule is Failed with the reason, nothing is sent;
2. marks it **Sending** in the org, and posts only once that write succeeded;
3. posts (one attempt) and writes back the outbound Task on the Case (keyed
   ``<network>:<posted id>``) and **Sent** with the posted id and URL.

A post refused for good (X's 403 for a post that did not summon the account, Messenger's
window closed) is Failed with the network's reason; a rate limit or refused credentials
leave it Approved, and that network's other replies wait for the next pass (the other
networks go on). When the outcome cannot be known (a 5xx, a timeout, a crash between 2 and
3), the poster looks the reply up on the network (the account's latest posts, the comment's
replies, the conversation): found, it is recorded as Sent; not found, it becomes **Needs
review**: it is never posted again without a person deciding. A reply found in Sending at
the start of a pass (a crash) is settled that way once it is older than ``settle`` (so a
reply another process is sending is left to it). A reply to a network without a poster
(not configured) waits in Approved.

Crash points: ``reply:sending`` (marked, not posted), ``reply:posted`` (posted, nothing
written back), ``reply:task`` (the Task written, the reply not yet Sent).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sf_social import crashpoints
from sf_social.config.model import RepliesConfig
from sf_social.errors import (
    ConfigError,
    ReplyWriteError,
    SourceApiError,
    SourceAuthError,
    SourceRateLimitError,
)
from sf_social.salesforce.api import OrgApi, RecordResult
from sf_social.salesforce.selection import RecordReader, Selection
from sf_social.salesforce.times import parse_api_time
from sf_social.social_reply import (
    NETWORK_OF_PREFIX,
    Cleared,
    PostedReply,
    ReplyPoster,
    ReplyRefusal,
    ReplyStatus,
    SocialReply,
    outbound_task,
)
from sf_social.sources.facebook.replies import facebook_poster
from sf_social.sources.linkedin_api.replies import linkedin_poster
from sf_social.sources.x.client import XCredentials
from sf_social.sources.x.poster import XPoster
from sf_social.sources.x.replies import XReplyClient

log = logging.getLogger(__name__)

REPLY_LOCK = "replies"
"""The lock one replica holds while it sends (two senders could post one reply twice)."""
REPLY = "Social_Reply__c"
FIELDS = ("Id", "Case__c", "Reply_To_Key__c", "Body__c", "Status__c", "SystemModstamp")
PENDING = Selection(
    REPLY, FIELDS, one_of={"Status__c": (ReplyStatus.APPROVED.value, ReplyStatus.SENDING.value)}
)
"""The one query of a pass."""


@dataclass
class ReplyPassReport:
    """What one pass did, by outcome."""

    sent: int = 0
    failed: int = 0
    needs_review: int = 0
    waiting: int = 0
    recovered: int = 0


class ReplyJob:
    """Posts approved replies through ``posters`` (one per network, by key prefix); reads
    them with ``reader`` and writes them back with ``org`` (one ``RestOrgApi`` is both)."""

    def __init__(
        self,
        org: OrgApi,
        reader: RecordReader,
        posters: Iterable[ReplyPoster],
        *,
        settle: timedelta = timedelta(minutes=2),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.org = org
        self.reader = reader
        self.posters = {p.prefix: p for p in posters}
        self.settle = settle
        self.now = now

    def run_once(self) -> ReplyPassReport:
        """One pass: see the module docstring."""
        report = ReplyPassReport()
        rows = sorted(self.reader.select(PENDING), key=lambda r: str(r.get("SystemModstamp") or ""))
        held: set[str] = set()
        for row in rows:
            reply = _reply(row)
            poster = self.posters.get(reply.network_prefix)
            if poster is None:
                report.waiting += 1
            elif reply.network_prefix in held:
                report.waiting += 1  # its network stopped this pass
            elif reply.status is ReplyStatus.SENDING:
                if _stamp(row) <= self.now() - self.settle:
                    why = "a pass stopped while sending it"
                    if not self._recover(poster, reply, None, report, why):
                        held.add(reply.network_prefix)
            elif not self._send(poster, reply, report):
                held.add(reply.network_prefix)  # rate limited or refused credentials
        return report

    def _send(self, poster: ReplyPoster, reply: SocialReply, report: ReplyPassReport) -> bool:
        """Post one reply; False when its network should wait for the next pass."""
        if not reply.reply_to_id:
            self._finish(reply, ReplyStatus.FAILED, report, error="no post to reply to")
            return True
        try:
            cleared = poster.check(reply)
        except SourceApiError as exc:
            if exc.transient or isinstance(exc, SourceRateLimitError | SourceAuthError):
                report.waiting += 1
                return False
            self._finish(reply, ReplyStatus.FAILED, report, error=str(exc))
            return True
        if isinstance(cleared, ReplyRefusal):
            self._finish(reply, ReplyStatus.FAILED, report, error=cleared.reason)
            return True
        self._write(REPLY, {"Id": reply.id, "Status__c": ReplyStatus.SENDING.value})
        crashpoints.reached("reply:sending")
        try:
            posted = poster.post(reply, cleared)
        except (SourceRateLimitError, SourceAuthError) as exc:
            self._write(REPLY, {"Id": reply.id, "Status__c": ReplyStatus.APPROVED.value})
            log.warning("reply %s not posted, kept Approved: %s", reply.id, exc)
            report.waiting += 1
            return False
        except SourceApiError as exc:
            if poster.unknown(exc):
                return self._recover(poster, reply, cleared, report, str(exc))
            self._finish(reply, ReplyStatus.FAILED, report, error=str(exc))
            return True
        except ValueError as exc:  # accepted, but an answer we cannot read: look it up
            why = f"the network's answer: {exc}"
            return self._recover(poster, reply, cleared, report, why)
        crashpoints.reached("reply:posted")
        self._sent(reply, posted)
        report.sent += 1
        return True

    def _recover(
        self,
        poster: ReplyPoster,
        reply: SocialReply,
        cleared: Cleared | None,
        report: ReplyPassReport,
        why: str,
    ) -> bool:
        """Settle a reply whose posting outcome is unknown: found on the network, Sent; else
        Needs review. A lookup the network refuses for now (a rate limit, refused
        credentials, a 5xx) leaves it Sending for a later pass: False, its network waits."""
        try:
            found = poster.find(reply, cleared)
        except SourceApiError as exc:
            if exc.transient or isinstance(exc, SourceRateLimitError | SourceAuthError):
                log.warning("reply %s left Sending, its lookup failed: %s", reply.id, exc)
                report.waiting += 1
                return False
            why, found = f"{why}; the lookup failed ({exc})", None
        if found is not None:
            self._sent(reply, found)
            report.recovered += 1
            return True
        network = NETWORK_OF_PREFIX[poster.prefix]
        on = "X" if poster.prefix == "twitter" else network
        error = (
            f"{why}; the outcome of posting is unknown and the reply is not among"
            f" {poster.searched(reply, cleared)}: check on {on}, then set Sent or Approved (never"
            " re-posted automatically)"
        )
        self._finish(reply, ReplyStatus.NEEDS_REVIEW, report, error=error)
        return True

    def _sent(self, reply: SocialReply, posted: PostedReply) -> None:
        network = NETWORK_OF_PREFIX[reply.network_prefix]
        task = outbound_task(reply, network, posted)
        record = {"attributes": {"type": "Task"}, **task}
        [result] = self.org.upsert("Task", "Social_Post_Key__c", [record])
        _check(result, f"Task {task['Social_Post_Key__c']}")
        crashpoints.reached("reply:task")
        self._write(
            REPLY,
            {
                "Id": reply.id,
                "Status__c": ReplyStatus.SENT.value,
                "Posted_Id__c": posted.id,
                "Posted_URL__c": posted.url,
                "Error__c": None,
            },
        )

    def _finish(
        self, reply: SocialReply, status: ReplyStatus, report: ReplyPassReport, *, error: str
    ) -> None:
        self._write(REPLY, {"Id": reply.id, "Status__c": status.value, "Error__c": error[:32000]})
        if status is ReplyStatus.FAILED:
            report.failed += 1
        else:
            report.needs_review += 1
        log.warning("reply %s %s: %s", reply.id, status.value, error)

    def _write(self, sobject: str, record: Mapping[str, Any]) -> None:
        [result] = self.org.update(sobject, [{"attributes": {"type": sobject}, **record}])
        _check(result, f"{sobject} {record['Id']}")


def _check(result: RecordResult, what: str) -> None:
    if not result.success:
        error = result.error
        detail = f"{error.code}: {error.message}" if error else "no detail"
        raise ReplyWriteError(f"the org refused the write of {what}: {detail}")


def _reply(row: Mapping[str, Any]) -> SocialReply:
    return SocialReply(
        id=str(row["Id"]),
        case_id=row.get("Case__c"),
        reply_to_key=str(row.get("Reply_To_Key__c") or ""),
        body=str(row.get("Body__c") or ""),
        status=ReplyStatus(str(row.get("Status__c"))),
    )


def _stamp(row: Mapping[str, Any]) -> datetime:
    stamp = parse_api_time(row.get("SystemModstamp"))
    if stamp is None:
        raise ValueError(f"reply {row.get('Id')} has no SystemModstamp")
    return stamp


def reply_posters(
    replies: RepliesConfig, env: Mapping[str, str] | None = None
) -> list[ReplyPoster]:
    """The poster of each network ``[replies]`` configures, with its credentials from
    ``env``; ``ConfigError`` naming what is missing (the daemon stops at start)."""
    env = os.environ if env is None else env
    posters: list[ReplyPoster] = []
    if replies.x_account_id is not None:
        account = replies.x_account_id
        credentials = XCredentials.from_env(env)
        if not credentials.user_context:
            raise ConfigError(
                "replies need X user context: set X_CONSUMER_KEY, X_CONSUMER_SECRET,"
                f" X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET of the account {account}"
            )
        clients = {account: XReplyClient(credentials.client(), account)}
        posters.append(XPoster(clients, replies.x_tier))
    if replies.facebook_page_id is not None:
        posters.append(facebook_poster(replies.facebook_page_id, env))
    if replies.linkedin_organization is not None:
        posters.append(linkedin_poster(replies.linkedin_organization, env))
    return posters
