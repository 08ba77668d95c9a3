"""Lead form sources from their options and the environment (``[[sources]] type =
"lead_forms"``, ``sf-social leads``).

``webhooks``: what ``webhook serve`` spooled, each response fetched
(:class:`~sf_social.sources.facebook.leads.FacebookLeadSource`,
:class:`~sf_social.sources.linkedin_api.lead_sync.LinkedInLeadSource`). ``pull``: a
:class:`RollingPull` reading the last ``lookback`` at every poll
(:class:`~sf_social.sources.facebook.lead_pull.MetaLeadPull`,
:class:`~sf_social.sources.linkedin_api.lead_pull.LinkedInLeadPull`): the daemon's
scheduled reconciliation; with a :class:`PullWatch` (the daemon's), wrapped in a
:class:`~sf_social.sources.lead_deliveries.WatchedPull` that counts what the webhooks (the
network's spool) missed or brought late. Secrets and ids come from the environment:
``FB_PAGE_TOKEN``, ``FB_PAGE_ID``; ``LINKEDIN_ACCESS_TOKEN``, ``LINKEDIN_LEAD_OWNER``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sf_social.errors import ConfigError
from sf_social.lead_forms import LeadFormRules
from sf_social.posts import Network
from sf_social.sources.base import Cursor, Source, SourceBatch
from sf_social.sources.facebook.graph import GraphApi, PageToken
from sf_social.sources.facebook.lead_pull import MetaLeadPull
from sf_social.sources.facebook.leads import FacebookLeadSource
from sf_social.sources.facebook.spool import WebhookSpool
from sf_social.sources.lead_deliveries import LATE_AFTER, WatchedPull, spool_deliveries
from sf_social.sources.linkedin_api.client import (
    LEAD_SYNC_FORBIDDEN,
    LinkedInApi,
    LinkedInCredentials,
)
from sf_social.sources.linkedin_api.lead_pull import LinkedInLeadPull
from sf_social.sources.linkedin_api.lead_sync import LinkedInLeadSource
from sf_social.webhook_spools import spool_path


class RollingPull:
    """A pull over the last ``lookback``, its window moved to now at every pass."""

    def __init__(
        self,
        name: str,
        lookback: timedelta,
        make: Callable[[datetime], Source],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._name = name
        self.lookback = lookback
        self.make = make
        self.clock = clock

    @property
    def name(self) -> str:
        return self._name

    def pull(self, cursor: Cursor | None) -> Iterator[SourceBatch]:
        return self.make(self.clock() - self.lookback).pull(cursor)


def graph_api(env: Mapping[str, str]) -> tuple[GraphApi, str]:
    """The Graph API with the page token, and the page id."""
    page = (env.get("FB_PAGE_ID") or "").strip()
    if not page:
        raise ConfigError("set FB_PAGE_ID to the page whose lead forms are read")
    return GraphApi(PageToken.from_env(env)), page


def linkedin_api(env: Mapping[str, str]) -> LinkedInApi:
    """The LinkedIn API with the token, its 403 naming the Lead Sync grants."""
    return LinkedInApi(LinkedInCredentials.from_env(env), forbidden=LEAD_SYNC_FORBIDDEN)


def linkedin_owner(env: Mapping[str, str], owner: str | None) -> str:
    """The forms' owner: ``owner``, else ``LINKEDIN_LEAD_OWNER``."""
    found = owner or (env.get("LINKEDIN_LEAD_OWNER") or "").strip()
    if not found:
        raise ConfigError("set LINKEDIN_LEAD_OWNER (or owner) to the forms' owner URN")
    return found


@dataclass(frozen=True)
class PullWatch:
    """What a scheduled pull needs to tell the webhooks' part (:class:`WatchedPull`)."""

    rules: LeadFormRules
    report: Callable[[str, dict[str, Any]], None]
    late_after: timedelta = LATE_AFTER


def lead_source(
    network: str,
    mode: str,
    env: Mapping[str, str],
    *,
    spool: Path | None = None,
    lookback: timedelta = timedelta(days=1),
    owner: str | None = None,
    forms: tuple[str, ...] = (),
    name: str,
    watch: PullWatch | None = None,
) -> Source:
    """The lead source of ``network`` in ``mode`` (``webhooks`` or ``pull``); a pull with
    ``watch`` counts what the webhooks (their spool) missed or brought late."""
    path = spool or spool_path(network, env)
    if mode == "pull" and watch is not None:
        pull = lead_source(
            network, mode, env, lookback=lookback, owner=owner, forms=forms, name=name
        )
        spools = {Network(network): path}

        def deliveries(net: Network, ids: Sequence[str]) -> Mapping[str, datetime] | None:
            found = spool_deliveries(spools)  # read at each pull: webhook serve may start later
            return found(net, ids) if found is not None else None

        return WatchedPull(pull, watch.rules, deliveries, watch.report, late_after=watch.late_after)
    if mode == "webhooks":
        if network == "facebook":
            api, page = graph_api(env)
            return FacebookLeadSource(path, api, page, name=name)
        return LinkedInLeadSource(WebhookSpool(path), linkedin_api(env), name=name)
    if network == "facebook":
        api, page = graph_api(env)
        return RollingPull(
            name, lookback, lambda since: MetaLeadPull(api, page, since, forms, name)
        )
    li, who = linkedin_api(env), linkedin_owner(env, owner)
    return RollingPull(name, lookback, lambda since: LinkedInLeadPull(li, who, since, name=name))
