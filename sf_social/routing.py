"""Which team handles a post, which queue owns its record, and when a reply is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sf_social.classification import Evidence, Priority, Segment
from sf_social.playbook import Playbook, RouteCondition
from sf_social.posts import SocialPost


def route(
    playbook: Playbook,
    post: SocialPost,
    segment: Segment | None,
    complaint: bool,
    language: str | None,
) -> tuple[str | None, Evidence | None]:
    """The team for a classified post: routing rules first, then the segment's team."""
    if segment is None and not complaint:
        return None, None
    for index, rule in enumerate(playbook.routing.rules):
        if _matches(rule.when, post, segment, language):
            detail = ", ".join(
                f"{k}={v}" for k, v in rule.when.model_dump(exclude_none=True).items()
            )
            return rule.team, Evidence(
                field="team", value=rule.team, rule=f"routing.rules[{index}]", detail=detail
            )
    if segment is not None:
        team = playbook.routing.segments[segment]
        return team, Evidence(field="team", value=team, rule=f"routing.segments.{segment.value}")
    team = playbook.routing.complaint_team
    return team, Evidence(field="team", value=team, rule="routing.complaint_team")


def _matches(
    when: RouteCondition, post: SocialPost, segment: Segment | None, language: str | None
) -> bool:
    checks = (
        (when.account, (post.account or "").lower(), str.lower),
        (when.network, post.network, None),
        (when.language, language or "", str.lower),
        (when.segment, segment, None),
    )
    for wanted, actual, fold in checks:
        if wanted is None:
            continue
        if (fold(wanted) if fold and isinstance(wanted, str) else wanted) != actual:
            return False
    return True


def queue_for(playbook: Playbook, team: str | None) -> str:
    """The queue (DeveloperName) owning records of ``team``; the review queue for None."""
    return playbook.routing.teams[team] if team is not None else playbook.routing.review_queue


def routed_queues(playbook: Playbook) -> dict[str, tuple[str, ...]]:
    """Every queue the playbook routes to → the objects it must accept, sorted.

    Any team's queue and the review queue may own a Case; a Lead goes to the team its
    segment or a rule without another segment picks, and LinkedIn activity to ``Sales``.
    """
    routing = playbook.routing
    lead_teams = {routing.segments[Segment.LEAD], "Sales"}
    lead_teams |= {r.team for r in routing.rules if r.when.segment in (None, Segment.LEAD)}
    queues: dict[str, set[str]] = {
        q: {"Case"} for q in (*routing.teams.values(), routing.review_queue)
    }
    for team in lead_teams & set(routing.teams):
        queues[routing.teams[team]].add("Lead")
    return {q: tuple(sorted(objects)) for q, objects in sorted(queues.items())}


def response_due(
    playbook: Playbook, created_at: datetime | None, segment: Segment | None, priority: Priority
) -> datetime | None:
    """When the first reply is due: the segment's target, else the priority's (in business
    minutes when the playbook sets business hours)."""
    if created_at is None:
        return None
    targets = playbook.response_targets
    minutes = (targets.by_segment.get(segment) if segment else None) or targets.by_priority.get(
        priority
    )
    if not minutes:
        return None
    if targets.business_hours is not None:
        return targets.business_hours.add_minutes(created_at, minutes)
    try:
        return created_at + timedelta(minutes=minutes)
    except OverflowError:  # a time at the calendar's end: no reply is due then
        return None
