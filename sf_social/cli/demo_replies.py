"""The demo's last act: a complaint answered from Salesforce, posted once, timed.

1. A complaint tweeted 7 minutes ago arrives: the sync opens its Case, with the playbook's
   suggested reply and whether a reply needs an approver.
2. An agent writes the reply on the Case (what the "Social Reply" quick action makes),
   an approver sets it Approved.
3. The reply job posts it on X — the local twin of X's posting API
   (:class:`~sf_social.testing.x_posting.XPostingTwin`) — and writes back Sent, the posted
   id and URL, and the outbound Task on the Case.
4. The account's own posts are read back, as the own-posts stream would: the reply upserts
   the same Task (no second one) and sets the Case's first response and minutes to respond.
   A second pass of the reply job posts nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import responses

from sf_social.playbook import Playbook
from sf_social.salesforce.rest import RestOrgApi
from sf_social.sync.replies import ReplyJob
from sf_social.testing import LocalOrg
from sf_social.testing.x_posting import XPostingTwin, twin_poster

ACCOUNT_ID = "100"
"""The brand's X account (user id) on the local X."""
COMPLAINT_ID = "1870000000000000001"
WAITED = timedelta(minutes=7)
COMPLAINT = (
    "@NorthwindHelp you charged my card twice for one transfer and nobody answers."
    " Ridiculous. I want my money back"
)


def answer_a_complaint(
    org: LocalOrg,
    org_url: str,
    api: RestOrgApi,
    sync: Callable[[Path], Any],
    folder: Path,
    playbook: Playbook,
    echo: Callable[[str], None],
) -> bool:
    """Run the act against ``org`` (served at ``org_url``, reached through ``api``;
    ``sync(feed)`` runs one sync pass over a JSONL feed); ``True`` when the reply was posted
    once and the Case timed."""
    handle = playbook.brand.accounts[0].lstrip("@")
    now = datetime.now(UTC).replace(microsecond=0)
    complaint = _post(COMPLAINT_ID, "4242", "dana_k", COMPLAINT, now - WAITED)
    sync(_feed(folder / "complaint.jsonl", complaint))
    case = _one(org, "Case", "Social_Thread_Key__c", f"twitter:thread:{COMPLAINT_ID}")
    waived = case.get("Social_Reply_Approval_Waived__c")
    echo("run 4: a complaint answered from Salesforce")
    echo(f"  a complaint arrives ({WAITED.seconds // 60} minutes ago): {COMPLAINT[:60]}...")
    echo(
        f"  Case {case['CaseNumber']}: {case['Social_Segment__c'] or 'no segment'},"
        f" complaint {case['Social_Complaint__c']}, priority {case['Priority']},"
        f" reply {'approved by its writer' if waived else 'needs an approver'}"
    )

    twin = XPostingTwin(me=ACCOUNT_ID)
    twin.add_post(COMPLAINT_ID, author_id="4242", text=COMPLAINT, mentions=(ACCOUNT_ID,))
    reply_id = org.insert(
        "Social_Reply__c",
        Case__c=case["Id"],
        Reply_To_Key__c=f"twitter:{COMPLAINT_ID}",
        Body__c=case["Social_Suggested_Reply__c"],
        Status__c="Draft",
    )
    echo(f"  an agent drafts the suggested reply: {case['Social_Suggested_Reply__c'][:60]}...")
    org.update_record("Social_Reply__c", reply_id, Status__c="Approved")
    echo("  an approver sets it Approved")

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(org_url)
    with mock, twin.mock(mock):
        job = ReplyJob(api, api, [twin_poster(ACCOUNT_ID)])
        first, again = job.run_once(), job.run_once()
    reply = _one(org, "Social_Reply__c", "Id", reply_id)
    echo(
        f"  the reply job posts it: {reply['Status__c']}, {reply['Posted_URL__c']}"
        f" ({first.sent} sent; a second pass: {again.sent} sent)"
    )

    posted = twin.posts[reply["Posted_Id__c"]]
    ours = _post(posted.id, ACCOUNT_ID, handle, posted.text, now, reply_to=COMPLAINT_ID)
    sync(_feed(folder / "own-posts.jsonl", ours))
    case = _one(org, "Case", "Id", case["Id"])
    tasks = org.find("Task", "Social_Post_Key__c", f"twitter:{posted.id}")
    minutes, due = case.get("Social_Response_Minutes__c"), case.get("Social_Response_Due__c")
    echo(
        f"  read back from the account's posts: {len(tasks)} outbound Task (the same one),"
        f" first response after {minutes:g} minutes (due {due})"
    )
    return (
        first.sent == 1
        and again.sent == 0
        and len(twin.created) == 1
        and len(tasks) == 1
        and minutes == WAITED.seconds // 60
    )


def _post(
    post_id: str,
    author_id: str,
    handle: str,
    text: str,
    at: datetime,
    *,
    reply_to: str | None = None,
) -> dict[str, Any]:
    return {
        "network": "twitter",
        "id": post_id,
        "text": text,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "author": {"id": author_id, "handle": handle},
        "kind": "reply" if reply_to else "mention",
        "conversation_id": reply_to or post_id,
        "in_reply_to_id": reply_to,
        "url": f"https://x.com/{handle}/status/{post_id}",
    }


def _feed(path: Path, post: dict[str, Any]) -> Path:
    path.write_text(json.dumps(post) + "\n", encoding="utf-8")
    return path


def _one(org: LocalOrg, sobject: str, field: str, value: str) -> dict[str, Any]:
    [record] = org.find(sobject, field, value)
    return record
