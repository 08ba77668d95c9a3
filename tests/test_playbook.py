"""Playbook loading: the bundled default, and errors that name file:LINE and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sf_social.classification import Priority, Segment, SourceTag
from sf_social.errors import ConfigError, PlaybookError
from sf_social.playbook import (
    People,
    Playbook,
    Rule,
    default_playbook_path,
    load_playbook,
    parse_playbook,
)

DEFAULT = default_playbook_path().read_text(encoding="utf-8")

SEGMENTS_YAML = "\n".join(f"  {s.value}:\n    rules: [{s.value.lower()}]" for s in Segment)
TEAMS_YAML = "\n".join(f"    {s.value}: Team" for s in Segment)
REPLIES_YAML = "\n".join(f'  {s.value}: "Hi @{{handle}}"' for s in Segment)
MINIMAL = f"""\
version: 1
brand:
  name: Acme
  accounts: [AcmeCo]
languages: [en]
listening:
  brand: [acme]
segments:
{SEGMENTS_YAML}
complaint:
  rules: [still waiting]
routing:
  teams:
    Team: Team_Queue
  segments:
{TEAMS_YAML}
  complaint_team: Team
  review_queue: Review
replies:
{REPLIES_YAML}
response_targets:
  by_priority: {{High: 60}}
case_types:
  Request: Problem
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the only line of ``text`` containing ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def edit(old: str, new: str, text: str = DEFAULT) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def problems(text: str, source: str = "pb.yaml") -> list[str]:
    with pytest.raises(PlaybookError) as exc:
        parse_playbook(text, source)
    assert exc.value.path == source
    return exc.value.problems


