"""The sync engine: intake from sources into the local outbox, push from it to Salesforce.

``passes.sync_pass(engine)`` runs one pass; ``sf_social.sync.thread_rules`` holds the threading
rules as pure functions.
"""

from sf_social.sync.engine import PassReport, SyncEngine
from sf_social.sync.intake import Intake, IntakeCounts
from sf_social.sync.push import Push, PushCounts, PushPolicy

__all__ = [
    "Intake",
    "IntakeCounts",
    "PassReport",
    "Push",
    "PushCounts",
    "PushPolicy",
    "SyncEngine",
]
