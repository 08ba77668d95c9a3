"""``[[sources]] type = "facebook_webhooks"``: the daemon syncs what the receiver stored."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sf_social.config.load import load_config
from sf_social.config.sources import FacebookWebhookSourceConfig, SourceContext
from sf_social.playbook import load_playbook
from sf_social.sources.facebook import FacebookWebhookSource, WebhookSpool
from sf_social.sources.facebook.normalize import split_events
from sf_social.sync.passes import sync_pass
from tests.sources.facebook import payloads as fb
from tests.sync.conftest import memory_engine


def test_a_config_entry_builds_the_spool_source_and_a_comment_becomes_a_case(
    tmp_path: Path,
) -> None:
    spool_path = tmp_path / "spool.db"
    spool = WebhookSpool(spool_path)
    spool.add(split_events(json.loads(fb.body(fb.comment()))))
    spool.close()
    config_file = tmp_path / "sf-social.toml"
    config_file.write_text(
        '[[sources]]\ntype = "facebook_webhooks"\nspool = "spool.db"\npoll_interval = "30s"\n',
        encoding="utf-8",
    )
    (entry,) = load_config(config_file).sources
    assert isinstance(entry, FacebookWebhookSourceConfig)
    assert entry.spool == spool_path and entry.interval(timedelta(minutes=1)).seconds == 30
    playbook = load_playbook()
    source = entry.build(SourceContext(playbook, environ={"FB_PAGE_ID": fb.PAGE}))
    assert isinstance(source, FacebookWebhookSource)
    assert source.name == "facebook-webhooks" and source.page_id == fb.PAGE

    engine, org, _ = memory_engine([source])
    report = sync_pass(engine)
    assert report.push.written == 1, report.summary()
    (case,) = org.records["Case"].values()
    assert case["Origin"] == "Facebook"
    assert sync_pass(engine).intake["facebook-webhooks"].pulled == 0  # the cursor moved
