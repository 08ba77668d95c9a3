"""A SOQL subset: lexer and parser.

``SELECT f1, f2 | COUNT() FROM Object [WHERE condition] [ORDER BY f [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]``, where a condition combines comparisons
(``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``[NOT] IN (...)``, ``[NOT] LIKE``,
``INCLUDES``/``EXCLUDES``) with ``AND``, ``OR``, ``NOT`` and parentheses. As in
Salesforce, mixing ``AND`` and ``OR`` at one level without parentheses is an error.

String literals take single quotes and the escapes of the SOQL reference ("Quoted String
Escape Sequences"): ``\\'``, ``\\"``, ``\\\\``, ``\\n``, ``\\r``, ``\\t``, ``\\b``,
``\\f`` (either case), ``\\uXXXX``, and ``\\%``, ``\\_`` in a LIKE pattern only; any other
backslash is an error. So a correctly escaped ``x' OR Name LIKE '%`` stays one literal, and
an unescaped one breaks the query instead of widening it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sf_social.testing.replies import ApiFault

_ESCAPES = {
    "n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b",
    "f": "\f", "F": "\f", '"': '"', "'": "'", "\\": "\\", "%": "%", "_": "_",
}  # fmt: skip
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_KEYWORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "INCLUDES",
        "EXCLUDES",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "TRUE",
        "FALSE",
        "NULL",
    ]
)
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<quote>')
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """One lexical token and where it starts in the query."""

    kind: str
    text: str
    pos: int
    value: object = None
    chars: tuple[tuple[str, bool], ...] = ()
    """For strings with an escape: each character and whether it was escaped (LIKE needs
    to know); empty when none was (each character is then itself, unescaped)."""
    like_only: int | None = None
    """For strings: where its first ``\\%`` or ``\\_`` is (an error outside LIKE)."""

    def is_keyword(self, word: str) -> bool:
        """Whether this token is the keyword ``word`` (any case)."""
        return self.kind == "name" and self.text.upper() == word


@dataclass(frozen=True)
class Literal:
    """A value in a condition."""

    kind: str  # string | number | boolean | null | date | datetime
    value: object
    pos: int
    chars: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class Comparison:
    """``field op value`` (``op`` is =, !=, <, <=, >, >=, IN, NOT IN, LIKE, INCLUDES...)."""

    field: str
    field_pos: int
    op: str
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Logical:
    """``AND`` / ``OR`` of several conditions, or ``NOT`` of one."""

    op: str
    parts: tuple[Condition, ...]


Condition = Comparison | Logical


@dataclass(frozen=True)
class Order:
    """One ``ORDER BY`` term."""

    field: str
    pos: int
    descending: bool = False
    nulls_last: bool | None = None


@dataclass
class Query:
    """A parsed query; positions let errors point at the offending token."""

    text: str
    fields: list[tuple[str, int]] = field(default_factory=list)
    count: bool = False
    sobject: str = ""
    sobject_pos: int = 0
    where: Condition | None = None
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


def error(query: str, pos: int, code: str, message: str) -> ApiFault:
    """A query error pointing at ``pos``, formatted like Salesforce's."""
    before = query[:pos]
    row = before.count("\n") + 1
    column = pos - (before.rfind("\n") + 1)
    line = query.splitlines()[row - 1] if query.strip() else ""
    pointer = " " * column + "^"
    return ApiFault(
        400, code, f"\n{line}\n{pointer}\nERROR at Row:{row}:Column:{column + 1}\n{message}"
    )


