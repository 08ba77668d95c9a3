"""Posts their authors deleted or edited on the network (design rule 11).

A source reports a :class:`PostDeletion` (Facebook ``verb: remove`` / ``edited``,
LinkedIn ``COMMENT_DELETE`` / ``COMMENT_EDIT``, an X post the compliance check no longer
finds). :func:`deletion_plan` turns it into update-only writes on the records we made of
the post: its Task's text is replaced by a note (deleted) or by the new text (edited), its
link dropped; the Case a deleted post opened is kept for the agents, its subject and
description replaced by the note, its evidence (which quotes the post) cleared. Nothing
is created: a post we never wrote needs nothing. These fields are insert-only (agents own
them), so the writes set them as overrides: what the author took back outranks what an
agent kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from sf_social.classification import Classification, Priority, Sentiment
from sf_social.keys import post_key
from sf_social.plan import PlannedWrite, RecordPlan, WriteMode
from sf_social.posts import MAX_TEXT_CHARS, Id, Network, clean_text
from sf_social.records import CaseRecord, TaskRecord

DELETED_SUFFIX = "#deleted"
"""Appended to a post's id and key for the ledger entry of its deletion (one per post)."""
EDITED_SUFFIX = "#edited@"
"""Appended, with the edit's time, for the ledger entry of an edit (one per edit)."""
_NEUTRAL = Classification(
    segment=None,
    complaint=False,
    sentiment=Sentiment.NEUTRAL,
    sentiment_score=0.0,
    influence_tier=None,
    priority=Priority.LOW,
)


class PostDeletion(BaseModel):
    """A post deleted (``new_text`` None) or edited (``new_text``: what it says now).

    Built from a network's event, so validated like a post: the id's characters and length,
    the new text's length and control characters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    network: Network
    post_id: Id
    at: datetime | None = None
    new_text: str | None = None

    @field_validator("new_text")
    @classmethod
    def _check_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(f"new text is {len(value):,} characters; at most {MAX_TEXT_CHARS:,}")
        return clean_text(value)

    @property
    def deleted(self) -> bool:
        return self.new_text is None

    @property
    def post_key(self) -> str:
        """The key of the post's Task."""
        return post_key(self.network, self.post_id)

    @property
    def event_id(self) -> str:
        """The ledger id of this event (a deletion once per post, an edit once per time)."""
        if self.deleted:
            return self.post_id + DELETED_SUFFIX
        stamp = self.at.isoformat() if self.at else "unknown"
        return f"{self.post_id}{EDITED_SUFFIX}{stamp}"


def note(deletion: PostDeletion) -> str:
    """What replaces the text of a deleted post."""
    when = f" on {deletion.at:%Y-%m-%d}" if deletion.at else ""
    return (
        f"The author deleted this post on {deletion.network.label}{when};"
        " its text was removed here too."
    )


def deletion_plan(deletion: PostDeletion, opened_case: str | None) -> RecordPlan:
    """The update-only writes for a deleted or edited post.

    ``opened_case``: the key of the Case the post opened, if any: a deleted opening post
    leaves the Case with the note instead of its text.
    """
    task: dict[str, Any]
    if deletion.deleted:
        task = {
            "Subject": "Post deleted by its author",
            "Description": note(deletion),
            "Social_Post_URL__c": None,
        }
    else:
        task = {"Description": deletion.new_text}
    writes = [
        PlannedWrite(
            record=TaskRecord(post_key=deletion.post_key),
            mode=WriteMode.UPDATE_ONLY,
            overrides=task,
        )
    ]
    if opened_case is not None and deletion.deleted:
        case: dict[str, Any] = {
            "Subject": "[post deleted by its author]",
            "Description": note(deletion),
            "Social_Post_URL__c": None,
            "Social_Evidence__c": None,  # it quotes the words that decided
        }
        writes.insert(
            0,
            PlannedWrite(
                record=CaseRecord(thread_key=opened_case),
                mode=WriteMode.UPDATE_ONLY,
                overrides=case,
            ),
        )
    return RecordPlan(
        post_key=post_key(deletion.network, deletion.event_id),
        network=deletion.network,
        post_id=deletion.event_id,
        classification=_NEUTRAL,
        writes=writes,
        notes=["deleted by its author" if deletion.deleted else "edited by its author"],
    )
