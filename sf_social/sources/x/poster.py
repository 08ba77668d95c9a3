"""The reply job's poster of ``twitter:`` replies: to posts (``sources.x.replies``) and
into direct-message conversations (``sources.x.direct_replies``), over one client per X
account."""

from __future__ import annotations

from collections.abc import Mapping

from sf_social.errors import SourceApiError
from sf_social.social_reply import (
    Cleared,
    PostedReply,
    ReplyRefusal,
    SocialReply,
    XTier,
    check_x_reply,
    pick_x_account,
)
from sf_social.sources.x.direct_replies import (
    conversation_account,
    find_message,
    is_conversation,
    send_message,
)
from sf_social.sources.x.replies import DUPLICATE, XReplyClient


class XPoster:
    """The reply job's poster of ``twitter:`` replies: ``clients`` by account id, the
    account that received the post replying (``pick_x_account``), X's rules for ``tier``.
    A cleared reply's route is the account id it goes out from."""

    prefix = "twitter"

    def __init__(self, clients: Mapping[str, XReplyClient], tier: XTier = XTier.BASIC) -> None:
        self.clients = clients
        self.tier = tier

    def check(self, reply: SocialReply) -> ReplyRefusal | Cleared:
        """X's rules, after reading the post replied to (one call); for a conversation,
        the account in it (no call)."""
        if is_conversation(reply.reply_to_id):
            picked = conversation_account(reply, self.clients)
            return picked if isinstance(picked, ReplyRefusal) else Cleared(picked)
        target = next(iter(self.clients.values())).target(reply.reply_to_id)
        account = pick_x_account(target, self.clients)
        if account is None:
            return ReplyRefusal(
                f"post {reply.reply_to_id} mentions, quotes or replies to none of the X"
                f" accounts {', '.join(self.clients)}: which one should reply cannot be known"
            )
        refusal = check_x_reply(reply, target, account, self.tier)
        return refusal if refusal is not None else Cleared(account)

    def post(self, reply: SocialReply, cleared: Cleared) -> PostedReply:
        """One attempt, from the account ``check`` picked."""
        client = self.clients[cleared.route]
        if is_conversation(reply.reply_to_id):
            return send_message(client, reply.reply_to_id, reply.body)
        return client.post_reply(reply.reply_to_id, reply.body)

    def find(self, reply: SocialReply, cleared: Cleared | None) -> PostedReply | None:
        """The reply among the latest posts of the account that posted it (of every
        account after a crash)."""
        direct = is_conversation(reply.reply_to_id)
        for client in self._searched(cleared):
            if direct:
                found = find_message(client, reply.reply_to_id, reply.body)
            else:
                found = client.find_reply(reply.reply_to_id, reply.body)
            if found is not None:
                return found
        return None

    def unknown(self, error: SourceApiError) -> bool:
        """A 5xx, a timeout, or X's duplicate-content 403 (our earlier post of it)."""
        return error.transient or DUPLICATE in str(error)

    def searched(self, reply: SocialReply, cleared: Cleared | None) -> str:
        """Where :meth:`find` looked, for the Needs review reason."""
        if is_conversation(reply.reply_to_id):
            return f"the latest messages of conversation {reply.reply_to_id}"
        accounts = ", ".join(c.account_id for c in self._searched(cleared))
        return f"the latest posts of {accounts}"

    def _searched(self, cleared: Cleared | None) -> list[XReplyClient]:
        if cleared is not None:
            return [self.clients[cleared.route]]
        return list(self.clients.values())
