"""A reply written in Salesforce (``Social_Reply__c``) and the rules a network sets for it.

``SocialReply`` is one record: the Case, the post replied to (``<network>:<post id>``, the
key of that post's Task), the body and the status an agent or the reply job gave it. A
``ReplyPoster`` posts one network's replies for the reply job (``sf_social.sync.replies``).
``check_x_reply``, ``check_length`` and ``messenger_window`` apply the networks' rules
before anything is sent; a broken rule is a ``ReplyRefusal`` whose reason goes on the record
(the reply is Failed, never sent).
``outbound_task`` is the completed Task a posted reply becomes, keyed
``<network>:<posted id>`` like the Task the source would plan when it reads the same post
back, so that read upserts it instead of making a second one.

X's rules (2026): 280 *weighted* characters, where a URL counts 23 and a character outside
the Latin, general punctuation and a few other ranges counts 2; on self-serve tiers a reply
through the API is allowed only to a post whose author mentioned or quoted the account (or
replied to it): anything else is refused with a 403 that no retry changes (Enterprise is
exempt); the reply goes from the account that received the post.

Facebook's and LinkedIn's rules: a page replies to comments on its own posts (and a
LinkedIn organization comments on its own posts) only; Messenger answers a person within 24
hours of their last message (``messaging_type`` RESPONSE), or up to 7 days later with the
``HUMAN_AGENT`` tag (a person wrote the reply, which an approved reply always is), never
after; a comment holds 8,000 characters on Facebook and 1,250 on LinkedIn, a Messenger
message 2,000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sf_social.errors import SourceApiError

X_LIMIT = 280
"""The weighted characters of a post on X."""
X_URL_WEIGHT = 23
"""What a URL counts on X, whatever its length (t.co wraps it)."""
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
"""Code point ranges X counts once (twitter-text's default weighting); the rest count 2."""


class ReplyStatus(StrEnum):
    """``Social_Reply__c.Status__c``: agents write Draft and Approved, the job the rest."""

    DRAFT = "Draft"
    APPROVED = "Approved"
    SENDING = "Sending"
    SENT = "Sent"
    FAILED = "Failed"
    NEEDS_REVIEW = "Needs review"


FACEBOOK_COMMENT_LIMIT = 8000
MESSENGER_LIMIT = 2000
LINKEDIN_COMMENT_LIMIT = 1250
X_MESSAGE_LIMIT = 10_000
"""Characters of a Facebook comment, a Messenger text, a LinkedIn comment, an X direct
message."""
RESPONSE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
"""How long after a person's last message a page may answer on Messenger: with
``messaging_type`` RESPONSE, then with the ``HUMAN_AGENT`` message tag."""


class XTier(StrEnum):
    """The X API access tier of the posting account's app."""

    FREE = "free"
    BASIC = "basic"
    PRO = "pro"
    ENTERPRISE = "enterprise"


NETWORK_OF_PREFIX = {"twitter": "Twitter", "facebook": "Facebook", "linkedin": "LinkedIn"}
"""The key prefix of a post → its ``Social_Network__c`` value."""


@dataclass(frozen=True)
class SocialReply:
    """One ``Social_Reply__c`` record, as the reply job reads it."""

    id: str
    case_id: str | None
    reply_to_key: str
    body: str
    status: ReplyStatus

    @property
    def network_prefix(self) -> str:
        """``twitter`` of ``twitter:1790...``."""
        return self.reply_to_key.partition(":")[0]

    @property
    def reply_to_id(self) -> str:
        """The native id of the post replied to (``1790...`` of ``twitter:1790...``)."""
        return self.reply_to_key.partition(":")[2]


@dataclass(frozen=True)
class ReplyRefusal:
    """Why a reply may not be sent: the reason goes on the record, nothing is posted."""

    reason: str


@dataclass(frozen=True)
class Cleared:
    """``check``'s yes: the reply may be sent, and how. ``route`` is what the poster
    decided (the account to post from, the Messenger window); the job hands it back to
    ``post`` and ``find`` and never reads it, so no poster keeps state between calls."""

    route: Any = None


@dataclass(frozen=True)
class PostedReply:
    """A reply the network accepted (or one found there after an unknown outcome): its id
    on the network and where it is seen (a Messenger message has no public URL)."""

    id: str
    url: str | None
    message: bool = False
    """A private message (a direct message), not a public post."""


class ReplyPoster(Protocol):
    """One network's posting, as the reply job drives it (one poster per key prefix).

    ``check`` reads what the rules need (the post replied to, a conversation) and says why
    the reply may not be sent, or how it is sent (``Cleared``); ``post`` makes exactly one
    attempt that way (the caller decides from the error what happened); ``find`` looks the
    reply up on the network after an unknown outcome (``cleared`` None: after a crash, the
    way is not known). Each raises ``SourceApiError`` when the network does.
    """

    prefix: str
    """The key prefix served: ``twitter``, ``facebook``, ``linkedin``."""

    def check(self, reply: SocialReply) -> ReplyRefusal | Cleared:
        """Why ``reply`` may not be sent, or how it may (for ``post``)."""
        ...

    def post(self, reply: SocialReply, cleared: Cleared) -> PostedReply:
        """Post ``reply`` the way ``check`` cleared it: exactly one attempt."""
        ...

    def find(self, reply: SocialReply, cleared: Cleared | None) -> PostedReply | None:
        """``reply`` as posted on the network, if it is there."""
        ...

    def unknown(self, error: SourceApiError) -> bool:
        """Whether a refused post may have been posted after all (look it up, never
        re-post); otherwise it is final and the reply is Failed."""
        ...

    def searched(self, reply: SocialReply, cleared: Cleared | None) -> str:
        """Where ``find`` looked, for the Needs review reason (``the latest posts of 100``)."""
        ...


class MessagingType(StrEnum):
    """How a Messenger reply is sent: inside the 24-hour window, or tagged by an agent."""

    RESPONSE = "RESPONSE"
    HUMAN_AGENT = "HUMAN_AGENT"


def check_length(reply: SocialReply, limit: int, what: str) -> ReplyRefusal | None:
    """An empty reply, or one longer than ``limit`` characters of ``what``, is refused."""
    if not reply.body.strip():
        return ReplyRefusal("the reply is empty")
    if len(reply.body) > limit:
        return ReplyRefusal(f"{len(reply.body)} characters, {what} holds {limit}")
    return None


def messenger_window(last_message: datetime | None, now: datetime) -> MessagingType | ReplyRefusal:
    """How a reply may go to a person whose last message to the page was at
    ``last_message`` (``None``: they never wrote): RESPONSE within 24 hours, HUMAN_AGENT
    within 7 days, refused after that."""
    if last_message is None:
        return ReplyRefusal(
            "the person has not written to the page on Messenger: a page may only answer"
        )
    age = now - last_message
    if age <= RESPONSE_WINDOW:
        return MessagingType.RESPONSE
    if age <= HUMAN_AGENT_WINDOW:
        return MessagingType.HUMAN_AGENT
    return ReplyRefusal(
        f"the person's last Messenger message is {age.days} days old"
        f" ({last_message.isoformat()}): a page may answer within 24 hours, or 7 days with"
        " the HUMAN_AGENT tag; answer by another channel"
    )


def own_post_refusal(
    post_id: str, author: str | None, owner: str, network: str
) -> ReplyRefusal | None:
    """A reply on ``network`` goes only under a post of ``owner`` (the page, the
    organization); ``author`` is the post's author as the network says (``None``: unknown)."""
    if author == owner:
        return None
    who = f"by {author}" if author else "of an unknown author"
    return ReplyRefusal(
        f"post {post_id} is {who}, not {owner}'s own: {network} replies go only to comments"
        f" on {owner}'s own posts; answer on {network} itself"
    )


@dataclass(frozen=True)
class XTarget:
    """What X says of the post replied to: its author, and whom it mentions, quotes or
    replies to (user ids)."""

    post_id: str
    author_id: str
    mentioned_ids: frozenset[str] = frozenset()
    quoted_author_ids: frozenset[str] = frozenset()
    replied_to_id: str | None = None

    def summoned(self, account_id: str) -> bool:
        """Whether the post mentioned, quoted or replied to ``account_id``."""
        return (
            account_id in self.mentioned_ids
            or account_id in self.quoted_author_ids
            or self.replied_to_id == account_id
        )


def x_weighted_length(text: str) -> int:
    """The length X counts: each URL 23, each character of ``_LIGHT`` 1, any other 2."""
    total = 0
    rest = 0
    for match in _URL.finditer(text):
        total += _weight(text[rest : match.start()]) + X_URL_WEIGHT
        rest = match.end()
    return total + _weight(text[rest:])


def _weight(text: str) -> int:
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _LIGHT) else 2 for c in text)


