"""Record plans: the typed Salesforce writes one post produces, before anything is sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from sf_social.classification import Classification
from sf_social.posts import Network
from sf_social.records import (
    SYNC,
    AnyRecord,
    CaseRecord,
    ConsentRecord,
    ContactRecord,
    KnownLeadRecord,
    LeadRecord,
    TaskRecord,
)

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
_set = object.__setattr__


def trusted(model: type[M], fields_set: frozenset[str], values: dict[str, Any]) -> M:
    """A ``model`` from values the code built itself, already of the field types.

    Only for models that validate nothing but types (no truncation, stripping or checks
    between fields): what ``model_construct`` does, without its loop over every field (it
    costs more than validating). ``values`` holds every field in declaration order, as
    validation would; ``fields_set`` names the fields the caller set, as keywords would.
    The records (``sf_social.records``) are always validated: they truncate and strip.
    """
    instance = _new(model)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", set(fields_set))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


class WriteMode(StrEnum):
    """UPSERT creates or updates by key; UPDATE_ONLY never creates (skip if absent);
    DELETE removes a Lead we made, after every other write of the batch, unless activity
    we did not plan hangs on it: then its ``overrides`` are written instead (blanked)."""

    UPSERT = "upsert"
    UPDATE_ONLY = "update_only"
    DELETE = "delete"


class PlannedWrite(BaseModel):
    """One record to write, with how to write it."""

    model_config = ConfigDict(frozen=True)

    record: LeadRecord | CaseRecord | TaskRecord | ContactRecord | KnownLeadRecord | ConsentRecord
    mode: WriteMode = WriteMode.UPSERT
    owner_queue: str | None = Field(
        default=None, description="queue DeveloperName; the writer resolves it to OwnerId"
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="API field → value the engine decided to set even on an existing record "
        "(a reopened Case's Status); never set by the mapping",
    )

    @property
    def sobject(self) -> str:
        return self.record.sobject

    @property
    def key(self) -> str:
        return self.record.key

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON view: sObject, key, mode, fields by API name, insert-only names."""
        record = self.record
        fields = record.api_fields()
        return {
            "sobject": record.sobject,
            "key_field": record.key_field,
            "key": record.key,
            "mode": self.mode._value_,
            "owner_queue": self.owner_queue,
            "overrides": self.overrides,
            "fields": fields,
            "insert_only": list(_insert_only(type(record), tuple(fields))),
        }


@cache
def _insert_only(record: type[AnyRecord], names: tuple[str, ...]) -> tuple[str, ...]:
    """The sorted insert-only names among ``names`` (a record's fields have few sets)."""
    sync_owned = record.api_names(SYNC)
    return tuple(sorted(name for name in names if name not in sync_owned))


class AuthorIdentity(BaseModel):
    """What identity lookup needs to find the author among Contacts and Leads."""

    model_config = ConfigDict(frozen=True)

    network: Network
    user_id: str | None = None
    handle: str | None = None
    profile_url: str | None = None
    email: str | None = None
    lead_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``model_dump(mode="json", exclude_none=True)``, without pydantic (~1 us less)."""
        data = {"network": self.network._value_}
        for name, value in self.__dict__.items():
            if name != "network" and value is not None:
                if type(value) is not str:  # not what the mapper sets: pydantic's way
                    return self.model_dump(mode="json", exclude_none=True)
                data[name] = value
        return data


class RecordPlan(BaseModel):
    """Everything one post becomes in Salesforce; empty ``writes`` means no action."""

    model_config = ConfigDict(frozen=True)

    post_key: str
    network: Network
    post_id: str
    posted_at: datetime | None = None
    classification: Classification
    identity: AuthorIdentity | None = None
    writes: list[PlannedWrite] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="decisions worth telling a person")

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON view for ``sf-social plan``."""
        c = self.classification
        return {
            "post_key": self.post_key,
            "id": self.post_id,
            "network": self.network._value_,
            "segment": c.segment._value_ if c.segment else None,
            "complaint": c.complaint,
            "team": c.team,
            "priority": c.priority._value_,
            "identity": self.identity.to_json() if self.identity else None,
            "writes": [write.to_json() for write in self.writes],
            "notes": self.notes,
        }
