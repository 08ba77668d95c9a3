"""An erased person's Individual and consents, where the org keeps them.

Lead forms record consents as ``ContactPointTypeConsent`` on the person's ``Individual``
(:mod:`sf_social.salesforce.consent`); both hold personal data (the Individual is named
like the person). An erasure therefore also finds, in two queries:

- the Individuals of their Leads and Contacts (``IndividualId``);
- the consents on those Individuals that lead forms made (``Name`` ``<network>:lead:...``);

and then deletes those consents, and deletes or blanks (as the playbook's
``privacy.erase_leads`` does the Leads) the Individuals of their Leads. The Individual of
a Contact is the company's customer record, like the Contact: kept. An org without Data
Protection and Privacy answers the first query ``INVALID_FIELD`` (or ``INVALID_TYPE``):
there is nothing to erase there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sf_social.salesforce.api import Lookup, OrgApi

LACKING = frozenset({"INVALID_TYPE", "INVALID_FIELD"})
"""What a query answers in an org without the privacy objects."""
OURS = ":lead:"
"""What the ``Name`` of a consent lead forms made holds (``linkedin:lead:<id>:<question>``)."""


@dataclass
class PrivacyRecords:
    """The Individuals of a person's Leads, and the consents lead forms made for them."""

    individuals: list[str] = field(default_factory=list)
    """Of their Leads (a Contact's is kept)."""
    consents: list[str] = field(default_factory=list)


def find_privacy_records(
    org: OrgApi, lead_ids: Sequence[str], contact_ids: Sequence[str]
) -> PrivacyRecords:
    """The person's privacy records (two queries at most; none without Leads or Contacts)."""
    found = PrivacyRecords()
    lookups = [
        Lookup(sobject, ("Id", "IndividualId"), {"Id": tuple(ids)})
        for sobject, ids in (("Lead", lead_ids), ("Contact", contact_ids))
        if ids
    ]
    if not lookups:
        return found
    parties: list[str] = []
    kept: set[str] = set()  # a Contact's (a converted Lead shares its Contact's)
    for lookup, result in zip(lookups, org.find(lookups), strict=True):
        if result.error is not None:
            if result.error.code in LACKING:
                return found
            raise result.error
        for row in result.rows:
            individual = row.get("IndividualId")
            if not isinstance(individual, str):
                continue
            if individual not in parties:
                parties.append(individual)
            if lookup.sobject == "Contact":
                kept.add(individual)
    found.individuals = [i for i in parties if i not in kept]
    if not parties:
        return found
    lookup = Lookup("ContactPointTypeConsent", ("Id", "Name"), {"PartyId": tuple(parties)})
    (result,) = org.find([lookup])
    if result.error is not None:
        if result.error.code in LACKING:
            return found
        raise result.error
    found.consents = [str(r["Id"]) for r in result.rows if OURS in str(r.get("Name") or "")]
    return found
