"""Facebook page webhooks: a durable spool of signed events, read as a sync source.

``sf-social webhook serve`` (:mod:`sf_social.cli.webhook`) answers Facebook's verification
challenge, checks ``X-Hub-Signature-256`` and stores every accepted event in a
:class:`WebhookSpool` (SQLite, its own file, fsync'd) *before* answering 200;
:class:`FacebookWebhookSource` then reads the spool with a cursor and normalizes page
``feed`` comments and Messenger messages into ``SocialPost`` (network ``facebook``).
"""

from sf_social.sources.facebook.normalize import split_events, to_post
from sf_social.sources.facebook.signature import sign, verify_signature
from sf_social.sources.facebook.source import FacebookWebhookSource
from sf_social.sources.facebook.spool import WebhookSpool

__all__ = [
    "FacebookWebhookSource",
    "WebhookSpool",
    "sign",
    "split_events",
    "to_post",
    "verify_signature",
]
