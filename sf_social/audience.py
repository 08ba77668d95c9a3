"""What the author's profile says: influence tier, user classes and source tags."""

from __future__ import annotations

from sf_social.classification import Evidence, InfluenceTier, SourceTag, UserClass
from sf_social.playbook import Playbook
from sf_social.posts import Author


def influence_tier(author: Author | None) -> tuple[InfluenceTier | None, list[Evidence]]:
    """The follower tier, or None when the follower count is unknown."""
    if author is None or author.followers is None:
        return None, []
    tier = InfluenceTier.for_followers(author.followers)
    return tier, [
        Evidence(
            field="influence_tier",
            value=tier,
            rule="followers",
            detail=f"{author.followers:,} followers",
        )
    ]


def user_classes(
    author: Author | None, playbook: Playbook
) -> tuple[list[UserClass], list[Evidence]]:
    """Active Tweeter, Large Following Base and Verified, per the playbook's floors."""
    if author is None:
        return [], []
    rules = playbook.influence
    found: list[tuple[UserClass, str]] = []
    if author.posts is not None and author.posts >= rules.active_poster_posts:
        found.append(
            (UserClass.ACTIVE_TWEETER, f"{author.posts:,} posts ≥ {rules.active_poster_posts:,}")
        )
    if author.followers is not None and author.followers >= rules.large_following_followers:
        found.append(
            (
                UserClass.LARGE_FOLLOWING,
                f"{author.followers:,} followers ≥ {rules.large_following_followers:,}",
            )
        )
    if author.verified:
        found.append((UserClass.VERIFIED, "verified profile"))
    evidence = [
        Evidence(field="user_classes", value=c, rule="influence", detail=d) for c, d in found
    ]
    return [c for c, _ in found], evidence


def source_tags(
    author: Author | None, playbook: Playbook
) -> tuple[list[SourceTag], list[Evidence]]:
    """Tags from the playbook's people lists, plus Influencer by follower count."""
    if author is None:
        return [], []
    tags = playbook.people.tags_for(author.handle)
    evidence = [
        Evidence(field="source_tags", value=t, rule="people", detail=f"@{author.handle} listed")
        for t in tags
    ]
    floor = playbook.influence.influencer_followers
    if author.followers is not None and author.followers >= floor:
        tags.append(SourceTag.INFLUENCER)
        evidence.append(
            Evidence(
                field="source_tags",
                value=SourceTag.INFLUENCER,
                rule="influence.influencer_followers",
                detail=f"{author.followers:,} ≥ {floor:,}",
            )
        )
    return tags, evidence
