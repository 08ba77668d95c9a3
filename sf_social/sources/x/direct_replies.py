"""Replies on X by direct message: into a one-to-one conversation of the account.

A Case opened from direct messages is keyed by its conversation (``twitter:thread:<a>-<b>``,
X's ``dm_conversation_id`` of the two user ids), so its reply goes to ``twitter:<a>-<b>``:
``POST /2/dm_conversations/:dm_conversation_id/messages`` (``text``), answered with the new
``dm_event_id``. X's rule for replies to posts that did not summon the account does not
apply to messages; a message holds 10,000 characters. The account that replies is the
conversation's member among ours. After an unknown outcome the message is looked up among
the conversation's latest events (``GET /2/dm_conversations/:id/dm_events``, one call).
Group conversations (ids without ``-``) are not answered here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sf_social.social_reply import (
    X_MESSAGE_LIMIT,
    PostedReply,
    ReplyRefusal,
    SocialReply,
    check_length,
)
from sf_social.sources.x.normalize import conversation_url
from sf_social.sources.x.replies import RECENT, XReplyClient, raw_answer, same_text

_CONVERSATION = re.compile(r"^(\d+)-(\d+)$")


def is_conversation(post_id: str) -> bool:
    """Whether ``post_id`` (of a reply key) names a one-to-one DM conversation."""
    return _CONVERSATION.match(post_id) is not None


def conversation_account(reply: SocialReply, accounts: Iterable[str]) -> str | ReplyRefusal:
    """Our account in the reply's conversation, or why the reply may not be sent."""
    refusal = check_length(reply, X_MESSAGE_LIMIT, "an X direct message")
    if refusal is not None:
        return refusal
    members = set(reply.reply_to_id.split("-"))
    ours = [a for a in accounts if a in members]
    if not ours:
        return ReplyRefusal(
            f"the X conversation {reply.reply_to_id} is not one of the accounts"
            f" {', '.join(accounts)}: no account of ours can answer in it"
        )
    return ours[0]


def send_message(client: XReplyClient, conversation: str, text: str) -> PostedReply:
    """Send ``text`` into ``conversation`` from ``client``'s account: exactly one attempt."""
    body = client.posts.call(
        "replies",
        "POST /2/dm_conversations/:id/messages",
        lambda: raw_answer(
            lambda: client.client.create_direct_message(
                dm_conversation_id=conversation, text=text, user_auth=True
            )
        ),
    )
    event_id = str((body.get("data") or {}).get("dm_event_id") or "")
    if not event_id:
        raise ValueError(f"X answered no dm_event_id: {body!r:.200}")
    return PostedReply(event_id, conversation_url(conversation), message=True)


def find_message(client: XReplyClient, conversation: str, text: str) -> PostedReply | None:
    """Our message ``text`` among the conversation's latest events, if there."""
    body = client.reads.call(
        "replies",
        "GET /2/dm_conversations/:id/dm_events",
        lambda: client.client.get_direct_message_events(
            dm_conversation_id=conversation,
            max_results=RECENT,
            dm_event_fields=["id", "text", "sender_id", "event_type"],
            user_auth=True,
        ),
    )
    for event in body.get("data") or []:
        mine = str(event.get("sender_id")) == client.account_id
        if mine and event.get("id") and same_text(str(event.get("text") or ""), text):
            return PostedReply(str(event["id"]), conversation_url(conversation), message=True)
    return None
