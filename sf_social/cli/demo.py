"""``sf-social demo``: the sample feed end to end into a local org (``--dry-run``: plans only).

Without options: the real pipeline (SQLite state, the local org emulator over HTTPS on
loopback), then twice more to show that nothing is duplicated (:mod:`sf_social.cli.demo_live`).
``--dry-run``: classify and plan each post and print the table, sending nothing.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from sf_social.cli.feedio import playbook_option, resolve_playbook
from sf_social.cli.params import input_file
from sf_social.feed import read_feed
from sf_social.pipeline import Pipeline
from sf_social.plan import RecordPlan

SAMPLE_FEED = Path(__file__).resolve().parent.parent / "samples" / "sample_feed.jsonl"


@click.command()
@click.option(
    "--input",
    "input_path",
    type=input_file(),
    default=SAMPLE_FEED,
    help="JSONL feed (default: the bundled sample feed).",
)
@playbook_option
@click.option(
    "--dry-run", is_flag=True, help="Only classify and plan each post and print the table."
)
def demo(input_path: Path, playbook: Path | None, dry_run: bool) -> None:
    """Sync a feed into a local Salesforce org and show what landed (--dry-run: plans only)."""
    if not dry_run:
        from sf_social.cli.demo_live import echo, run_demo

        if not run_demo(input_path, playbook, echo):
            sys.exit(1)
        return
    pipeline = Pipeline(resolve_playbook(playbook))
    plans: list[RecordPlan] = []
    with input_path.open("rb") as stream:
        for item in read_feed(stream, str(input_path)):
            if isinstance(item, Exception):
                click.echo(f"rejected {item}", err=True)
            else:
                plans.append(pipeline.plan(item))
    click.echo(render(plans))


def render(plans: list[RecordPlan]) -> str:
    """The table of plans and the totals by record kind and team."""
    header = ("post", "segment", "flags", "priority", "team", "planned writes")
    rows = [header] + [_row(plan) for plan in plans]
    widths = [min(max(len(r[i]) for r in rows), 28) for i in range(len(header))]
    lines = ["  ".join(cell[:w].ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    kinds: Counter[str] = Counter()
    teams: Counter[str] = Counter()
    for plan in plans:
        kinds.update(w.sobject for w in plan.writes)
        c = plan.classification
        if plan.writes:
            teams[c.team or ("review" if c.review_reason else "our replies")] += 1
    lines += [
        "",
        "flags: C complaint, E escalated, R needs review",
        "records planned: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())),
        "posts by team:   " + ", ".join(f"{t} {n}" for t, n in teams.most_common()),
        f"no action:       {sum(1 for p in plans if not p.writes)} of {len(plans)} posts",
    ]
    return "\n".join(lines)


def _row(plan: RecordPlan) -> tuple[str, str, str, str, str, str]:
    c = plan.classification
    flags = "".join(
        f for f, on in (("C", c.complaint), ("E", c.escalate), ("R", c.review_reason)) if on
    )
    writes = " + ".join(
        f"{w.sobject}{' (update)' if w.mode.value == 'update_only' else ''}" for w in plan.writes
    )
    return (
        plan.post_key,
        c.segment.value if c.segment else "—",
        flags or "-",
        c.priority.value,
        c.team or ("review" if c.review_reason else "—"),
        writes or "nothing",
    )
