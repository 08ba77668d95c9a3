"""The Facebook poster against the local Graph twin: what a key names, Graph's errors read
by the shared hook (which are final, which keep a reply waiting)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sf_social.errors import SourceApiError, SourceAuthError, SourceRateLimitError
from sf_social.retry import RetryPolicy
from sf_social.social_reply import Cleared, ReplyRefusal, ReplyStatus, SocialReply
from sf_social.sources.facebook.graph import PageToken
from sf_social.sources.facebook.replies import FacebookPoster
from sf_social.testing.graph_posting import GraphPostingTwin

PAGE = "300"


@pytest.fixture
def twin() -> Iterator[GraphPostingTwin]:
    twin = GraphPostingTwin(page_id=PAGE)
    twin.add_post(f"{PAGE}_1", author=PAGE)
    twin.add_comment("1_7", on=f"{PAGE}_1", author="42", text="late parcel")
    with twin.mock():
        yield twin


def poster() -> FacebookPoster:
    return FacebookPoster(PageToken("page-token"), PAGE, policy=RetryPolicy.instant())


def reply(key: str, body: str = "We're on it.") -> SocialReply:
    return SocialReply("a0X1", None, f"facebook:{key}", body, ReplyStatus.APPROVED)


def test_a_message_id_is_answered_to_its_sender_found_after_an_unknown_outcome(
    twin: GraphPostingTwin,
) -> None:
    mid = twin.add_message("4242", "hello?", at=datetime.now(UTC) - timedelta(hours=1))
    page = poster()
    answer = reply(mid)

    cleared = page.check(answer)
    assert isinstance(cleared, Cleared)
    posted = page.post(answer, cleared)

    assert [m.author for m in twin.conversations["4242"]] == ["4242", PAGE]
    assert page.find(answer, cleared) == posted
    assert page.find(answer, None) == posted  # after a crash: the same lookup
    assert page.find(reply(mid, "another text"), None) is None


def test_graph_errors_read_as_final_or_waiting(twin: GraphPostingTwin) -> None:
    page = poster()
    comment = reply("1_7")
    errors: list[SourceApiError] = []
    for how in ("permission", "rate", "500", "551"):
        cleared = page.check(comment)
        assert isinstance(cleared, Cleared)
        twin.fail_next(how)
        with pytest.raises(SourceApiError) as caught:
            page.post(comment, cleared)
        errors.append(caught.value)

    permission, rate, server, unavailable = errors
    assert isinstance(permission, SourceAuthError)
    assert "pages_manage_engagement" in str(permission)
    assert isinstance(rate, SourceRateLimitError)
    assert (page.unknown(server), page.unknown(unavailable)) == (True, False)
    assert twin.calls.count("POST /{id}/comments") == 4  # one attempt each
    assert twin.created == []


def test_a_duplicate_comment_of_the_page_is_final(twin: GraphPostingTwin) -> None:
    page = poster()
    first = reply("1_7")
    cleared = page.check(first)
    assert isinstance(cleared, Cleared)
    page.post(first, cleared)
    again = page.check(first)
    assert isinstance(again, Cleared)

    with pytest.raises(SourceApiError, match="Duplicate status message") as caught:
        page.post(first, again)

    assert not page.unknown(caught.value)
    assert len(twin.created) == 1


def test_a_too_long_comment_is_refused_before_any_call(twin: GraphPostingTwin) -> None:
    refusal = poster().check(reply("1_7", "x" * 8001))

    assert refusal == ReplyRefusal("8001 characters, a Facebook comment holds 8000")
    assert twin.calls == []
