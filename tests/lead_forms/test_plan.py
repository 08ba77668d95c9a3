"""Planning a lead form response: one Lead per person, a Task per response, consent, tests."""

from __future__ import annotations

from sf_social.lead_form_plan import plan_post, plan_response
from sf_social.lead_forms import LeadAnswer, LeadFormResponse, LeadFormRules, form_lead_key, to_post
from sf_social.playbook import Playbook, load_playbook
from sf_social.posts import Network
from sf_social.records import LeadRecord, TaskRecord
from tests.lead_forms.factory import response


def book(**rules: object) -> Playbook:
    playbook = load_playbook()
    return playbook.model_copy(update={"lead_forms": LeadFormRules.model_validate(rules)})


def test_a_response_is_a_lead_and_a_task_on_it() -> None:
    given = response("r1")
    plan = plan_response(given, load_playbook())
    lead, task = (w.record for w in plan.writes)
    assert isinstance(lead, LeadRecord) and isinstance(task, TaskRecord)
    assert plan.post_key == task.key == "linkedin:lead:r1"
    assert lead.key == form_lead_key(given)
    fields = lead.api_fields()
    assert {k: fields[k] for k in ("FirstName", "LastName", "Company", "Title")} == {
        "FirstName": "Jane",
        "LastName": "Doe",
        "Company": "Acme",
        "Title": "CTO",
    }
    assert (fields["Email"], fields["Phone"], fields["Country"]) == (
        "jane.doe@acme.example",
        "+49 30 1234",
        "DE",
    )
    assert fields["LeadSource"] == "LinkedIn Lead Gen Form"
    assert fields["LinkedIn_Lead_Activity__c"] == "Lead Form Submitted"
    assert plan.writes[0].owner_queue == "Social_Sales"
    assert task.who is not None and task.who.key == lead.key
    assert task.api_fields()["Status"] == "Completed"
    assert "job_title: CTO" in (task.description or "")
    assert plan.identity is not None and plan.identity.email == "jane.doe@acme.example"


def test_a_full_name_is_split_and_a_facebook_lead_has_its_source() -> None:
    given = LeadFormResponse(
        network=Network.FACEBOOK,
        id="9001",
        form_id="f9",
        answers=[
            LeadAnswer(question="full_name", value="Ana María López"),
            LeadAnswer(question="email", value="ana@example.org"),
        ],
    )
    lead = plan_response(given, load_playbook()).writes[0].record
    assert isinstance(lead, LeadRecord)
    assert lead.lead_source == "Facebook Lead Ad" and lead.linkedin_activity is None
    assert (lead.first_name, lead.last_name, lead.company) == (
        "Ana María",
        "López",
        "[not provided]",
    )


def test_custom_questions_go_to_named_fields_or_the_task() -> None:
    playbook = book(fields={"email": "Email", "budget": "Budget__c"})
    plan = plan_response(response(answers={"Budget": "10k", "Use case": "CRM"}), playbook)
    lead, task = (w.record for w in plan.writes)
    assert isinstance(lead, LeadRecord) and isinstance(task, TaskRecord)
    assert lead.api_fields()["Budget__c"] == "10k"
    assert "CRM" not in str(lead.api_fields())
    assert "use_case: CRM" in (task.description or "")


def test_a_declined_email_consent_opts_out_and_an_accepted_one_never_opts_in() -> None:
    playbook = book(email_consents=["Marketing emails"])
    declined = plan_response(response(consents={"marketing_emails": False}), playbook)
    lead = declined.writes[0].record
    assert isinstance(lead, LeadRecord) and lead.api_fields()["HasOptedOutOfEmail"] is True
    accepted = plan_response(response(consents={"marketing_emails": True}), playbook)
    assert "HasOptedOutOfEmail" not in accepted.writes[0].record.api_fields()
    other = plan_response(response(consents={"privacy_policy": False}), playbook)
    assert "HasOptedOutOfEmail" not in other.writes[0].record.api_fields()


def test_a_test_lead_is_planned_with_no_writes_and_the_reason() -> None:
    plan = plan_response(response(test=True), load_playbook())
    assert plan.writes == []
    assert plan.notes == ["test lead skipped: LinkedIn flags it a test lead"]


def test_a_lead_form_post_without_a_valid_response_plans_nothing_and_says_why() -> None:
    post = to_post(response("r1"))
    forged = post.model_copy(update={"id": "lead:r2"})  # the answers of another response
    plan = plan_post(forged, load_playbook())
    assert plan.writes == [] and plan.post_key == "linkedin:lead:r2"
    assert plan.notes[0].startswith("not planned: post linkedin:lead:r2 carries the response")
    broken = post.model_copy(update={"raw": {"lead_form": {"id": "r1"}}})
    assert plan_post(broken, load_playbook()).notes[0].startswith("not planned:")
