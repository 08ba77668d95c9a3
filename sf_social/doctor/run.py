"""All the checks of one configuration, in order: Salesforce, sources, lead forms, replies,
state."""

from __future__ import annotations

from collections.abc import Mapping

from sf_social.config import Config
from sf_social.config.sources import SourceConfig
from sf_social.doctor.leads import lead_checks
from sf_social.doctor.replies import reply_checks
from sf_social.doctor.report import Check, fail
from sf_social.doctor.salesforce import salesforce_checks
from sf_social.doctor.sources import source_checks
from sf_social.doctor.state import state_checks
from sf_social.errors import PlaybookError
from sf_social.playbook import Playbook, load_playbook


def run_checks(
    config: Config, env: Mapping[str, str], *, starting: bool = False, rebind: bool = False
) -> list[Check]:
    """Every check; ``starting``: the daemon's own start-up (a held lock is then a failure);
    ``rebind``: a store bound to another org is about to be rebound (not a failure)."""
    checks: list[Check] = []
    try:
        playbook: Playbook | None = load_playbook(config.playbook)
    except PlaybookError as exc:
        fix = "fix the playbook (`sf-social classify --playbook FILE` names each problem)"
        checks.append(fail("config", "playbook", str(exc), fix))
        playbook = None
    org_checks, org_id = salesforce_checks(
        config.salesforce, playbook, replies=config.replies.enabled
    )
    checks += org_checks

    def playbook_of(source: SourceConfig) -> Playbook:
        own = getattr(source, "playbook", None)
        return load_playbook(own) if own else playbook or load_playbook()

    checks += source_checks(config.sources, playbook_of, env)
    checks += lead_checks(env)
    checks += reply_checks(config.replies, env)
    checks += state_checks(
        config.db_url, config.db_schema, org_id, starting=starting, rebind=rebind
    )
    return checks
