"""Identity per network (issue 12, part 4), against the local org emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sf_social.plan import AuthorIdentity, RecordPlan
from sf_social.posts import Network
from sf_social.salesforce.identity import IdentityCache, probes
from sf_social.salesforce.soql import select_in
from sf_social.testing import LocalOrg
from tests.salesforce.plans import praise_plan
from tests.salesforce.test_writer_emulator import connect, new_org


@pytest.fixture
def org() -> Iterator[LocalOrg]:
    org = new_org()
    with org.mock():
        yield org


def as_author(plan: RecordPlan, **identity: object) -> RecordPlan:
    return plan.model_copy(update={"identity": AuthorIdentity(**identity)})


def who(org: LocalOrg, post: str) -> object:
    [task] = org.find("Task", "Social_Post_Key__c", f"twitter:{post}")
    return task["WhoId"]


def test_a_handle_of_another_network_is_not_the_customer(org: LocalOrg) -> None:
    contact = org.insert("Contact", LastName="Lee", Twitter_Handle__c="lee", Social_Handle__c="lee")
    plans = [
        as_author(praise_plan("1"), network=Network.INSTAGRAM, handle="lee"),
        as_author(praise_plan("2"), network=Network.LINKEDIN, handle="lee"),
        as_author(praise_plan("3"), network=Network.TWITTER, handle="@LEE"),
    ]
    report = connect(org).write(plans)
    assert not [o for o in report.outcomes if o.failure]
    assert who(org, "1") is None and who(org, "2") is None
    assert who(org, "3") == contact  # the X handle on X, without case


def test_networks_without_a_key_field_match_by_email_only(org: LocalOrg) -> None:
    contact = org.insert("Contact", LastName="Lee", Email="Lee@Example.com", Social_Handle__c="x")
    plans = [
        as_author(praise_plan("1"), network=Network.INSTAGRAM, handle="x"),
        as_author(praise_plan("2"), network=Network.INSTAGRAM, handle="y", email="lee@example.COM"),
    ]
    connect(org).write(plans)
    assert who(org, "1") is None
    assert who(org, "2") == contact
    assert plans[0].identity is not None
    assert [field for _, field, _ in probes(plans[0].identity)] == []


def test_our_keys_are_compared_with_case(org: LocalOrg) -> None:
    upper = org.insert("Contact", LastName="A", LinkedIn_Profile_Key__c="linkedin:profile:Ann")
    lower = org.insert("Contact", LastName="B", LinkedIn_Profile_Key__c="linkedin:profile:ann")
    plans = [
        as_author(praise_plan("1"), network=Network.LINKEDIN, lead_key="linkedin:profile:ann"),
        as_author(praise_plan("2"), network=Network.LINKEDIN, lead_key="linkedin:profile:Ann"),
        as_author(praise_plan("3"), network=Network.LINKEDIN, lead_key="linkedin:profile:ANN"),
    ]
    connect(org).write(plans)
    assert (who(org, "1"), who(org, "2"), who(org, "3")) == (lower, upper, None)


def test_select_in_keeps_keys_that_differ_only_in_case() -> None:
    keys = ["linkedin:profile:Ab", "linkedin:profile:ab", "linkedin:profile:ab"]
    [exact] = select_in("Lead", ["Id"], {"K__c": keys}, exact={"K__c"})
    assert "'linkedin:profile:Ab','linkedin:profile:ab')" in exact
    [folded] = select_in("Contact", ["Id"], {"Email": ["A@x.com", "a@X.com"]})
    assert folded.count("@") == 1


def test_case_sensitive_keys_are_both_looked_up(org: LocalOrg) -> None:
    """Two Leads whose keys differ only in case: both exist, neither is treated as new."""
    cache = IdentityCache()
    missing = cache.missing(
        [
            AuthorIdentity(network=Network.LINKEDIN, lead_key="linkedin:profile:Ab"),
            AuthorIdentity(network=Network.LINKEDIN, lead_key="linkedin:profile:ab"),
        ]
    )
    assert sorted(missing["LinkedIn_Profile_Key__c"]) == [
        "linkedin:profile:Ab",
        "linkedin:profile:ab",
    ]


def test_a_handle_with_control_characters_is_looked_up_by_its_unicode_escapes(
    org: LocalOrg,
) -> None:
    """The writer's ``\\uXXXX`` escapes are SOQL (the local org refused them before)."""
    contact = org.insert("Contact", LastName="Lee", Twitter_Handle__c="a\x00b\x1f")
    report = connect(org).write([praise_plan("1", handle="a\x00b\x1f")])
    assert not [o for o in report.outcomes if o.failure]
    assert who(org, "1") == contact


@pytest.mark.parametrize("hostile", ["\ud800x", "\u00e9" * 120_000])
def test_a_failed_contact_lookup_fails_only_the_posts_that_needed_it(
    org: LocalOrg, hostile: str
) -> None:
    contact = org.insert("Contact", LastName="Lee", Twitter_Handle__c="lee")
    plans = [praise_plan(str(i), handle=h) for i, h in enumerate(["ok", "lee", hostile, "pat"])]
    report = connect(org).write(plans)
    failed = {o.key for o in report.outcomes if o.failure}
    assert failed == {"twitter:2"}
    assert who(org, "1") == contact
    assert org.count("Task") == 3
