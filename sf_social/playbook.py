"""The playbook: the admin-owned configuration that drives classification and mapping.

``load_playbook(path)`` reads a YAML file (the bundled ``mappings/default.yaml`` when no path
is given) into a typed ``Playbook``. Every problem is reported as ``file:line: key: message``;
unknown keys and duplicate keys are errors, never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sf_social.bundled import bundled_path
from sf_social.business_hours import BusinessHours
from sf_social.classification import Priority, Segment, SourceTag
from sf_social.errors import PlaybookError
from sf_social.lead_forms import LeadFormRules
from sf_social.phrases import parse_phrase
from sf_social.posts import Network
from sf_social.regexcheck import CatastrophicPattern, check_regex
from sf_social.yamltext import YamlError, load_yaml

Phrases = list[Annotated[str, Field(min_length=1)]]

REPLY_PLACEHOLDERS = ("handle", "brand")


def _check_template(template: str) -> str:
    """A reply template may use only ``{handle}`` and ``{brand}``."""
    try:
        fields = [f for _, f, _, _ in Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"not a valid reply template ({exc})") from None
    unknown = [f for f in fields if f not in REPLY_PLACEHOLDERS]
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {unknown}: only {{handle}} and {{brand}} may be used"
        )
    try:
        template.format(**dict.fromkeys(REPLY_PLACEHOLDERS, "x"))
    except ValueError as exc:
        raise ValueError(f"not a valid reply template ({exc})") from None
    return template


def _check_case_type_key(key: str) -> str:
    allowed = {*(s.value for s in Segment), "complaint"}
    if key not in allowed:
        raise ValueError(f"{key!r} is not a segment or 'complaint' (one of {sorted(allowed)})")
    return key


ReplyTemplate = Annotated[str, AfterValidator(_check_template)]
CaseTypeKey = Annotated[str, AfterValidator(_check_case_type_key)]


def _error_at(path: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """A validation error for ``path`` below the model being validated (see ``_describe``)."""
    template = message.replace("{", "(").replace("}", ")")  # braces are placeholders here
    return PydanticCustomError("playbook", template, {"at": path})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Brand(_Strict):
    """Who we are: our accounts' posts are outbound, mentions of them are about the brand."""

    name: str
    accounts: list[str] = Field(description="our handles on every network, without @")
    support_accounts: list[str] = Field(default=[], description="dedicated support handles")


class Listening(_Strict):
    """Keyword sets that decide the listening topic (brand / industry / competitor)."""

    brand: Phrases = []
    products: Phrases = []
    executives: Phrases = []
    nicknames: Phrases = Field(default=[], description="nicknames and misspellings")
    industry: Phrases = []
    competitors: Phrases = []
    off_brand_segments: list[Segment] = Field(
        default=[Segment.LEAD],
        description="segments still acted on when a post is about a competitor or the industry",
    )


