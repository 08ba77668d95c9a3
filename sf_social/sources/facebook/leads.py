"""``FacebookLeadSource``: Meta Lead Ads from the page's ``leadgen`` webhooks.

The receiver (``sf-social webhook serve``) checks ``X-Hub-Signature-256`` and spools every
page event, a ``leadgen`` change under the id ``leadgen:<leadgen_id>``, so a notification
Meta delivers twice is spooled once. This source reads the spool with its own cursor
(``{"seq": N}``: it shares the spool with the page's comments and messages, each source
keeping its own place), fetches each new lead (``GET /{leadgen_id}``, one call per lead)
and yields it as a ``lead_form`` post (:func:`~sf_social.lead_forms.to_post`).

A lead the Graph API refuses for good (deleted, or no longer readable: code 100) is a
rejection, counted and shown, and the events beside it go on; a transient failure, an
expired token or a rate limit ends the pass with the cursor before the spool page being
read (the next pass fetches that page again; the ledger drops what was already written).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sf_social.boundary import admit, rejection
from sf_social.errors import FeedLineError, SourceApiError
from sf_social.lead_forms import to_post
from sf_social.posts import SocialPost
from sf_social.sources.base import Cursor, SourceBatch
from sf_social.sources.facebook.graph import GraphApi
from sf_social.sources.facebook.leadgen import leadgen_id, to_response
from sf_social.sources.facebook.spool import WebhookSpool


@dataclass
class LeadCounts:
    """What the source did since it was made (reported by ``sf-social leads``)."""

    fetched: int = 0
    refused: int = 0
    """Leads the Graph API refused for good (deleted, no access), or of a wrong shape."""


class FacebookLeadSource:
    """The spool's ``leadgen`` events, each lead fetched from the Graph API."""

    def __init__(
        self,
        spool: Path | WebhookSpool,
        api: GraphApi,
        page_id: str | None = None,
        batch_size: int = 100,
        name: str = "facebook-leads",
    ) -> None:
        self.spool = spool if isinstance(spool, WebhookSpool) else WebhookSpool(spool)
        self.api = api
        self.page_id = page_id
        self.batch_size = batch_size
        self.counts = LeadCounts()
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        stored = (cursor or {}).get("seq", 0)
        after = stored if isinstance(stored, int) else 0
        where = str(self.spool.path)
        while rows := self.spool.read(after, self.batch_size):
            posts: list[SocialPost] = []
            rejected: list[FeedLineError] = []
            for seq, event_id, event in rows:
                try:
                    ident = leadgen_id(event)
                except ValueError as exc:
                    rejected.append(rejection(where, seq, event_id, exc))
                    continue
                if ident is not None:
                    item = self._fetch(where, seq, ident)
                    if isinstance(item, FeedLineError):
                        rejected.append(item)
                    else:
                        posts.append(item)
            after = rows[-1][0]
            yield SourceBatch(posts, {"seq": after}, rejected)

    def _fetch(self, where: str, seq: int, ident: str) -> SocialPost | FeedLineError:
        """The lead as a post, or why it cannot be one; transient failures raise."""
        try:
            lead = self.api.lead(self.name, ident)
        except SourceApiError as exc:
            if exc.transient or type(exc) is not SourceApiError:
                raise  # a later pass may succeed; an auth error stops the source
            self.counts.refused += 1
            return rejection(where, seq, f"lead {ident}", exc)
        except ValueError as exc:  # an answer that is no lead: that event only, not the source
            self.counts.refused += 1
            return rejection(where, seq, f"lead {ident}", exc)
        self.counts.fetched += 1
        post = admit(where, seq, f"lead {ident}", lambda: to_post(to_response(lead, self.page_id)))
        if isinstance(post, FeedLineError):
            self.counts.refused += 1
        assert post is not None
        return post