def tokenize(query: str) -> list[Token]:
    """The tokens of ``query``; MALFORMED_QUERY on a character SOQL does not know."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            raise error(query, pos, "MALFORMED_QUERY", f"unexpected token: '{query[pos]}'")
        kind = match.lastgroup or ""
        if kind == "quote":
            token, pos = _string(query, pos)
            tokens.append(token)
            continue
        text = match.group()
        if kind == "datetime":
            tokens.append(Token(kind, text, pos, _parse_datetime(query, text, pos)))
        elif kind == "date":
            tokens.append(Token(kind, text, pos, date.fromisoformat(text)))
        elif kind == "number":
            tokens.append(Token(kind, text, pos, float(text)))
        elif kind != "ws":
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(query)))
    return tokens


def _parse_datetime(query: str, text: str, pos: int) -> datetime:
    normal = text.replace("Z", "+00:00")
    normal = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normal)
    try:
        return datetime.fromisoformat(normal)
    except ValueError:
        raise error(query, pos, "MALFORMED_QUERY", f"invalid date/time: {text}") from None


def _string(query: str, start: int) -> tuple[Token, int]:
    end = query.find("'", start + 1)
    if end != -1 and query.find("\\", start + 1, end) == -1:  # no escapes: the usual case
        return Token("string", query[start : end + 1], start, query[start + 1 : end]), end + 1
    return _escaped_string(query, start)


def _escaped_string(query: str, start: int) -> tuple[Token, int]:
    chars: list[tuple[str, bool]] = []
    like_only: int | None = None
    pos = start + 1
    while pos < len(query):
        char = query[pos]
        if char == "'":
            value = "".join(c for c, _ in chars)
            token = Token("string", query[start : pos + 1], start, value, tuple(chars), like_only)
            return token, pos + 1
        if char == "\\":
            following = query[pos + 1 : pos + 2]
            code = query[pos + 2 : pos + 6]
            if following == "u" and _HEX4.fullmatch(code):
                chars.append((chr(int(code, 16)), True))
                pos += 6
                continue
            if following not in _ESCAPES:
                raise illegal_escape(query, start, pos)
            if following in "%_" and like_only is None:
                like_only = pos
            chars.append((_ESCAPES[following], True))
            pos += 2
            continue
        chars.append((char, False))
        pos += 1
    raise error(query, start, "MALFORMED_QUERY", "unexpected token: <EOF>: unterminated string")


def illegal_escape(query: str, start: int, at: int) -> ApiFault:
    """Salesforce's answer to the backslash at ``at`` in the literal opened at ``start``."""
    return error(
        query,
        start,
        "MALFORMED_QUERY",
        f"Invalid string literal '{query[start + 1 : at + 2]}'. Illegal character sequence"
        f" '{query[at : at + 2]}' in string literal.",
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def fail(self, token: Token | None = None) -> ApiFault:
        token = token or self.token
        shown = "<EOF>" if token.kind == "eof" else token.text
        return error(self.text, token.pos, "MALFORMED_QUERY", f"unexpected token: '{shown}'")

    def take(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.token.is_keyword(word):
            self.at += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail()

    def expect(self, text: str) -> None:
        if self.token.text != text or self.token.kind not in ("punct", "op"):
            raise self.fail()
        self.at += 1

    def field_name(self) -> Token:
        token = self.token
        if token.kind != "name" or token.text.upper() in _KEYWORDS:
            raise self.fail()
        self.at += 1
        return token

    def parse(self) -> Query:
        query = Query(self.text)
        self.expect_keyword("SELECT")
        if self.token.is_keyword("COUNT") or (
            self.token.text.upper() == "COUNT" and self.tokens[self.at + 1].text == "("
        ):
            self.take()
            self.expect("(")
            self.expect(")")
            query.count = True
        else:
            while True:
                name = self.field_name()
                query.fields.append((name.text, name.pos))
                if self.token.text != ",":
                    break
                self.take()
        self.expect_keyword("FROM")
        sobject = self.field_name()
        query.sobject, query.sobject_pos = sobject.text, sobject.pos
        if self.keyword("WHERE"):
            query.where = self.condition()
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            query.order = self.order()
        if self.keyword("LIMIT"):
            query.limit = self.integer()
        if self.keyword("OFFSET"):
            query.offset = self.integer()
        if self.token.kind != "eof":
            raise self.fail()
        return query

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or not isinstance(token.value, float) or token.value < 0:
            raise self.fail(token)
        return int(token.value)

    def order(self) -> list[Order]:
        terms: list[Order] = []
        while True:
            name = self.field_name()
            descending = self.keyword("DESC")
            if not descending:
                self.keyword("ASC")
            nulls_last: bool | None = None
            if self.keyword("NULLS"):
                if self.keyword("LAST"):
                    nulls_last = True
                else:
                    self.expect_keyword("FIRST")
                    nulls_last = False
            terms.append(Order(name.text, name.pos, descending, nulls_last))
            if self.token.text != ",":
                return terms
            self.take()

    def condition(self) -> Condition:
        parts = [self.unary()]
        connector: str | None = None
        while self.token.is_keyword("AND") or self.token.is_keyword("OR"):
            word = self.token.text.upper()
            if connector is not None and word != connector:
                raise self.fail()
            connector = word
            self.take()
            parts.append(self.unary())
        return parts[0] if connector is None else Logical(connector, tuple(parts))

    def unary(self) -> Condition:
        if self.keyword("NOT"):
            return Logical("NOT", (self.unary(),))
        if self.token.text == "(" and self.token.kind == "punct":
            self.take()
            inner = self.condition()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        name = self.field_name()
        token = self.token
        if token.kind == "op":
            self.take()
            return Comparison(name.text, name.pos, token.text, (self.literal(),))
        negated = self.keyword("NOT")
        if self.keyword("IN"):
            return Comparison(name.text, name.pos, "NOT IN" if negated else "IN", self.values())
        if self.keyword("LIKE"):
            value = self.literal(like=True)
            if value.kind != "string":
                raise self.fail()
            return Comparison(name.text, name.pos, "NOT LIKE" if negated else "LIKE", (value,))
        if not negated and (self.token.is_keyword("INCLUDES") or self.token.is_keyword("EXCLUDES")):
            op = self.take().text.upper()
            return Comparison(name.text, name.pos, op, self.values())
        raise self.fail()

    def values(self) -> tuple[Literal, ...]:
        self.expect("(")
        found = [self.literal()]
        while self.token.text == "," and self.token.kind == "punct":
            self.take()
            found.append(self.literal())
        self.expect(")")
        return tuple(found)

    def literal(self, *, like: bool = False) -> Literal:
        token = self.take()
        if token.kind == "string":
            if token.like_only is not None and not like:
                raise illegal_escape(self.text, token.pos, token.like_only)
            return Literal("string", token.value, token.pos, token.chars)
        if token.kind in ("number", "date", "datetime"):
            return Literal(token.kind, token.value, token.pos)
        if token.is_keyword("TRUE") or token.is_keyword("FALSE"):
            return Literal("boolean", token.text.upper() == "TRUE", token.pos)
        if token.is_keyword("NULL"):
            return Literal("null", None, token.pos)
        raise self.fail(token)


def parse(text: str) -> Query:
    """Parse a query; ``ApiFault`` MALFORMED_QUERY if it is not SOQL we understand."""
    if not text.strip():
        raise ApiFault(400, "MALFORMED_QUERY", "unexpected token: <EOF>")
    return _Parser(text).parse()
