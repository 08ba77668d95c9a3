"""From configuration to working parts: store, pipeline, sources, writer, engine.

:class:`Runtime` opens the state store and builds the pipeline (playbook, and the trained
model when one is configured) and sources at once, but logs in to Salesforce only when a
command needs the org (``connect()``): intake, ``status``, ``health`` and ``dead-letters
list`` work without it. Without Salesforce settings, ``connect()`` raises ``ConfigError``
naming the variables to set (exit 2).

The engine's push claims through a :class:`~sf_social.sync.leases.LeaseTracker`, so that
``close()`` (and the daemon's shutdown) hands back any outbox row still leased.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sf_social.config import Config, PushConfig, SourceContext
from sf_social.errors import SfSocialError, StoreLockedError
from sf_social.pipeline import Pipeline, classifier_for
from sf_social.playbook import Playbook, load_playbook
from sf_social.redaction import hide_password
from sf_social.salesforce.api import OrgApi
from sf_social.salesforce.retry import RetryPolicy
from sf_social.salesforce.writer import SalesforceWriter, Writer, WriterConfig
from sf_social.sources.base import Interrupted, Source
from sf_social.state import HeldLock, StateStore, open_store
from sf_social.state.binding import bind_to_org
from sf_social.sync.engine import SyncEngine
from sf_social.sync.intake import Intake
from sf_social.sync.leases import default_worker_id
from sf_social.sync.push import Clock, PushPolicy, utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrgLink:
    """A logged-in writer and the org API it writes through."""

    writer: Writer
    org: OrgApi


Connect = Callable[[Config, Playbook], OrgLink]
"""How a runtime logs in (tests pass their own)."""


def connect_salesforce(config: Config, playbook: Playbook) -> OrgLink:
    """Log in as the configuration says (``ConfigError`` naming what is missing)."""
    config.salesforce.auth_mode  # noqa: B018 (raises ConfigError listing the settings to set)
    writer = SalesforceWriter.connect(config.salesforce, writer_config(config, playbook))
    return OrgLink(writer, writer.api)


def push_policy(push: PushConfig) -> PushPolicy:
    """The engine's push policy from ``[push]``."""
    return PushPolicy(
        batch_size=push.batch_size,
        lease=push.lease,
        max_attempts=push.max_attempts,
        backoff_base=push.backoff_base,
        backoff_max=push.backoff_max,
    )


def writer_config(config: Config, playbook: Playbook) -> WriterConfig:
    """The writer's settings: the playbook's, with the configured tries per call."""
    return WriterConfig.from_playbook(
        playbook, retry=RetryPolicy(attempts=config.push.call_attempts)
    )


class Runtime:
    """The configured store, pipeline and sources; the engine once connected."""

    def __init__(
        self,
        config: Config,
        *,
        store: StateStore | None = None,
        connect: Connect = connect_salesforce,
        clock: Clock = utc_now,
        worker_id: str | None = None,
        rebind: bool = False,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.config = config
        self.rebind = rebind
        """On login to another org than the store's: forget the old one instead of refusing."""
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.store = (
            store if store is not None else open_store(config.db_url, schema=config.db_schema)
        )
        self._connect = connect
        self._pipeline = pipeline
        """The configured playbook's, unless given (``linkedin import``'s forward-only one)."""
        self._sources: list[Source] | None = None
        self._link: OrgLink | None = None
        self._engine: SyncEngine | None = None
        self._lock: HeldLock | None = None
        self.stopping = threading.Event()
        """Set when the process is stopping: a source waiting in ``wait`` leaves at once."""

    # -- parts ------------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline:
        """The configured playbook's pipeline, with the configured model if any.

        Loaded once; ``PlaybookError`` or ``ModelError`` says why a file cannot be used.
        """
        if self._pipeline is None:
            book = load_playbook(self.config.playbook)
            self._pipeline = Pipeline(book, classifier_for(book, self.config.model))
        return self._pipeline

    @property
    def sources(self) -> list[Source]:
        """The configured sources, in configuration order."""
        if self._sources is None:
            context = SourceContext(
                self.pipeline.playbook,
                self._report,
                sleep=self.wait,
                held_posts=self._held_posts,
            )
            self._sources = [s.build(context) for s in self.config.sources]
        return self._sources

    def _held_posts(
        self, network: str, since: datetime, after: str | None, limit: int
    ) -> list[str]:
        return self.store.held_posts(network, since, after=after, limit=limit)

    def wait(self, seconds: float) -> None:
        """A source's sleep: ``seconds``, unless the process stops first (``Interrupted``)."""
        if self.stopping.wait(seconds):
            raise Interrupted(f"stopping during a {seconds:.0f} s wait")

    def _report(self, name: str, status: dict[str, Any]) -> None:
        """What a source says about itself, kept for ``status`` (never fails a pass)."""
        try:
            self.store.set_source_status(name, status, now=self.clock())
        except SfSocialError as exc:
            log.warning("could not store the status of source %s: %s", name, exc)

    def intake(self) -> Intake:
        """An intake on the store and pipeline (no Salesforce needed)."""
        return Intake(self.store, self.pipeline, self.clock)

    # -- the org ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._engine is not None

    def connect(self) -> SyncEngine:
        """Log in (once) and return the engine; ``ConfigError`` if settings are missing,
        ``OtherOrgError`` if the store belongs to another org (see ``rebind``)."""
        if self._engine is None:
            self._link = self._connect(self.config, self.pipeline.playbook)
            database = hide_password(self.config.db_url)
            bind_to_org(self.store, database, self._link.org.org_id, rebind=self.rebind)
            self._engine = SyncEngine(
                self.store,
                self.pipeline,
                self._link.writer,
                self._link.org,
                self.sources,
                push_policy(self.config.push),
                self.worker_id,
                self.clock,
            )
        return self._engine

    @property
    def org(self) -> OrgApi:
        """The org API (``connect()`` first)."""
        assert self._link is not None, "connect() first"
        return self._link.org

    # -- single writer ----------------------------------------------------------------

    def lock(self) -> HeldLock:
        """The store's one-process lock (SQLite); ``StoreLockedError`` if a daemon has it."""
        if self._lock is None:
            self._lock = self.store.lock_for_daemon()
        return self._lock

    def try_lock(self) -> StoreLockedError | None:
        """Take the lock if free; the error saying who holds it otherwise."""
        try:
            self.lock()
        except StoreLockedError as exc:
            return exc
        return None

    # -- the end ----------------------------------------------------------------------

    def release_leases(self) -> int:
        """Give back outbox rows this process still holds (unsent); how many."""
        released = self._engine.push.leases.release_all() if self._engine else 0
        if released:
            log.info("released %d leased outbox row(s) for the next run", released)
        return released

    def close(self) -> None:
        """Release leases and locks, close the store."""
        try:
            self.release_leases()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            self.store.close()
