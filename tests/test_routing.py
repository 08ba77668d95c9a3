"""Routing: rules by account, network, language and segment first (first match wins), then
the segment's team; the queue of each team; the review queue for no team."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sf_social.classification import Priority, Segment
from sf_social.classifier import RuleClassifier
from sf_social.playbook import Playbook, load_playbook
from sf_social.posts import SocialPost
from sf_social.routing import queue_for, response_due, route, routed_queues


def post(**fields: Any) -> SocialPost:
    return SocialPost.model_validate({"network": "twitter", "id": "1", "text": "x", **fields})


def with_rules(*rules: dict[str, Any]) -> Playbook:
    data = load_playbook().model_dump()
    data["routing"]["rules"] = [*rules, *data["routing"]["rules"]]
    return Playbook.model_validate(data)


def test_a_network_rule_routes_that_network_only() -> None:
    book = with_rules(
        {"when": {"network": "facebook", "segment": "Abuse"}, "team": "Customer Support"}
    )
    team, evidence = route(book, post(network="facebook"), Segment.ABUSE, False, "en")
    assert team == "Customer Support"
    assert evidence is not None and evidence.rule == "routing.rules[0]"
    assert "network=facebook" in evidence.detail
    assert route(book, post(), Segment.ABUSE, False, "en")[0] == "PR"  # Twitter: the default


def test_the_receiving_account_is_matched_in_any_case() -> None:
    book = load_playbook()
    team, _ = route(book, post(account="northwindhelp"), Segment.QUESTION, False, "en")
    assert team == "Technical Support"  # the support handle funnels questions to service
    assert route(book, post(account="NorthwindBank"), Segment.QUESTION, False, "en")[0] == (
        "Customer Support"
    )


def test_language_routes_spanish_requests_end_to_end() -> None:
    book = load_playbook()
    text = "@NorthwindHelp la app no funciona, no puedo depositar un cheque, error cada vez"
    c = RuleClassifier(book).classify(post(text=text, lang="es"))
    assert c.segment is Segment.REQUEST and c.team == "Spanish Support"
    assert queue_for(book, c.team) == "Social_Soporte_ES"


def test_first_match_wins_and_no_segment_means_no_team() -> None:
    book = with_rules(
        {"when": {"segment": "Fraud"}, "team": "PR"},
        {"when": {"segment": "Fraud"}, "team": "Sales"},
    )
    assert route(book, post(), Segment.FRAUD, False, "en")[0] == "PR"
    assert route(book, post(), None, False, "en") == (None, None)
    assert route(book, post(), None, True, "en")[0] == "Customer Support"  # complaint team
    assert queue_for(book, None) == "Social_Review"


def test_no_reply_is_due_past_the_end_of_the_calendar() -> None:
    """A time the post model would refuse still gives no OverflowError here."""
    last = datetime.max.replace(tzinfo=UTC)
    assert response_due(load_playbook(), last, None, Priority.HIGH) is None
    first = datetime(2026, 1, 1, tzinfo=UTC)
    due = response_due(load_playbook(), first, None, Priority.HIGH)
    assert due is not None and due > first


def test_routed_queues_name_every_queue_and_the_objects_it_owns() -> None:
    queues = routed_queues(load_playbook())
    assert len(queues) == 9 and queues["Social_Review"] == ("Case",)
    assert queues["Social_Sales"] == ("Case", "Lead")
    assert [q for q, objects in queues.items() if "Lead" in objects] == ["Social_Sales"]
    book = with_rules({"when": {"network": "facebook"}, "team": "PR"})
    assert routed_queues(book)["Social_PR"] == ("Case", "Lead")  # any segment: Leads too