class TestDefault:
    def test_bundled_default_loads(self) -> None:
        playbook = load_playbook()
        assert isinstance(playbook, Playbook)
        assert playbook.version == 1
        assert playbook.brand.name == "Northwind Bank"
        assert set(playbook.segments) == set(Segment)
        assert set(playbook.routing.segments) == set(Segment)
        assert set(playbook.replies) == set(Segment)
        assert "en" in playbook.languages
        assert playbook.source == str(default_playbook_path())

    def test_default_path_is_the_mappings_folder(self) -> None:
        assert default_playbook_path().name == "default.yaml"
        assert default_playbook_path().parent.name == "mappings"

    def test_every_routed_team_has_a_queue(self) -> None:
        routing = load_playbook().routing
        assert set(routing.segments.values()) <= set(routing.teams)
        assert routing.complaint_team in routing.teams

    def test_our_accounts_are_recognized_with_or_without_at(self) -> None:
        playbook = load_playbook()
        assert playbook.is_our_account("@northwindhelp")
        assert playbook.is_our_account("NorthwindBank")
        assert not playbook.is_our_account("someone")
        assert not playbook.is_our_account(None)

    def test_minimal_playbook_parses_with_defaults(self) -> None:
        playbook = parse_playbook(MINIMAL, "mini.yaml")
        assert playbook.source == "mini.yaml"
        assert playbook.threading.reopen_days == 5
        assert playbook.escalation.complaint_min_followers == 10_000
        assert playbook.response_targets.by_priority == {Priority.HIGH: 60}
        assert playbook.segments[Segment.FRAUD].rules == [Rule(phrase="fraud")]

    def test_loaded_from_a_file_the_source_is_the_path(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.yaml"
        path.write_text(MINIMAL, encoding="utf-8")
        assert load_playbook(path).source == str(path)


class TestErrorsNameFileLineAndKey:
    def test_unknown_top_level_key(self) -> None:
        text = edit("version: 1\n", "version: 1\nverison: 2\n")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, 'verison')}: verison: "
            "unknown key (check its spelling and indentation)"
        ]

    def test_unknown_nested_key(self) -> None:
        text = edit("  name: Northwind Bank\n", "  name: Northwind Bank\n  nmae: typo\n")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, 'nmae')}: brand.nmae: "
            "unknown key (check its spelling and indentation)"
        ]

    def test_unknown_key_in_a_rule(self) -> None:
        text = edit('{phrase: "worst", weight: 1}', '{phrase: "worst", wieght: 1}')
        line = line_of(text, "wieght")
        [problem] = problems(text)
        assert problem.startswith(f"pb.yaml:{line}: segments.Abuse.rules.")
        assert problem.endswith(".wieght: unknown key (check its spelling and indentation)")

    def test_unknown_key_in_a_small_file(self) -> None:
        text = MINIMAL.replace("  accounts: [AcmeCo]\n", "  accounts: [AcmeCo]\n  color: red\n")
        assert problems(text, "mini.yaml") == [
            "mini.yaml:5: brand.color: unknown key (check its spelling and indentation)"
        ]

    def test_duplicate_key(self) -> None:
        text = edit("  name: Northwind Bank\n", "  name: Northwind Bank\n  name: Contoso\n")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, 'name: Contoso')}: brand.name: "
            "duplicate key (YAML would silently keep only the last one)"
        ]

    def test_duplicate_key_deep_inside(self) -> None:
        text = MINIMAL.replace("    Team: Team_Queue\n", "    Team: Team_Queue\n    Team: Other\n")
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith(f"mini.yaml:{line_of(text, 'Team: Other')}: routing.teams.Team:")
        assert "duplicate key" in problem

    def test_wrong_type_scalar(self) -> None:
        text = edit("  reopen_days: 5", "  reopen_days: five")
        [problem] = problems(text)
        assert problem.startswith(
            f"pb.yaml:{line_of(text, 'reopen_days: five')}: threading.reopen_days: "
        )
        assert "valid integer" in problem

    def test_wrong_type_list_expected(self) -> None:
        text = MINIMAL.replace("accounts: [AcmeCo]", "accounts: AcmeCo")
        assert problems(text, "mini.yaml") == [
            "mini.yaml:4: brand.accounts: Input should be a valid list"
        ]

    def test_wrong_type_enum_value(self) -> None:
        text = edit(
            "    - name: press\n      priority: Medium", "    - name: press\n      priority: Urgent"
        )
        [problem] = problems(text)
        assert problem.startswith(
            f"pb.yaml:{line_of(text, 'priority: Urgent')}: escalation.rules.3.priority: "
        )

    def test_missing_required_key_points_at_its_parent(self) -> None:
        text = MINIMAL.replace("  name: Acme\n", "")
        assert problems(text, "mini.yaml") == ["mini.yaml:2: brand.name: required key is missing"]

    def test_missing_required_nested_key_in_default(self) -> None:
        text = edit("  review_queue: Social_Review", "")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, 'routing:')}: routing.review_queue: required key is missing"
        ]

    def test_missing_required_top_level_key(self) -> None:
        text = MINIMAL.replace("languages: [en]\n", "")
        assert problems(text, "mini.yaml") == ["mini.yaml:1: languages: required key is missing"]

    def test_yaml_syntax_error_names_where_it_was_found_and_where_it_started(self) -> None:
        text = edit("  name: Northwind Bank\n", "  name: [Northwind Bank\n")
        opened = line_of(text, "name: [Northwind")
        [problem] = problems(text)
        # The parser notices the missing ']' on the next line (the next key).
        assert problem.startswith(f"pb.yaml:{opened + 1}: YAML syntax: ")
        assert problem.endswith(f"(while parsing a flow sequence on line {opened})")

    def test_yaml_syntax_error_bad_indentation(self) -> None:
        text = MINIMAL.replace("  accounts: [AcmeCo]\n", "   accounts: [AcmeCo]\n")
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith("mini.yaml:4: YAML syntax: ")

    def test_nul_character_is_a_playbook_error_not_a_crash(self) -> None:
        text = MINIMAL.replace("  name: Acme\n", "  name: Ac\x00me\n")
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith("mini.yaml:3: YAML syntax: character U+0000")

    def test_lone_surrogate_is_a_playbook_error_not_a_crash(self) -> None:
        text = MINIMAL.replace("  name: Acme\n", "  name: Ac\ud800me\n")
        assert problems(text, "mini.yaml") == [
            "mini.yaml:3: not valid Unicode: surrogates not allowed"
        ]

    def test_reply_template_with_unknown_placeholder(self) -> None:
        text = edit("Thank you, @{handle}! We're so", "Thank you, @{user}! We're so")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, '@{user}')}: replies.Praise: unknown placeholder(s) "
            "['user']: only {handle} and {brand} may be used"
        ]

    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("Hi {handle.upper}", "unknown placeholder(s) ['handle.upper']"),
            ("Hi {handle[0]}", "unknown placeholder(s) ['handle[0]']"),
            ("Hi {}", "unknown placeholder(s) ['']"),
            ("Hi {handle", "not a valid reply template"),
            ("Hi {handle:d}", "not a valid reply template"),
        ],
    )
    def test_reply_templates_that_would_fail_at_render_time(
        self, template: str, expected: str
    ) -> None:
        text = MINIMAL.replace('  Lead: "Hi @{handle}"', f'  Lead: "{template}"')
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith(f"mini.yaml:{line_of(text, template)}: replies.Lead: {expected}")

    def test_reply_template_may_use_handle_and_brand(self) -> None:
        text = MINIMAL.replace('  Lead: "Hi @{handle}"', '  Lead: "{brand} says hi, @{handle}"')
        assert parse_playbook(text).replies[Segment.LEAD] == "{brand} says hi, @{handle}"

    def test_routing_a_segment_to_an_undeclared_team(self) -> None:
        text = edit("    Praise: Marketing\n", "    Praise: Marketting\n")
        assert problems(text) == [
            f"pb.yaml:{line_of(text, 'Praise: Marketting')}: routing.segments.Praise: "
            "team(s) ['Marketting'] are not declared under routing.teams"
        ]

    def test_routing_rule_to_an_undeclared_team(self) -> None:
        text = MINIMAL.replace(
            "  review_queue: Review\n",
            "  review_queue: Review\n  rules:\n    - when: {language: es}\n      team: Ghosts\n",
        )
        assert problems(text, "mini.yaml") == [
            f"mini.yaml:{line_of(text, 'team: Ghosts')}: routing.rules.0.team: "
            "team(s) ['Ghosts'] are not declared under routing.teams"
        ]

    def test_complaint_team_undeclared(self) -> None:
        text = MINIMAL.replace("  complaint_team: Team\n", "  complaint_team: Nobody\n")
        assert problems(text, "mini.yaml") == [
            f"mini.yaml:{line_of(text, 'complaint_team')}: routing.complaint_team: "
            "team(s) ['Nobody'] are not declared under routing.teams"
        ]

    def test_rule_with_both_phrase_and_regex(self) -> None:
        text = edit('{phrase: "worst", weight: 1}', '{phrase: "worst", regex: "wor+st", weight: 1}')
        line = line_of(text, "wor+st")
        [problem] = problems(text)
        assert problem.startswith(f"pb.yaml:{line}: segments.Abuse.rules.")
        assert problem.endswith(": give exactly one of 'phrase' or 'regex'")

    def test_rule_with_neither_phrase_nor_regex(self) -> None:
        text = MINIMAL.replace("    rules: [praise]", "    rules: [{weight: 2}]")
        assert problems(text, "mini.yaml") == [
            f"mini.yaml:{line_of(text, 'weight: 2')}: segments.Praise.rules.0: "
            "give exactly one of 'phrase' or 'regex'"
        ]

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            ('"..."', "phrase '...' must start and end with a word"),
            ('{phrase: "can\'t ..."}', 'phrase "can\'t ..." must start and end with a word'),
            ('{phrase: "x*"}', "phrase 'x*': a prefix needs at least 2 letters"),
            ('{phrase: "404*"}', "phrase '404*': a prefix needs at least 2 letters (a number"),
            ('{phrase: "--"}', "phrase '--': '--' has nothing to match"),
            ('{regex: "(unclosed"}', "regex '(unclosed' does not compile: missing )"),
        ],
    )
    def test_a_rule_that_cannot_match_is_refused_at_load(self, rule: str, message: str) -> None:
        text = MINIMAL.replace("    rules: [praise]", f"    rules:\n      - praise\n      - {rule}")
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith(f"mini.yaml:{line_of(text, rule)}: segments.Praise.rules.1: ")
        assert message in problem

    def test_unknown_segment_name(self) -> None:
        text = MINIMAL.replace("  Praise:\n    rules: [praise]", "  Praize:\n    rules: [praise]")
        found = problems(text, "mini.yaml")
        assert any(
            p.startswith(f"mini.yaml:{line_of(text, 'Praize')}: segments.Praize") for p in found
        )

    def test_unknown_case_types_key(self) -> None:
        text = MINIMAL.replace("  Request: Problem\n", "  Request: Problem\n  Refund: Billing\n")
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith(f"mini.yaml:{line_of(text, 'Refund')}: case_types.Refund")
        assert "'Refund' is not a segment or 'complaint'" in problem

    def test_unknown_slang_network(self) -> None:
        text = MINIMAL + "slang:\n  myspace:\n    u: you\n"
        [problem] = problems(text, "mini.yaml")
        assert problem.startswith(f"mini.yaml:{line_of(text, 'myspace')}: slang.myspace: ")

    def test_every_problem_is_reported(self) -> None:
        text = MINIMAL.replace("version: 1\n", "version: 1\nfoo: 1\n").replace(
            "  name: Acme\n", "  name: Acme\n  bar: 2\n"
        )
        assert sorted(problems(text, "mini.yaml")) == [
            "mini.yaml:2: foo: unknown key (check its spelling and indentation)",
            "mini.yaml:5: brand.bar: unknown key (check its spelling and indentation)",
        ]

    def test_sentiment_rule_needs_exactly_one_bound(self) -> None:
        text = MINIMAL.replace(
            "  Praise:\n    rules: [praise]",
            "  Praise:\n    sentiment: {above: 0.5, below: -0.5}\n    rules: [praise]",
        )
        assert problems(text, "mini.yaml") == [
            f"mini.yaml:{line_of(text, 'above: 0.5')}: segments.Praise.sentiment: "
            "give exactly one of 'above' or 'below'"
        ]

    def test_message_lists_problems_and_is_a_config_error(self) -> None:
        with pytest.raises(ConfigError) as exc:
            parse_playbook(MINIMAL.replace("version: 1", "version: 2"), "mini.yaml")
        message = str(exc.value)
        assert message.startswith("invalid playbook mini.yaml (1 problem(s)):")
        assert "  - mini.yaml:1: version: " in message


