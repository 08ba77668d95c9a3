"""``sf-social classify`` and ``sf-social plan``: run the playbook on text or a feed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from sf_social.classification import Classification
from sf_social.cli.feedio import (
    FeedRun,
    jobs_option,
    json_line,
    model_option,
    open_input,
    playbook_option,
    resolve_pipeline,
)
from sf_social.cli.parallel import auto_jobs
from sf_social.posts import Network, SocialPost


@click.command()
@click.argument("text", required=False)
@click.option("--input", "input_path", help="JSONL feed of posts ('-' for stdin).")
@click.option(
    "--network",
    type=click.Choice([n.value for n in Network]),
    default="twitter",
    show_default=True,
    help="Network of TEXT.",
)
@playbook_option
@model_option
@jobs_option
def classify(
    text: str | None,
    input_path: str | None,
    network: str,
    playbook: Path | None,
    model: Path | None,
    jobs: int,
) -> None:
    """Explain how TEXT is classified, or classify every post of --input as JSON lines.

    With --input, stdout gets one JSON object per accepted line (id, segment, complaint,
    sentiment, priority, team, model, confidence, evidence, ...); rejected lines are
    reported on stderr and the exit code is 1 when any line was rejected.
    """
    if (text is None) == (input_path is None):
        raise click.UsageError("give either TEXT or --input FILE")
    pipeline = resolve_pipeline(playbook, model)
    if text is not None:
        try:
            post = SocialPost(network=Network(network), id="cli", text=text)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise click.BadParameter(message, param_hint="TEXT") from None
        click.echo(describe(pipeline.classifier.classify(post)))
        return
    run = FeedRun()
    with open_input(str(input_path)) as (stream, source):
        render = lambda p: json_line(classification_json(p, pipeline.classifier.classify(p)))  # noqa: E731
        run.run(stream, source, render, jobs or auto_jobs(str(input_path)))
    run.finish("classified")


@click.command()
@click.option("--input", "input_path", required=True, help="JSONL feed of posts ('-' for stdin).")
@playbook_option
@model_option
@jobs_option
def plan(input_path: str, playbook: Path | None, model: Path | None, jobs: int) -> None:
    """Write the record plan of every post of --input as JSON lines (nothing is sent)."""
    pipeline = resolve_pipeline(playbook, model)
    run = FeedRun()
    with open_input(input_path) as (stream, source):
        run.run(
            stream,
            source,
            lambda p: json_line(pipeline.plan(p).to_json()),
            jobs or auto_jobs(input_path),
        )
    run.finish("planned")


def classification_json(post: SocialPost, c: Classification) -> dict[str, Any]:
    """The JSON line ``classify --input`` writes for one post."""
    return {
        "id": post.id,
        "network": post.network.value,
        "segment": c.segment.value if c.segment else None,
        "complaint": c.complaint,
        "sentiment": c.sentiment.value,
        "sentiment_score": round(c.sentiment_score, 4),
        "priority": c.priority.value,
        "escalate": c.escalate,
        "team": c.team,
        "topic": c.topic.value if c.topic else None,
        "language": c.language,
        "influence_tier": c.influence_tier.value if c.influence_tier else None,
        "user_classes": [u.value for u in c.user_classes],
        "source_tags": [t.value for t in c.source_tags],
        "review_reason": c.review_reason,
        "model": c.model,
        "confidence": c.confidence,
        "evidence": [str(e) for e in c.evidence],
    }


def describe(c: Classification) -> str:
    """A readable explanation of one classification."""
    segment = c.segment.value if c.segment else "no action"
    head = [
        f"segment:    {segment}{' (complaint)' if c.complaint else ''}",
        f"sentiment:  {c.sentiment.value} ({c.sentiment_score:+.2f})",
        f"priority:   {c.priority.value}{' — escalate' if c.escalate else ''}",
        f"team:       {c.team or ('review' if c.review_reason else '—')}",
    ]
    if c.review_reason:
        head.append(f"review:     {c.review_reason}")
    if c.model:
        sure = ", ".join(f"{task} {p:.2f}" for task, p in c.confidence.items())
        head.append(f"model:      {c.model} (confidence: {sure})")
    return "\n".join([*head, "evidence:", *(f"  - {e}" for e in c.evidence)])
