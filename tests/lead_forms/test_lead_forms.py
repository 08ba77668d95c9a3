"""The lead form response model and the playbook's lead_forms rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sf_social.lead_forms import (
    LeadFormResponse,
    LeadFormRules,
    form_lead_key,
    from_post,
    question_key,
    to_post,
)
from sf_social.posts import Network, PostKind
from sf_social.privacy import email_digest
from tests.lead_forms.factory import response


def test_questions_are_keyed_alike_whatever_the_network_spells() -> None:
    assert question_key("FIRST_NAME") == question_key("First name") == "first_name"
    assert question_key("phone-number") == "phone_number"


def test_one_person_one_key_across_forms_and_networks() -> None:
    linkedin = response("r1", email="Jane.Doe@Acme.example ")
    facebook = response("9001", network=Network.FACEBOOK, email="jane.doe@acme.example")
    assert form_lead_key(linkedin) == form_lead_key(facebook)
    assert form_lead_key(linkedin) == f"leadform:email:{email_digest('jane.doe@acme.example')}"
    assert "jane" not in form_lead_key(linkedin)  # no personal data in keys or logs


def test_without_an_email_the_lead_is_the_responses() -> None:
    assert form_lead_key(response("r7", email=None)) == "leadform:linkedin:r7"


def test_a_response_travels_as_a_lead_form_post_and_back() -> None:
    original = response("r1", consents={"marketing": False})
    post = to_post(original)
    assert (post.kind, post.id) == (PostKind.LEAD_FORM, "lead:r1")
    assert from_post(post) == original


def test_another_post_carries_no_response() -> None:
    post = to_post(response()).model_copy(update={"kind": PostKind.POST})
    with pytest.raises(ValueError, match="carries no lead form response"):
        from_post(post)


def test_bounds_hold_for_strangers_input() -> None:
    with pytest.raises(ValidationError):
        response(answers={"note": "x" * 4_001})
    with pytest.raises(ValidationError, match="no letter or digit"):
        response(answers={"???": "x"})


@pytest.mark.parametrize(
    ("rules", "given", "why"),
    [
        (LeadFormRules(), response(test=True), "LinkedIn flags it a test lead"),
        (LeadFormRules(test_forms=["f1"]), response(), "form f1 is a test form"),
        (LeadFormRules(test_emails=["*@acme.example"]), response(), "is a test address"),
    ],
)
def test_test_submissions_are_recognised(
    rules: LeadFormRules, given: LeadFormResponse, why: str
) -> None:
    reason = rules.test_reason(given)
    assert reason is not None and why in reason


def test_a_real_submission_is_no_test() -> None:
    assert LeadFormRules(test_emails=["qa@acme.example"]).test_reason(response()) is None


def test_unknown_targets_and_our_own_fields_are_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="no Lead field a form can fill"):
        LeadFormRules(fields={"budget": "Budget"})
    with pytest.raises(ValidationError, match="written by the sync itself"):
        LeadFormRules(fields={"handle": "Social_Handle__c"})
    assert LeadFormRules(fields={"Budget": "Budget__c"}).target("BUDGET") == "Budget__c"