class TestNotAPlaybook:
    @pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
    def test_not_a_mapping(self, text: str) -> None:
        assert problems(text) == ["pb.yaml:1: the playbook must be a YAML mapping"]

    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "absent.yaml"
        with pytest.raises(PlaybookError) as exc:
            load_playbook(path)
        [problem] = exc.value.problems
        assert problem.startswith(f"{path}: cannot read: ")

    def test_file_that_is_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.yaml"
        path.write_bytes(MINIMAL.replace("Acme\n", "Acm\xe9\n", 1).encode("latin-1"))
        with pytest.raises(PlaybookError, match="cannot read"):
            load_playbook(path)

    def test_errors_from_a_file_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(edit("version: 1\n", "version: 1\nverison: 2\n"), encoding="utf-8")
        with pytest.raises(PlaybookError) as exc:
            load_playbook(path)
        text = path.read_text(encoding="utf-8")
        assert exc.value.path == str(path)
        assert exc.value.problems == [
            f"{path}:{line_of(text, 'verison')}: verison: "
            "unknown key (check its spelling and indentation)"
        ]


class TestRulesAndPeople:
    def test_a_plain_string_is_a_phrase_rule(self) -> None:
        assert Rule.model_validate("scam*") == Rule(phrase="scam*", weight=1.0)

    def test_rule_needs_exactly_one_of_phrase_or_regex(self) -> None:
        with pytest.raises(ValueError, match="exactly one"):
            Rule(phrase="a", regex="b")
        with pytest.raises(ValueError, match="exactly one"):
            Rule()

    def test_people_tags_are_case_insensitive(self) -> None:
        people = People(employees=["DanaW"], competitors=["ContosoBank"], partners=["danaw"])
        assert people.tags_for("danaw") == [SourceTag.EMPLOYEE, SourceTag.PARTNER]
        assert people.tags_for("CONTOSOBANK") == [SourceTag.COMPETITOR]
        assert people.tags_for("someone") == []
        assert people.tags_for(None) == []
