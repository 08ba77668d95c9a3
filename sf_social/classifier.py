"""Classify a post with the seven-segment playbook; every value comes with its evidence.

``Classifier`` is the Protocol: a trained model can replace the rules, or back them up,
as long as it returns a ``Classification``. ``RuleClassifier`` is the playbook's rules;
``classify_with`` lets a learned model (``sf_social.learning``) decide the segment,
complaint and sentiment, while the rules keep what must never depend on statistics:
our own accounts, escalation (legal, fraud, security), priority and language review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sf_social import audience, sentiment
from sf_social.classification import (
    Classification,
    Evidence,
    ListeningTopic,
    Priority,
    Segment,
    Sentiment,
)
from sf_social.language import UNDETERMINED, guess_language
from sf_social.plan import trusted
from sf_social.playbook import Playbook, Rule
from sf_social.posts import Direction, Network, SocialPost
from sf_social.routing import route
from sf_social.rules import Hit, RuleBook, score
from sf_social.text import NormalizedText, Normalizer, strip_invisible

Matches = dict[str, list[Hit]]


class Classifier(Protocol):
    """Anything that can tell what a post is."""

    def classify(self, post: SocialPost) -> Classification:
        """The classification of ``post``, with evidence for each value."""
        ...


@dataclass(frozen=True)
class Learned:
    """What a model decided for one post; ``None`` leaves a value to the rules.

    ``fields`` names the values the model decided (``segment`` may be decided as None:
    no action); the rules' evidence for them is replaced by ``evidence``.
    """

    fields: frozenset[str]
    segment: Segment | None = None
    complaint: bool | None = None
    sentiment: Sentiment | None = None
    evidence: list[Evidence] = field(default_factory=list)
    review_reason: str | None = None
    model: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RulesSaid:
    """What the rules saw and decided before any model: a model's input."""

    tokens: str
    """The normalized text (``sf_social.text.normalize`` with the playbook's slang)."""
    segment: Segment | None
    complaint: bool
    compound: float
    """VADER's compound score."""


Learn = Callable[[SocialPost, RulesSaid], Learned]
"""A model's decision from the post and what the rules said of it."""


