"""LinkedIn member data export as a source: ``LinkedInExportSource(path)`` (folder or ZIP).

Use it with :class:`ForwardOnlyPipeline` so a Lead's ``LinkedIn_Lead_Activity__c`` only
moves forward (the rule: :mod:`sf_social.forward_only`).
"""

from sf_social.forward_only import ADVANCES, ForwardOnlyPipeline, mark_furthest, without_regression
from sf_social.sources.linkedin.archive import Limits, open_export
from sf_social.sources.linkedin.source import LinkedInExportSource

__all__ = [
    "ADVANCES",
    "ForwardOnlyPipeline",
    "Limits",
    "LinkedInExportSource",
    "mark_furthest",
    "open_export",
    "without_regression",
]
