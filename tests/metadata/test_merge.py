"""merge_values: the org's values are never lost, reordered or deactivated; ours once each."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sf_social.metadata.merge import (
    MatchKind,
    PicklistValue,
    ValueSetMerge,
    match_key,
    merge_values,
)

V = PicklistValue
OURS_CASE_ORIGIN = [
    V(n) for n in ("Twitter", "Facebook", "LinkedIn", "Instagram", "YouTube", "Social Media")
]


def names(merge: ValueSetMerge) -> list[str]:
    return [v.full_name for v in merge.values]


def test_case_origin_with_custom_values_keeps_org_order_and_default() -> None:
    org = [
        V("Phone", default=True),
        V("Email"),
        V("Web"),
        V("Partner Portal", extra=(("description", "from the partner site"),)),
        V("Chat", "Live Chat", extra=(("color", "#00A1E0"),)),
    ]
    merge = merge_values("CaseOrigin", org, OURS_CASE_ORIGIN)

    assert merge.values[:5] == tuple(org)
    assert names(merge)[5:] == [v.full_name for v in OURS_CASE_ORIGIN]
    assert [v.full_name for v in merge.values if v.default] == ["Phone"]
    assert all(v.active for v in merge.values[5:])
    assert merge.added == tuple(v.full_name for v in OURS_CASE_ORIGIN)
    assert merge.reused == ()
    assert merge.org_only == ("Phone", "Email", "Web", "Partner Portal", "Chat")
    assert merge.changes_org


def test_lowercase_org_value_is_reused_as_the_org_spells_it_and_reported() -> None:
    org = [V("Phone", default=True), V("twitter", "twitter"), V("Web")]
    merge = merge_values("CaseOrigin", org, OURS_CASE_ORIGIN)

    assert names(merge)[:3] == ["Phone", "twitter", "Web"]
    assert "Twitter" not in names(merge)
    assert [match_key(n) for n in names(merge)].count("twitter") == 1
    (reuse,) = merge.respelled
    assert (reuse.ours, reuse.org_name, reuse.how) == ("Twitter", "twitter", MatchKind.CASE)
    assert "Twitter" not in merge.added


def test_inactive_social_media_is_reactivated_not_duplicated() -> None:
    org = [V("Phone"), V("Social Media", active=False, extra=(("color", "#FF0000"),)), V("Web")]
    merge = merge_values("CaseOrigin", org, OURS_CASE_ORIGIN)

    social = merge.values[1]
    assert social == V("Social Media", active=True, extra=(("color", "#FF0000"),))
    assert names(merge).count("Social Media") == 1
    assert merge.reactivated == ("Social Media",)
    assert merge.respelled == ()  # exact API name: nothing to tell beyond the re-activation
    assert "Social Media" not in merge.added


def test_value_known_by_label_only_is_reused_under_the_org_api_name() -> None:
    org = [V("Web"), V("Social", "Social Media"), V("FB", "facebook")]
    merge = merge_values("LeadSource", org, [V("Twitter"), V("Social Media"), V("Facebook")])

    assert names(merge) == ["Web", "Social", "FB", "Twitter"]
    assert {(r.ours, r.org_name, r.how) for r in merge.respelled} == {
        ("Social Media", "Social", MatchKind.LABEL),
        ("Facebook", "FB", MatchKind.LABEL),
    }
    assert merge.added == ("Twitter",)


def test_lead_source_shared_with_account_source_keeps_every_value() -> None:
    # One list serves Lead.LeadSource and Account.AccountSource: losing a value breaks both.
    org = [
        V("Advertisement"),
        V("Employee Referral"),
        V("External Referral"),
        V("Partner"),
        V("Public Relations"),
        V("Seminar - Internal"),
        V("Seminar - Partner"),
        V("Trade Show"),
        V("Web", default=True),
        V("Word of mouth"),
        V("Other"),
        V("Purchased List", active=False),
    ]
    ours = [V("Twitter"), V("LinkedIn"), V("Facebook"), V("Social Media")]
    merge = merge_values("LeadSource", org, ours)

    assert merge.values[: len(org)] == tuple(org)
    assert not merge.values[len(org) - 1].active  # an inactive value we don't need stays so
    assert "Purchased List" not in merge.org_only  # already inactive: nothing to lose
    assert len(merge.org_only) == len(org) - 1
    assert names(merge)[len(org) :] == ["Twitter", "LinkedIn", "Facebook", "Social Media"]


def test_url_encoded_org_spelling_matches_our_plain_value() -> None:
    org = [V("1%2C000%2B Followers", "1,000+ Followers")]
    merge = merge_values("Lead.Social_Influence_Tier__c", org, [V("1,000+ Followers")])
    assert names(merge) == ["1%2C000%2B Followers"]
    assert merge.added == ()


def test_nothing_to_do_when_the_org_has_everything() -> None:
    org = [V(v.full_name) for v in OURS_CASE_ORIGIN]
    merge = merge_values("CaseOrigin", org, OURS_CASE_ORIGIN)
    assert merge.values == tuple(org)
    assert not merge.changes_org


def test_ours_never_sets_a_default_and_sorted_flag_is_the_orgs() -> None:
    merge = merge_values("TaskType", [V("Call")], [V("Tweet", default=True)], sorted=True)
    assert [v.default for v in merge.values] == [False, False]
    assert merge.sorted


def test_repeated_value_of_ours_is_added_once() -> None:
    merge = merge_values("TaskSubject", [], [V("Tweet"), V("tweet"), V("Tweeted")])
    assert names(merge) == ["Tweet", "Tweeted"]


def test_active_org_value_preferred_over_inactive_twin() -> None:
    org = [V("twitter", active=False), V("TWITTER")]
    merge = merge_values("CaseOrigin", org, [V("Twitter")])
    assert merge.values == tuple(org)
    assert merge.reactivated == ()
    assert merge.reused[0].org_name == "TWITTER"


# --- properties -----------------------------------------------------------------------------

_word = st.text(alphabet="abcXYZ %,+-", min_size=1, max_size=6).filter(lambda s: s.strip())


@st.composite
def org_lists(draw: st.DrawFn) -> list[PicklistValue]:
    """Realistic org lists: no two values share an API name or label, ignoring case."""
    values: list[PicklistValue] = []
    taken: set[str] = set()
    for _ in range(draw(st.integers(0, 8))):
        full_name = draw(_word)
        label = draw(st.one_of(st.just(full_name), _word))
        keys = {match_key(full_name), match_key(label)}
        if keys & taken:
            continue
        taken |= keys
        values.append(V(full_name, label, active=draw(st.booleans())))
    with_default = draw(st.booleans())
    if values and with_default:
        index = draw(st.integers(0, len(values) - 1))
        values[index] = V(values[index].full_name, values[index].label, default=True)
    return values


ours_lists = st.lists(st.builds(V, _word), max_size=6)


def matches(value: PicklistValue, ours: PicklistValue) -> bool:
    keys = {match_key(ours.full_name), match_key(ours.label)}
    return bool({match_key(value.full_name), match_key(value.label)} & keys)


@given(org_lists(), ours_lists)
def test_every_org_value_kept_in_order_only_ever_activated(
    org: list[PicklistValue], ours: list[PicklistValue]
) -> None:
    merged = merge_values("X", org, ours).values
    assert len(merged) >= len(org)
    for before, after in zip(org, merged, strict=False):
        assert after.full_name == before.full_name
        assert after.label == before.label
        assert after.extra == before.extra
        assert after.default == before.default
        assert after.active or not before.active


@given(org_lists(), ours_lists)
def test_defaults_are_the_orgs(org: list[PicklistValue], ours: list[PicklistValue]) -> None:
    merged = merge_values("X", org, ours).values
    assert [v.full_name for v in merged if v.default] == [v.full_name for v in org if v.default]


@given(org_lists(), ours_lists)
def test_each_of_ours_present_exactly_once_and_active(
    org: list[PicklistValue], ours: list[PicklistValue]
) -> None:
    merge = merge_values("X", org, ours)
    for value in ours:
        found = [v for v in merge.values if matches(v, value)]
        in_org = sum(matches(v, value) for v in org)
        assert len(found) == max(1, in_org)  # added only when the org lacks it
        assert any(v.active for v in found)


@given(org_lists(), ours_lists)
def test_reported_changes_account_for_every_difference(
    org: list[PicklistValue], ours: list[PicklistValue]
) -> None:
    merge = merge_values("X", org, ours)
    new = [v.full_name for v in merge.values[len(org) :]]
    assert list(merge.added) == new
    flipped = [b.full_name for b, a in zip(org, merge.values, strict=False) if a != b]
    assert sorted(merge.reactivated) == sorted(flipped)
