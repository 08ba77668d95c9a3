"""The LinkedIn poster against the local twin: the comment URN it records, and LinkedIn's
answers without one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from sf_social.errors import SourceApiError
from sf_social.retry import RetryPolicy
from sf_social.social_reply import Cleared, ReplyRefusal, ReplyStatus, SocialReply
from sf_social.sources.linkedin_api.client import LinkedInCredentials
from sf_social.sources.linkedin_api.replies import LinkedInPoster
from sf_social.testing.linkedin_posting import LinkedInPostingTwin

ORG = "urn:li:organization:5"
SHARE = "urn:li:share:7001"


@pytest.fixture
def twin() -> Iterator[LinkedInPostingTwin]:
    twin = LinkedInPostingTwin(organization=ORG)
    twin.add_post(SHARE, author=ORG)
    with twin.mock():
        yield twin


def poster() -> LinkedInPoster:
    return LinkedInPoster(LinkedInCredentials("linkedin-token"), ORG, policy=RetryPolicy.instant())


def reply(body: str = "Thanks, we're on it.") -> SocialReply:
    return SocialReply("a0X1", None, f"linkedin:{SHARE}", body, ReplyStatus.APPROVED)


def test_the_posted_id_is_the_comment_urn_the_page_source_keys_it_by(
    twin: LinkedInPostingTwin,
) -> None:
    page = poster()

    assert page.check(reply()) == Cleared()
    posted = page.post(reply(), Cleared())

    assert twin.created == [posted.id]
    assert posted.id == f"urn:li:comment:({SHARE},{twin.comments[0].id})"
    assert page.find(reply(), None) == posted


def test_an_answer_without_a_body_is_read_from_x_restli_id() -> None:
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            f"https://api.linkedin.com/rest/socialActions/{SHARE.replace(':', '%3A')}/comments",
            status=201,
            headers={"x-restli-id": "6001"},
        )
        posted = poster().post(reply(), Cleared())

    assert posted.id == f"urn:li:comment:({SHARE},6001)"


def test_a_comment_too_long_for_linkedin_is_refused_before_any_call(
    twin: LinkedInPostingTwin,
) -> None:
    refusal = poster().check(reply("x" * 1251))

    assert isinstance(refusal, ReplyRefusal) and "a LinkedIn comment holds 1250" in refusal.reason
    assert twin.calls == []


def test_a_404_post_is_final(twin: LinkedInPostingTwin) -> None:
    page = poster()
    ghost = SocialReply("a0X2", None, "linkedin:urn:li:share:1", "hi", ReplyStatus.APPROVED)

    with pytest.raises(SourceApiError) as caught:
        page.post(ghost, Cleared())

    assert caught.value.status == 404 and not page.unknown(caught.value)