class Rule(_Strict):
    """A phrase (token sequence; ``word*`` is a prefix, ``...`` skips up to 5 words) or a regex."""

    phrase: str | None = None
    regex: str | None = None
    weight: float = 1.0

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return {"phrase": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError("give exactly one of 'phrase' or 'regex'")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex {self.regex!r} does not compile: {exc}") from None
            try:
                check_regex(self.regex)
            except CatastrophicPattern as exc:
                raise ValueError(f"regex {self.regex!r} refused: {exc}") from None
        if self.phrase is not None:
            parse_phrase(self.phrase)  # a ValueError saying what is wrong with the phrase
        return self


class SentimentRule(_Strict):
    """Adds ``weight`` when the VADER compound score is above ``above`` or below ``below``."""

    above: float | None = Field(default=None, ge=-1, le=1)
    below: float | None = Field(default=None, ge=-1, le=1)
    weight: float = 1.0

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        return self

    def applies(self, compound: float) -> bool:
        if self.above is not None:
            return compound > self.above
        return self.below is not None and compound < self.below


class SegmentRules(_Strict):
    """Rules for one segment: it needs ``min_score``; the highest score wins, ties go to the
    segment listed first."""

    min_score: float = 1.0
    rules: list[Rule]
    sentiment: SentimentRule | None = None
    fallback: bool = Field(
        default=False, description="wins only when no other segment reaches its min_score"
    )


class ComplaintRules(_Strict):
    """A complaint is a breach of expectations, not mere negativity.

    Phrase weights add up with ``segment_weights`` (a technical problem is itself a failed
    expectation) and the ``sentiment`` rule; the post is a complaint at ``min_score``.
    """

    min_score: float = 1.0
    rules: list[Rule]
    segment_weights: dict[Segment, float] = {}
    sentiment: SentimentRule | None = None
    excludes: list[Segment] = Field(
        default=[Segment.PRAISE],
        description="segments a complaint cannot be (the next best segment is taken)",
    )


class EscalationRule(_Strict):
    name: str
    rules: list[Rule]
    priority: Priority = Priority.HIGH


class Escalation(_Strict):
    rules: list[EscalationRule] = []
    complaint_min_followers: int = Field(
        default=10_000, ge=0, description="a negative complaint from this many followers escalates"
    )
    notify_queue: bool = Field(
        default=False,
        description="a later post that raises a Case's severity notifies the queue owning"
        " the Case (custom notification Social_Escalation)",
    )


class Influence(_Strict):
    active_poster_posts: int = Field(default=5_000, ge=0)
    large_following_followers: int = Field(default=10_000, ge=0)
    influencer_followers: int = Field(default=10_000, ge=0)


class People(_Strict):
    """Handles (without @) that earn a source tag."""

    tier1_customers: list[str] = []
    employees: list[str] = []
    competitors: list[str] = []
    partners: list[str] = []

    def tags_for(self, handle: str | None) -> list[SourceTag]:
        if not handle:
            return []
        return list(self._tags.get(handle.lower(), ()))

    @cached_property
    def _tags(self) -> dict[str, tuple[SourceTag, ...]]:
        pairs = (
            (self.tier1_customers, SourceTag.TIER1_CUSTOMER),
            (self.employees, SourceTag.EMPLOYEE),
            (self.competitors, SourceTag.COMPETITOR),
            (self.partners, SourceTag.PARTNER),
        )
        handles = {name.lower() for names, _ in pairs for name in names}
        return {
            h: tuple(tag for names, tag in pairs if h in {n.lower() for n in names})
            for h in handles
        }


class LeadQualification(_Strict):
    """A Lead is created only for posts that pass these rules; others become review Tasks."""

    min_intent_score: float = Field(default=1.0, description="Lead segment score needed")
    min_followers: int = Field(default=0, ge=0)
    exclude_tags: list[SourceTag] = [SourceTag.EMPLOYEE, SourceTag.COMPETITOR]
    review_owner_id: str | None = Field(
        default=None, description="user Id for review Tasks (Tasks cannot be owned by queues)"
    )


class RouteCondition(_Strict):
    account: str | None = None
    network: Network | None = None
    language: str | None = None
    segment: Segment | None = None


class RouteRule(_Strict):
    when: RouteCondition
    team: str


class Routing(_Strict):
    teams: dict[str, str] = Field(description="team name → Salesforce queue (DeveloperName)")
    segments: dict[Segment, str]
    complaint_team: str
    rules: list[RouteRule] = []
    review_queue: str

    @model_validator(mode="after")
    def _teams_exist(self) -> Self:
        used = {
            *self.segments.values(),
            self.complaint_team,
            *(rule.team for rule in self.rules),
        }
        unknown = sorted(used - set(self.teams))
        if unknown:
            places: list[tuple[str | int, ...]] = [
                ("segments", s.value) for s, team in self.segments.items() if team in unknown
            ]
            if self.complaint_team in unknown:
                places.append(("complaint_team",))
            places += [("rules", i, "team") for i, r in enumerate(self.rules) if r.team in unknown]
            raise _error_at(places[0], f"team(s) {unknown} are not declared under routing.teams")
        missing = [s.value for s in Segment if s not in self.segments]
        if missing:
            raise _error_at(("segments",), f"routing.segments must name a team for {missing}")
        return self


class ResponseTargets(_Strict):
    """Minutes allowed until the first reply."""

    by_priority: dict[Priority, int]
    by_segment: dict[Segment, int] = {}
    business_hours: BusinessHours | None = Field(
        default=None,
        description="count targets and minutes to respond in these working hours only"
        " (default: calendar minutes)",
    )
    escalate_overdue: bool = Field(
        default=False,
        description="the overdue sweep also sets IsEscalated on a Case past its due time"
        " without our reply (Case escalation rules and queue notifications then apply)",
    )
    notify_overdue: bool = Field(
        default=False,
        description="the overdue sweep notifies the queue owning each Case it flags (custom"
        " notification Social_Escalation)",
    )


class ReplyApproval(_Strict):
    """Who may approve a reply before it is posted (``Social_Reply__c``, design rule 12).

    Every reply needs a holder of ``SF_Social_Reply_Approver`` unless its Case's segment is
    in ``waived_segments`` — and even then not when the Case is a complaint (with
    ``keep_for_complaints``), escalated, or at ``keep_from_priority`` or above. The decision
    is written on the Case (``Social_Reply_Approval_Waived__c``) when it is created, and
    taken back when a later post of the thread raises its severity.
    """

    waived_segments: list[Segment] = Field(
        default=[], description="Cases of these segments: the writing agent may approve"
    )
    keep_for_complaints: bool = Field(
        default=True, description="a complaint always needs an approver, whatever its segment"
    )
    keep_from_priority: Priority | None = Field(
        default=Priority.HIGH, description="a Case at this priority or above needs an approver"
    )

    def waived(
        self, segment: Segment | None, complaint: bool, priority: Priority, escalated: bool
    ) -> bool:
        """Whether a reply on a Case classified so may be approved by its writer."""
        order = list(Priority)  # High, Medium, Low
        too_high = self.keep_from_priority is not None and order.index(priority) <= order.index(
            self.keep_from_priority
        )
        return (
            segment in self.waived_segments
            and not (complaint and self.keep_for_complaints)
            and not escalated
            and not too_high
        )


class Labels(_Strict):
    """How ``sf-social labels export`` reads agents' verdicts on the Cases we created."""

    not_an_issue: list[str] = Field(
        default=[],
        description="Case Reason values of a Case closed as not an issue: its post is"
        " labelled no action, no complaint",
    )
    wrong_segment: list[str] = Field(
        default=[],
        description="Case Reason values of a Case closed as the wrong segment: a correction"
        " only when the agent also set the right segment",
    )


class Threading(_Strict):
    """How conversations map to Cases over time (design rule 3)."""

    reopen_days: int = Field(default=5, ge=0)
    reopen_status: str = Field(default="New", min_length=1, description="Status of a reopened Case")


class Privacy(_Strict):
    """What ``sf-social erase`` does to a person's records (design rule 11, docs/privacy.md).

    Their Cases are always kept for the agents, blanked with a note; a post deleted on its
    network always leaves its Task blanked with a note.
    """

    erase_leads: Literal["delete", "blank"] = Field(
        default="delete", description="delete their Leads, or keep them with every field blanked"
    )
    erase_tasks: Literal["delete", "blank"] = Field(
        default="delete", description="delete the Tasks of their posts, or blank their text"
    )


class SalesforceOptions(_Strict):
    """How the writer treats the org's duplicate rules."""

    allow_save_on_duplicate_alert: bool = Field(
        default=False,
        description="send Sforce-Duplicate-Rule-Header allowSave=true: records matching an"
        " 'alert' duplicate rule are saved; 'block' rules still refuse (DUPLICATES_DETECTED)",
    )


class Playbook(_Strict):
    """The whole playbook, validated."""

    version: int = Field(ge=1, le=1)
    brand: Brand
    languages: list[str] = Field(min_length=1, description="languages the rules cover")
    listening: Listening
    slang: dict[str, dict[str, str]] = Field(
        default={}, description="per network ('all' for every network): token → replacement"
    )
    segments: dict[Segment, SegmentRules]
    complaint: ComplaintRules
    escalation: Escalation = Escalation()
    labels: Labels = Labels()
    influence: Influence = Influence()
    people: People = People()
    lead_qualification: LeadQualification = LeadQualification()
    lead_forms: LeadFormRules = LeadFormRules()
    routing: Routing
    replies: dict[Segment, ReplyTemplate]
    reply_approval: ReplyApproval = ReplyApproval()
    response_targets: ResponseTargets
    case_types: dict[CaseTypeKey, str] = Field(
        description="Case Type per segment name, plus 'complaint' for complaints without one"
    )
    threading: Threading = Threading()
    privacy: Privacy = Privacy()
    salesforce: SalesforceOptions = SalesforceOptions()
    source: str = Field(default="<memory>", exclude=True)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = [s.value for s in Segment if s not in self.segments]
        if missing:
            raise _error_at(("segments",), f"segments must have rules for {missing}")
        networks = {"all", *(n.value for n in Network)}
        unknown = sorted(set(self.slang) - networks)
        if unknown:
            raise _error_at(
                ("slang", unknown[0]),
                f"slang keys {unknown} must be 'all' or a network {sorted(networks)}",
            )
        return self

    def is_our_account(self, handle: str | None) -> bool:
        """True when ``handle`` (with or without @, any case) is one of our brand accounts."""
        return handle is not None and handle.lower().lstrip("@") in self._accounts

    def with_accounts(self, handles: Iterable[str]) -> Playbook:
        """This playbook with ``handles`` among our accounts (a source reading them)."""
        extra = [h.lstrip("@") for h in handles if not self.is_our_account(h)]
        if not extra:
            return self
        data = self.model_dump()
        data["brand"]["accounts"] = [*self.brand.accounts, *extra]
        return type(self).model_validate(data)

    @cached_property
    def _accounts(self) -> frozenset[str]:
        return frozenset(a.lower().lstrip("@") for a in self.brand.accounts)


def default_playbook_path() -> Path:
    """The bundled default playbook."""
    return bundled_path("mappings") / "default.yaml"


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read and validate a playbook file; raises ``PlaybookError`` naming file, line and key."""
    file = Path(path) if path is not None else default_playbook_path()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(str(file), [f"{file}: cannot read: {exc}"]) from exc
    return parse_playbook(text, str(file))


def parse_playbook(text: str, source: str = "<string>") -> Playbook:
    """Validate playbook YAML text; ``source`` names it in errors."""
    try:
        data, lines = load_yaml(text, source)
    except YamlError as exc:
        raise PlaybookError(source, exc.problems) from exc
    if not isinstance(data, dict):
        raise PlaybookError(source, [f"{source}:1: the playbook must be a YAML mapping"])
    try:
        return Playbook.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise PlaybookError(source, _describe(exc, lines, source)) from None


def _describe(exc: ValidationError, lines: dict[tuple[Any, ...], int], source: str) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if p not in ("function-after[_short_form(), Rule]",))
        loc = tuple(str(p) if not isinstance(p, int) else p for p in loc)
        loc += tuple(error.get("ctx", {}).get("at", ()))
        line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), 0)
        key = ".".join(map(str, loc)) or "(top level)"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check its spelling and indentation)"
        elif error["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{source}:{line}: {key}: {message}")
    return problems