class RuleClassifier:
    """The playbook's rules, compiled once."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        listening = playbook.listening
        self._topics = [
            (ListeningTopic.BRAND, "listening.brand"),
            (ListeningTopic.COMPETITOR, "listening.competitors"),
            (ListeningTopic.INDUSTRY, "listening.industry"),
        ]
        brand_words = listening.brand + listening.products + listening.executives
        rule_sets = {
            **{f"segments.{s.value}": c.rules for s, c in playbook.segments.items()},
            "complaint": playbook.complaint.rules,
            **{f"escalation.{r.name}": r.rules for r in playbook.escalation.rules},
            "listening.brand": _phrases(brand_words + listening.nicknames),
            "listening.competitors": _phrases(listening.competitors),
            "listening.industry": _phrases(listening.industry),
        }
        self._rule_sets = rule_sets
        self._book = RuleBook(rule_sets)
        self._normalizers = {
            network: Normalizer(
                {**playbook.slang.get("all", {}), **playbook.slang.get(network.value, {})}
            )
            for network in Network
        }
        self._languages = {lang.lower() for lang in playbook.languages}
        self._segments = [
            (segment, config, f"segments.{segment.value}", config.min_score > 0)
            for segment, config in playbook.segments.items()
        ]
        self._complaint_excludes = frozenset(playbook.complaint.excludes)
        self._escalations = [(r, f"escalation.{r.name}") for r in playbook.escalation.rules]

    def classify(self, post: SocialPost) -> Classification:
        """Classify one post."""
        return self.classify_with(post, None)

    def classify_with(self, post: SocialPost, learn: Learn | None) -> Classification:
        """Classify one post; ``learn`` (if given) decides the values it has learned."""
        evidence: list[Evidence] = []
        text = self._normalizers[post.network](post.text)
        matches = self._book.match(text.tokens)
        compound = sentiment.compound_score(strip_invisible(post.text))
        tier, tier_evidence = audience.influence_tier(post.author)
        classes, class_evidence = audience.user_classes(post.author, self.playbook)
        tags, tag_evidence = audience.source_tags(post.author, self.playbook)
        evidence += tier_evidence + class_evidence + tag_evidence
        language = self._language(post, text, evidence)
        topic = self._topic(post, text, matches, evidence)

        if self._is_outbound(post):
            evidence.append(
                Evidence(field="segment", value="none", rule="brand.accounts", detail="our post")
            )
            return trusted(
                Classification,
                _OUTBOUND_SET,
                {
                    "segment": None,
                    "complaint": False,
                    "sentiment": sentiment.label(compound),
                    "sentiment_score": compound,
                    "influence_tier": tier,
                    "user_classes": classes,
                    "source_tags": tags,
                    "topic": topic,
                    "priority": Priority.LOW,
                    "escalate": False,
                    "team": None,
                    "language": language,
                    "review_reason": None,
                    "evidence": evidence,
                    "model": None,
                    "confidence": {},
                },
            )

        segment = self._segment(matches, compound, evidence)
        complaint = self._is_complaint(matches, segment, compound, evidence)
        excluded = self._complaint_excludes
        if complaint and segment in excluded:
            evidence.append(
                Evidence(
                    field="segment",
                    value="none",
                    rule="complaint.excludes",
                    detail=f"a complaint is not {segment}",
                )
            )
            segment = self._segment(matches, compound, evidence, excluded)
        if learn is None:
            learned = _NOTHING_LEARNED
        else:
            learned = learn(post, RulesSaid(text.tokens, segment, complaint, compound))
        if learned.fields:
            evidence = [e for e in evidence if e.field not in learned.fields] + learned.evidence
        if "segment" in learned.fields:
            segment = learned.segment
        if learned.complaint is not None:
            complaint = learned.complaint
        off_brand = topic is ListeningTopic.COMPETITOR or topic is ListeningTopic.INDUSTRY
        if topic is not None and off_brand:
            segment, complaint = self._off_brand(topic, segment, complaint, evidence, learned)
        if learned.sentiment is not None:
            mood = learned.sentiment
        else:
            mood = self._sentiment(compound, complaint, segment, evidence)
        escalations = {} if off_brand else matches
        escalate, priority = self._priority(post, escalations, segment, complaint, mood, evidence)
        covered = language is None or language in self._languages
        review_reason = learned.review_reason
        team: str | None = None
        if covered:
            team, team_evidence = route(self.playbook, post, segment, complaint, language)
            evidence += [team_evidence] if team_evidence else []
        else:
            review_reason = (
                f"language {language!r} is not covered by the playbook "
                f"(covers {', '.join(sorted(self._languages))})"
            )
            evidence.append(
                Evidence(field="team", value="review", rule="languages", detail=review_reason)
            )
        values = {
            "segment": segment,
            "complaint": complaint,
            "sentiment": mood,
            "sentiment_score": compound,
            "influence_tier": tier,
            "user_classes": classes,
            "source_tags": tags,
            "topic": topic,
            "priority": priority,
            "escalate": escalate,
            "team": team,
            "language": language,
            "review_reason": review_reason,
            "evidence": evidence,
            "model": learned.model,
            "confidence": learned.confidence,
        }
        if learn is None:  # every value built here, of its type: no validation (~8 us)
            values["confidence"] = {}
            return trusted(Classification, _ALL_SET, values)
        return Classification(**values)

    def _is_outbound(self, post: SocialPost) -> bool:
        author = post.author.handle if post.author else None
        return post.direction is Direction.OUTBOUND or self.playbook.is_our_account(author)

    def _language(
        self, post: SocialPost, text: NormalizedText, evidence: list[Evidence]
    ) -> str | None:
        if post.lang and post.lang not in UNDETERMINED:
            language = post.lang.split("-")[0]
            evidence.append(Evidence(field="language", value=language, rule="post.lang"))
            return language
        guessed = guess_language(text.tokens.split(" "))
        if guessed:
            evidence.append(Evidence(field="language", value=guessed, rule="stopword guess"))
        return guessed

    def _topic(
        self, post: SocialPost, text: NormalizedText, matches: Matches, evidence: list[Evidence]
    ) -> ListeningTopic | None:
        ours = [m for m in text.mentions if self.playbook.is_our_account(m)]
        if ours or post.account:
            detail = f"@{ours[0]}" if ours else f"received on @{post.account}"
            evidence.append(
                Evidence(
                    field="topic", value=ListeningTopic.BRAND, rule="brand.accounts", detail=detail
                )
            )
            return ListeningTopic.BRAND
        for topic, name in self._topics:
            hits = matches.get(name)
            if hits:
                evidence.append(_evidence("topic", topic, name, hits))
                return topic
        return None

    def _segment(
        self,
        matches: Matches,
        compound: float,
        evidence: list[Evidence],
        excluded: frozenset[Segment] = frozenset(),
    ) -> Segment | None:
        best: tuple[bool, float, Segment, str, list[Hit]] | None = None
        label = ""
        for segment, config, name, needs_hits in self._segments:
            if excluded and segment in excluded:
                continue
            hits = matches.get(name)
            bonus = config.sentiment
            if bonus is not None and bonus.applies(compound):
                label = label or f"sentiment {compound:+.2f}"
                hits = [*(hits or ()), Hit(label, bonus.weight, label)]
            elif hits is None:
                if needs_hits:  # a score of 0 cannot reach its min_score
                    continue
                hits = []
            total = score(hits)
            rank = (not config.fallback, total)
            if total >= config.min_score and (best is None or rank > best[:2]):
                best = (not config.fallback, total, segment, name, hits)
        if best is None:
            detail = "no rule reached its min_score"
            if excluded:
                detail += f" once {', '.join(sorted(excluded))} was ruled out by the complaint"
            evidence.append(Evidence(field="segment", value="none", rule="segments", detail=detail))
            return None
        _, total, segment, name, hits = best
        evidence.append(_evidence("segment", segment, name, hits, total))
        return segment

    def _off_brand(
        self,
        topic: ListeningTopic,
        segment: Segment | None,
        complaint: bool,
        evidence: list[Evidence],
        learned: Learned,
    ) -> tuple[Segment | None, bool]:
        """A post about a competitor or the industry: no complaint against us; only the
        playbook's ``off_brand_segments`` (a buying signal, by default) stay actionable.
        A value the model learned stays as the model said."""
        rule = "listening.off_brand_segments"
        detail = f"about the {topic.value.lower()}, not us"
        if complaint and learned.complaint is None:
            evidence.append(Evidence(field="complaint", value="false", rule=rule, detail=detail))
            complaint = False
        off_brand = self.playbook.listening.off_brand_segments
        if segment is not None and segment not in off_brand and "segment" not in learned.fields:
            evidence.append(Evidence(field="segment", value="none", rule=rule, detail=detail))
            segment = None
        return segment, complaint

    def _is_complaint(
        self,
        matches: Matches,
        segment: Segment | None,
        compound: float,
        evidence: list[Evidence],
    ) -> bool:
        config = self.playbook.complaint
        hits = list(matches.get("complaint", ()))
        if not hits:
            return False
        if segment in config.segment_weights:
            label = f"segment {segment}"
            hits.append(Hit(label, config.segment_weights[segment], label))
        if config.sentiment is not None and config.sentiment.applies(compound):
            label = f"sentiment {compound:+.2f}"
            hits.append(Hit(label, config.sentiment.weight, label))
        total = score(hits)
        if total >= config.min_score:
            evidence.append(_evidence("complaint", "true", "complaint", hits, total))
            return True
        return False

    def _sentiment(
        self,
        compound: float,
        complaint: bool,
        segment: Segment | None,
        evidence: list[Evidence],
    ) -> Sentiment:
        """VADER's label, except that a complaint or an abusive post is never positive nor
        neutral: VADER reads sarcasm ("thanks for the 3 hour delay") and flat grievances
        ("bag still not here after 2 weeks") as positive or neutral. Praise is positive
        unless clearly negative; a question or a suggestion is neutral unless clearly either."""
        mood = sentiment.label(compound)
        hostile = complaint or segment is Segment.ABUSE
        if hostile and mood is not Sentiment.NEGATIVE:
            what = "a complaint" if complaint else "an abusive post"
            reading = "sarcasm" if mood is Sentiment.POSITIVE else "a flat grievance"
            evidence.append(
                Evidence(
                    field="sentiment",
                    value=Sentiment.NEGATIVE,
                    rule="complaint overrides lexicon",
                    detail=f"VADER {compound:+.2f} on {what}: read as {reading}",
                )
            )
            return Sentiment.NEGATIVE
        low, high = sentiment.INFORMATIONAL_NEUTRAL
        rule = "VADER"
        if hostile or segment is None:
            pass
        elif segment is Segment.PRAISE and compound > sentiment.PRAISE_POSITIVE_ABOVE:
            rule, mood = "praise is positive", Sentiment.POSITIVE
        elif segment in _INFORMATIONAL and low < compound < high:
            rule, mood = f"{segment._value_.lower()} is neutral", Sentiment.NEUTRAL
        evidence.append(
            Evidence(field="sentiment", value=mood, rule=rule, detail=f"compound {compound:+.2f}")
        )
        return mood

    def _priority(
        self,
        post: SocialPost,
        matches: Matches,
        segment: Segment | None,
        complaint: bool,
        mood: Sentiment,
        evidence: list[Evidence],
    ) -> tuple[bool, Priority]:
        """Escalation rules apply to posts about us (``matches`` is empty for others)."""
        levels = [Priority.LOW]
        escalate = False
        for rule, name in self._escalations:
            hits = matches.get(name)
            if hits:
                escalate = True
                levels.append(rule.priority)
                evidence.append(_evidence("escalate", "true", name, hits))
        followers = post.author.followers if post.author and post.author.followers else 0
        floor = self.playbook.escalation.complaint_min_followers
        if complaint and mood is Sentiment.NEGATIVE and followers >= floor:
            escalate = True
            levels.append(Priority.HIGH)
            evidence.append(
                Evidence(
                    field="escalate",
                    value="true",
                    rule="escalation.complaint_min_followers",
                    detail=f"negative complaint from {followers:,} followers ≥ {floor:,}",
                )
            )
        if segment is Segment.FRAUD:
            levels.append(Priority.HIGH)
        elif complaint or segment in (Segment.REQUEST, Segment.ABUSE):
            levels.append(Priority.MEDIUM)
        priority = min(levels, key=_RANK.__getitem__)
        evidence.append(Evidence(field="priority", value=priority, rule="priority rules"))
        return escalate, priority


_ALL_SET = frozenset(Classification.model_fields)
_OUTBOUND_SET = _ALL_SET - {"escalate", "team", "review_reason", "model", "confidence"}
"""The fields a rules-only classification sets (built as ``sf_social.plan.trusted``: the
compound is a float in [-1, 1], every other value is of its field's type)."""
_NOTHING_LEARNED = Learned(frozenset())
"""What the rules alone decide with: no model (its dict and list are never changed)."""
_INFORMATIONAL = (Segment.QUESTION, Segment.SUGGESTION)
_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


def _phrases(phrases: list[str]) -> list[Rule]:
    return [Rule(phrase=p) for p in phrases]


def _evidence(
    field: str, value: str, rule: str, hits: list[Hit], total: float | None = None
) -> Evidence:
    detail = ", ".join(
        [f"{h.rule}→'{h.matched}'" if h.rule.strip("'") != h.matched else h.rule for h in hits]
    )
    if total is not None:
        detail += f"; score {total:g}"
    return Evidence(field=field, value=value, rule=rule, detail=detail)
