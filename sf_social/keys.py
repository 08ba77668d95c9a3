"""External-id keys: every record we write is upserted on one (design rule 1).

Task ``<network>:<post id>``; Case ``<network>:thread:<root id>`` (``#n`` from the second
generation on, when a thread outlives its reopen window); Lead ``<network>:user:<user id>``,
or ``linkedin:profile:<slug>`` on LinkedIn (one Lead per person, not per post).
"""

from __future__ import annotations

import re

from sf_social.posts import MAX_ID_LENGTH, Network, SocialPost


def post_key(network: Network, post_id: str) -> str:
    """The Task key of a post: ``twitter:123``."""
    return f"{network.value}:{post_id}"


def thread_key(network: Network, root_id: str, generation: int = 1) -> str:
    """The Case key of a conversation: ``twitter:thread:100``, ``twitter:thread:100#2``."""
    if generation < 1:
        raise ValueError(f"generation must be 1 or more, not {generation}")
    suffix = f"#{generation}" if generation > 1 else ""
    return f"{network.value}:thread:{root_id}{suffix}"


def profile_key(post: SocialPost) -> str | None:
    """The Lead key of the author: ``twitter:user:115712`` or ``linkedin:profile:jane-doe``."""
    author = post.author
    if author is None:
        return None
    if post.network is Network.LINKEDIN and author.profile_url:
        slug = re.search(r"/in/([^/?#]+)", author.profile_url)
        if slug and len(slug.group(1)) <= MAX_ID_LENGTH:
            return f"linkedin:profile:{slug.group(1).lower()}"
    if author.id:
        return f"{post.network.value}:user:{author.id}"
    return None
