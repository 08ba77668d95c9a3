"""The sync from Python: posts or plans in, Salesforce records out, as the CLI writes them.

::

    import sf_social

    with sf_social.connect("sf-social.toml") as sync:   # or a Config, or None: environment
        report = sync.send(sf_social.read_feed("posts.jsonl"))
        print(report.summary())

``connect`` wires what every command wires (:class:`~sf_social.sync.runtime.Runtime`: the
configured state store, playbook, model and login) and takes the store's single-writer
lock, so the guarantees are the CLI's: each post is planned once (the ledger), threads and
first responses follow the stored conversation, every write goes through the durable
outbox as an upsert by external id, transient failures wait for a retry and permanent ones
go to the dead letters with their reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from sf_social.config import Config, load_config
from sf_social.errors import FeedLineError
from sf_social.plan import RecordPlan
from sf_social.posts import SocialPost
from sf_social.sources.base import SourceBatch
from sf_social.state import StoreStatus
from sf_social.state.ledger import SeenPost
from sf_social.state.outbox import QueuedPlan
from sf_social.sync.engine import PassReport, SyncEngine
from sf_social.sync.intake import IntakeCounts, ordering_key
from sf_social.sync.passes import push_pass, sync_pass
from sf_social.sync.push import PushCounts
from sf_social.sync.runtime import Connect, Runtime, connect_salesforce

LIBRARY_SOURCE = "@library"
"""The name under which posts and plans given from Python are recorded (runs, ledger)."""


class SyncClient:
    """A connected sync: send posts, write plans, run the configured sources once."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        runtime.lock()
        self.engine: SyncEngine = runtime.connect()

    def plan(self, posts: Iterable[SocialPost]) -> list[RecordPlan]:
        """What each post would become (nothing stored, nothing sent)."""
        return [self.runtime.pipeline.plan(post) for post in posts]

    def send(self, posts: Iterable[SocialPost | FeedLineError]) -> PassReport:
        """Plan ``posts`` against the stored threads, queue them, push until nothing is due.

        Errors from :func:`~sf_social.read_feed` are counted as rejected (the report's
        ``intake`` lists them) and the other posts go on; posts already sent are skipped.
        """
        batch = SourceBatch([], {})
        for item in posts:
            if isinstance(item, FeedLineError):
                batch.rejected.append(item)
            else:
                batch.posts.append(item)
        counts = IntakeCounts()
        self.engine.intake.commit(LIBRARY_SOURCE, batch, counts)
        report = PassReport(intake={LIBRARY_SOURCE: counts})
        report.push = self.push()
        return report

    def write(self, plans: Iterable[RecordPlan]) -> PushCounts:
        """Queue plans made elsewhere (``plan()``, ``Pipeline.plan``) and push until nothing
        is due; a plan whose post was already queued is skipped (the ledger)."""
        plans = list(plans)
        self.runtime.store.commit_batch(
            LIBRARY_SOURCE,
            {},
            [SeenPost(p.network.value, p.post_id, p.post_key) for p in plans],
            [QueuedPlan(p, ordering_key(p)) for p in plans],
            now=self.runtime.clock(),
        )
        return self.push()

    def push(self) -> PushCounts:
        """Send what the outbox holds that is due (writes waiting for a retry stay)."""
        return push_pass(self.engine)

    def run_once(self) -> PassReport:
        """One pass of the configured sources, then push: ``sf-social sync --once``."""
        return sync_pass(self.engine)

    def status(self) -> StoreStatus:
        """The state: sources, outbox, dead letters, ledger (``sf-social status``)."""
        return self.runtime.store.status()

    def close(self) -> None:
        """Give back leased rows and the lock; close the store."""
        self.runtime.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def connect(
    config: Config | str | os.PathLike[str] | None = None,
    *,
    rebind: bool = False,
    login: Connect = connect_salesforce,
) -> SyncClient:
    """Log in and open the state as ``config`` says: a :class:`Config`, a config file's
    path, or ``None`` for ``$SF_SOCIAL_CONFIG`` and the environment.

    ``ConfigError`` names missing or invalid settings; ``StoreLockedError`` says which
    process holds the SQLite state; ``OtherOrgError`` refuses a state bound to another org
    unless ``rebind`` (which forgets what it wrote there).
    """
    if not isinstance(config, Config):
        config = load_config(None if config is None else Path(config))
    runtime = Runtime(config, rebind=rebind, connect=login)
    try:
        return SyncClient(runtime)
    except BaseException:
        runtime.close()
        raise
