"""LinkedIn company page source: comments and mentions through the Community Management API."""

from sf_social.sources.linkedin_api.client import (
    LinkedInApi,
    LinkedInApiError,
    LinkedInAuthError,
    LinkedInCredentials,
    LinkedInRateLimitError,
    RetryPolicy,
)
from sf_social.sources.linkedin_api.source import LinkedInPageSource, Paging

__all__ = [
    "LinkedInApi",
    "LinkedInApiError",
    "LinkedInAuthError",
    "LinkedInCredentials",
    "LinkedInPageSource",
    "LinkedInRateLimitError",
    "Paging",
    "RetryPolicy",
]
