"""Strangers' input is bounded (design rule 10): any value anywhere in a lead, a response, a
form or a notification is a rejection of that item at most, never a crash of the source."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sf_social.boundary import admit
from sf_social.errors import FeedLineError
from sf_social.lead_forms import to_post
from sf_social.sources.facebook.leadgen import leadgen_id
from sf_social.sources.facebook.leadgen import to_response as meta_response
from sf_social.sources.linkedin_api.lead_sync import to_response as li_response
from sf_social.sources.linkedin_api.lead_webhook import LinkedInLeadRoute
from sf_social.testing.graph_leads import GraphLeadsTwin
from sf_social.testing.linkedin_leads import LinkedInLeadsTwin
from tests.sources.fuzz import json_values

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _meta_lead() -> dict[str, Any]:
    twin = GraphLeadsTwin()
    lead_id = twin.add_lead("form1", {"email": "a@example.org"}, consents={"news": True})
    return twin.leads[lead_id]


def _linkedin() -> tuple[dict[str, Any], dict[str, Any]]:
    twin = LinkedInLeadsTwin()
    form = twin.add_form("Demo", questions=("Budget",))
    urn = twin.add_response(form, {"EMAIL": "a@example.org", "Budget": "1"}, consent=True)
    return twin.responses[urn.rsplit(":", 1)[-1]], twin.forms[form]


META = _meta_lead()
LI_RESPONSE, LI_FORM = _linkedin()


@FUZZ
@given(
    junk=json_values,
    key=st.sampled_from(["id", "form_id", "created_time", "field_data", "platform"]),
)
def test_meta_leads(junk: Any, key: str) -> None:
    lead = {**copy.deepcopy(META), key: junk}
    item = admit("meta", 1, "lead", lambda: to_post(meta_response(lead)))
    assert item is not None
    event = {"type": "change", "field": "leadgen", "value": junk}
    with contextlib.suppress(ValueError):  # the source rejects that event
        leadgen_id(event)


@FUZZ
@given(
    junk=json_values,
    key=st.sampled_from(["id", "submittedAt", "formResponse", "versionedLeadGenFormUrn", "owner"]),
    in_form=st.booleans(),
)
def test_linkedin_responses_and_forms(junk: Any, key: str, in_form: bool) -> None:
    response, form = copy.deepcopy(LI_RESPONSE), copy.deepcopy(LI_FORM)
    if in_form:
        form["content"] = {"questions": junk} if key == "formResponse" else junk
    else:
        response[key] = junk
    item = admit("linkedin", 1, "response", lambda: to_post(li_response(response, form)))
    assert item is not None


@FUZZ
@given(
    junk=json_values,
    key=st.sampled_from(["leadGenFormResponse", "leadAction", "type"]),
    valid=st.booleans(),
)
def test_linkedin_notifications(junk: Any, key: str, valid: bool) -> None:
    route = LinkedInLeadRoute("secret", lambda events: len(events))
    note = {"leadGenFormResponse": "urn:li:leadGenFormResponse:1", "leadAction": "CREATED"}
    with contextlib.suppress(ValueError):  # the receiver answers 400
        route.events({**note, key: junk} if valid else junk)


def test_a_good_lead_still_reads() -> None:
    assert not isinstance(
        admit("meta", 1, "lead", lambda: to_post(meta_response(META))), FeedLineError
    )
