"""sf_social: social posts, classified by the playbook, planned as Salesforce records.

::

    import sf_social

    pipeline = sf_social.Pipeline(sf_social.load_playbook())  # the bundled playbook
    with open("posts.jsonl", "rb") as feed:
        for post in sf_social.read_feed(feed):
            if isinstance(post, sf_social.SocialPost):
                plan = pipeline.plan(post)  # plan.classification, plan.writes

    with sf_social.connect("sf-social.toml") as sync:  # the org, the state: as the CLI
        sync.send(sf_social.read_feed("posts.jsonl"))

These names are the library's public API; the sub-packages hold the rest (``sync``,
``salesforce``, ``sources``, ``config``). The local Salesforce org for tests is
``sf_social.testing.LocalOrg``. Each name is imported on first use (PEP 562), so
``import sf_social`` and ``sf-social --help`` do not load pydantic, SQLAlchemy or the
playbook.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sf_social.classification import (
        Classification,
        Evidence,
        InfluenceTier,
        ListeningTopic,
        Priority,
        Segment,
        Sentiment,
        SourceTag,
        UserClass,
    )
    from sf_social.classifier import Classifier, RuleClassifier
    from sf_social.errors import (
        ConfigError,
        InputError,
        SalesforceError,
        SfSocialError,
        SourceApiError,
        StateError,
    )
    from sf_social.feed import read_feed
    from sf_social.pipeline import Pipeline, classifier_for
    from sf_social.plan import PlannedWrite, RecordPlan
    from sf_social.playbook import Playbook, load_playbook
    from sf_social.posts import Author, Direction, Network, PostKind, SocialPost
    from sf_social.records import CaseRecord, ContactRecord, LeadRecord, TaskRecord
    from sf_social.state import StateStore, open_store
    from sf_social.sync.client import SyncClient, connect

_HOMES: dict[str, tuple[str, ...]] = {
    "sf_social.posts": ("Author", "Direction", "Network", "PostKind", "SocialPost"),
    "sf_social.classification": (
        "Classification",
        "Evidence",
        "InfluenceTier",
        "ListeningTopic",
        "Priority",
        "Segment",
        "Sentiment",
        "SourceTag",
        "UserClass",
    ),
    "sf_social.classifier": ("Classifier", "RuleClassifier"),
    "sf_social.playbook": ("Playbook", "load_playbook"),
    "sf_social.pipeline": ("Pipeline", "classifier_for"),
    "sf_social.plan": ("PlannedWrite", "RecordPlan"),
    "sf_social.records": ("CaseRecord", "ContactRecord", "LeadRecord", "TaskRecord"),
    "sf_social.feed": ("read_feed",),
    "sf_social.errors": (
        "ConfigError",
        "InputError",
        "SalesforceError",
        "SfSocialError",
        "SourceApiError",
        "StateError",
    ),
    "sf_social.state": ("StateStore", "open_store"),
    "sf_social.sync.client": ("SyncClient", "connect"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Author",
    "CaseRecord",
    "Classification",
    "Classifier",
    "ConfigError",
    "ContactRecord",
    "Direction",
    "Evidence",
    "InfluenceTier",
    "InputError",
    "LeadRecord",
    "ListeningTopic",
    "Network",
    "Pipeline",
    "PlannedWrite",
    "Playbook",
    "PostKind",
    "Priority",
    "RecordPlan",
    "RuleClassifier",
    "SalesforceError",
    "Segment",
    "Sentiment",
    "SfSocialError",
    "SocialPost",
    "SourceApiError",
    "SourceTag",
    "StateError",
    "StateStore",
    "SyncClient",
    "TaskRecord",
    "UserClass",
    "classifier_for",
    "connect",
    "load_playbook",
    "open_store",
    "read_feed",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'sf_social' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