def check_x_reply(
    reply: SocialReply, target: XTarget, account_id: str, tier: XTier
) -> ReplyRefusal | None:
    """X's rules for ``reply`` to ``target`` from the account ``account_id``; ``None`` when
    it may be sent."""
    if not reply.body.strip():
        return ReplyRefusal("the reply is empty")
    length = x_weighted_length(reply.body)
    if length > X_LIMIT:
        return ReplyRefusal(
            f"{length} weighted characters, X allows {X_LIMIT} (each link counts"
            f" {X_URL_WEIGHT}, most characters outside Latin scripts and emoji count 2)"
        )
    if target.author_id == account_id:
        return None  # continuing our own thread
    if tier is not XTier.ENTERPRISE and not target.summoned(account_id):
        return ReplyRefusal(
            f"post {target.post_id} neither mentions, quotes nor replies to the account"
            f" {account_id}: X refuses API replies to it on the {tier.value} tier (only"
            " Enterprise may); answer by direct message or on X itself"
        )
    return None


def pick_x_account(target: XTarget, accounts: Mapping[str, Any]) -> str | None:
    """The account that received ``target`` among ``accounts`` (ids): one it summoned, or
    whose own post it is; else the only account (``check_x_reply`` then says whether it may
    reply); ``None`` when several accounts could have received it."""
    received = [a for a in accounts if target.summoned(a) or target.author_id == a]
    if received:
        return received[0]
    return next(iter(accounts)) if len(accounts) == 1 else None


def outbound_task(reply: SocialReply, network: str, posted: PostedReply) -> dict[str, Any]:
    """The completed outbound Task of a posted reply, keyed ``<network>:<posted id>``, with
    the Type and Subject the mapping gives our own post on that network (Tweet / Tweeted on
    X, Social Message / Tweeted for an X direct message; Social Message / ``<network>
    reply`` elsewhere)."""
    on_x = network == "Twitter"
    task: dict[str, Any] = {
        "Social_Post_Key__c": f"{reply.network_prefix}:{posted.id}",
        "Subject": "Tweeted" if on_x else f"{network} reply",
        "Type": "Tweet" if on_x and not posted.message else "Social Message",
        "Status": "Completed",
        "Social_Direction__c": "Outbound",
        "Social_Network__c": network,
        "Description": reply.body,
    }
    if posted.url:
        task["Social_Post_URL__c"] = posted.url
    if reply.case_id:
        task["WhatId"] = reply.case_id
    return task
