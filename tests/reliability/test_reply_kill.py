"""``kill -9`` while replies are sent, twenty times: no reply is ever posted twice.

The org is the local org over HTTPS and X the local twin over HTTP, both served by this
process, so what they hold outlives each killed reply process, as a real org's and X's
would. Each run is killed a random time (seeded, ``SF_SOCIAL_KILL_SEED``) after it posted
something: within X's answer delay (posted, the answer never read), while the Task or the
status is written back, or while the next reply is marked Sending or posted. The next run
settles what the dead one left in Sending by looking on X. After the kills, a last run ends
with nothing pending, and then X holds at most one reply per post, every post is recorded as
Sent with its outbound Task, and a reply is Needs review only when nothing was posted for it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

from sf_social.testing.setup import ready_org
from sf_social.testing.x_posting import XPostingTwin
from tests.reliability.x_server import serve_x

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("SF_SOCIAL_KILL_SEED", "5150"))
US = "100"
REPLIES = 60
KILLS = 20
ANSWER_DELAY = 0.1
"""X stores a post, then answers this much later: a kill then loses the answer."""


def child_env(org_env: Mapping[str, str], x_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "X_", "REQUESTS_CA"))}
    env.update(org_env)
    env.update(X_TWIN_URL=x_url, X_ACCOUNT_ID=US, PYTHONPATH=str(ROOT))
    return env


def start(env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.reply_driver"],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_twenty_kills_while_sending_post_no_reply_twice() -> None:
    rng = random.Random(SEED)
    org = ready_org()
    # X's refusal of duplicate content is not relied on: only the reply job's protocol.
    twin = XPostingTwin(me=US, answer_delay=ANSWER_DELAY, refuse_duplicates=False)
    case_id = org.insert("Case", Subject="late parcels", Origin="Twitter")
    for n in range(REPLIES):
        post = str(7000 + n)
        twin.add_post(post, author_id=str(500 + n), text=f"@acme parcel {n}?", mentions=(US,))
        org.insert(
            "Social_Reply__c",
            Case__c=case_id,
            Reply_To_Key__c=f"twitter:{post}",
            Body__c=f"Sorry about parcel {n}, we are on it.",
            Status__c="Approved",
        )
    kills: list[float] = []
    passes: list[str] = []
    with org.serve() as server, serve_x(twin) as x_url:
        env = child_env(server.env(), x_url)
        for _ in range(KILLS):
            posted = len(twin.created)
            process = start(env)
            deadline = time.monotonic() + 60
            while len(twin.created) == posted and process.poll() is None:
                assert time.monotonic() < deadline, "a reply process posted nothing in 60 s"
                time.sleep(0.002)
            delay = rng.uniform(0, 3 * ANSWER_DELAY)
            time.sleep(delay)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills.append(round(delay, 3))
            stdout, stderr = process.communicate(timeout=30)
            assert process.returncode in (0, -signal.SIGKILL), stderr[-3000:]
            passes += stdout.splitlines()
        last = start(env)
        stdout, stderr = last.communicate(timeout=120)
        assert last.returncode == 0 and '"done": true' in stdout, stderr[-3000:]
        passes += stdout.splitlines()

    seen = f"seed {SEED}, kills after {kills}"
    assert len(kills) == KILLS, seen  # each run was killed while replies were being sent
    ours = [p for p in twin.posts.values() if p.author_id == US]
    per_post = Counter(p.replied_to for p in ours)
    assert per_post and max(per_post.values()) == 1, f"posted twice: {per_post} ({seen})"
    replies = org.records("Social_Reply__c")
    status = Counter(r["Status__c"] for r in replies)
    assert set(status) <= {"Sent", "Needs review"}, f"{status} ({seen})"
    sent = {r["Posted_Id__c"] for r in replies if r["Status__c"] == "Sent"}
    assert sent == {p.id for p in ours}, seen  # each post recorded, each Sent one posted
    for reply in replies:
        if reply["Status__c"] == "Needs review":
            target = reply["Reply_To_Key__c"].partition(":")[2]
            assert per_post[target] == 0, f"{reply} was posted ({seen})"
    tasks = [t["Social_Post_Key__c"] for t in org.records("Task")]
    assert sorted(tasks) == sorted(f"twitter:{p}" for p in sent), seen
    recovered = sum(json.loads(line).get("recovered", 0) for line in passes)
    print(json.dumps({"kills": len(kills), "posts": len(ours), "recovered": recovered, **status}))
