"""The library's road to Salesforce: ``sf_social.connect`` against the local org."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

import sf_social
from sf_social.config import Config, JsonlSourceConfig, StateConfig
from sf_social.errors import ConfigError, StoreLockedError
from sf_social.testing import LocalOrg

README = Path(__file__).parents[2] / "README.md"
COMPLAINT = "@NorthwindHelp my card was charged twice and nobody answers #fail"


def post(post_id: str, text: str = COMPLAINT, **more: object) -> sf_social.SocialPost:
    author = {"id": "7", "handle": "ana", "name": "Ana"}
    return sf_social.SocialPost.model_validate(
        {"network": "twitter", "id": post_id, "text": text, "author": author, **more}
    )


@pytest.fixture
def org(local_org: LocalOrg) -> LocalOrg:
    """The plugin's ready local org (``sf_social.pytest_plugin``)."""
    return local_org


@pytest.fixture
def config(local_org_config: Config) -> Config:
    """The plugin's configuration for it."""
    return local_org_config


def test_sent_posts_become_records_once(org: LocalOrg, config: Config) -> None:
    with sf_social.connect(config) as sync:
        report = sync.send(
            [
                post("1"),
                post(
                    "2", "@NorthwindHelp thanks, sorted!", in_reply_to_id="1", conversation_id="1"
                ),
            ]
        )
        assert report.push.written == 2 and report.push.dead == 0
        again = sync.send([post("1")])
        assert again.intake["@library"].duplicates == 1 and again.push.written == 0
        assert sync.status().outbox_depth == 0
    (case,) = org.records("Case")
    assert case["Social_Thread_Key__c"] == "twitter:thread:1"
    assert org.count("Task") == 2  # the complaint and the reply, on the thread's Case


def test_feed_errors_are_counted_and_the_other_posts_go_on(config: Config) -> None:
    feed = io.BytesIO(b"{not json}\n" + json.dumps(post("9").model_dump(mode="json")).encode())
    with sf_social.connect(config) as sync:
        report = sync.send(sf_social.read_feed(feed, "feed.jsonl"))
    counts = report.intake["@library"]
    assert counts.rejected == 1 and counts.rejections[0].startswith("feed.jsonl:1:")
    assert report.push.written == 1


def test_plans_made_elsewhere_are_written_and_not_twice(org: LocalOrg, config: Config) -> None:
    with sf_social.connect(config) as sync:
        plans = sync.plan([post("5")])
        assert sync.status().outbox_depth == 0  # planning stores nothing
        assert sync.write(plans).written == 1
        assert sync.write(plans).written == 0  # the ledger knows the post
    assert org.count("Case") == 1


def test_run_once_reads_the_configured_sources(
    org: LocalOrg, config: Config, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(post("11").model_dump(mode="json")) + "\n", encoding="utf-8")
    with sf_social.connect(
        config.model_copy(update={"sources": [JsonlSourceConfig(path=feed)]})
    ) as sync:
        report = sync.run_once()
    assert report.push.written == 1 and org.count("Case") == 1


def test_a_config_file_path_is_loaded(org: LocalOrg, tmp_path: Path) -> None:
    path = tmp_path / "sf-social.toml"
    path.write_text('[state]\nurl = "sqlite:///here.db"\n', encoding="utf-8")
    env = {"SF_INSTANCE_URL": org.instance_url, "SF_ACCESS_TOKEN": org.access_token}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with sf_social.connect(str(path)) as sync:
            sync.send([post("21")])
    assert (tmp_path / "here.db").exists()  # relative to the file, as for the CLI


def test_missing_settings_and_a_held_state_are_clear_errors(config: Config) -> None:
    with pytest.raises(ConfigError, match="SF_INSTANCE_URL"):
        sf_social.connect(Config(state=StateConfig(url="memory://")))
    with sf_social.connect(config), pytest.raises(StoreLockedError):
        sf_social.connect(config)


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- library-example -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found, "the README's library example (after <!-- library-example -->) is missing"
    with contextlib.chdir(README.parent):
        exec(compile(found.group(1), "README.md:library-example", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("pulled=1 rejected=0 new=1 planned=1 written=1")
    assert printed[-1] == "1 1"
