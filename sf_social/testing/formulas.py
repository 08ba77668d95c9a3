"""Salesforce's formula language, the part validation rules use, for the local org.

``parse(text)`` reads a formula into a tree once; ``evaluate(tree, scope)`` computes it
for one record. Supported: literals (numbers, ``"strings"``, ``TRUE``, ``FALSE``, ``NULL``),
field references (``Status__c``, one or more relationship hops ``Case__r.Field__c``,
globals ``$Permission.Name`` and ``$User.Id``), the operators ``&&``, ``||``, ``!``, ``=``,
``==``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``+``, ``-``, ``*``, ``/`` and ``&``
(text), and the functions of :data:`FUNCTIONS`. Anything else is a ``FormulaError``: the
caller then knows it cannot enforce that formula, instead of enforcing it wrongly.

Blank handling follows a formula's "treat blanks as blanks": a blank field is ``None``; a
blank checkbox reads ``False`` where a condition is expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class FormulaError(ValueError):
    """A formula the local org cannot read or compute."""


class Scope(Protocol):
    """What a formula reads of the record being saved."""

    @property
    def is_new(self) -> bool:
        """Whether the save creates the record."""

    def value(self, path: tuple[str, ...]) -> Any:
        """A field (``("Status__c",)``), a parent's (``("Case__r", "X__c")``) or a global's
        (``("$Permission", "Name")``) value."""

    def prior(self, field: str) -> Any:
        """The field's value before this save (``None`` on create)."""


@dataclass(frozen=True)
class Ref:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Op:
    symbol: str
    args: tuple[Node, ...]


Node = Ref | Call | Op | str | float | bool | None

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<name>\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<op>&&|\|\||==|!=|<>|<=|>=|[-+*/&=<>!(),])
    )""",
    re.VERBOSE,
)
_BINARY = (
    ("||",),
    ("&&",),
    ("=", "==", "!=", "<>", "<", "<=", ">", ">="),
    ("&",),
    ("+", "-"),
    ("*", "/"),
)


def parse(text: str) -> Node:
    """The formula ``text`` as a tree; ``FormulaError`` naming what could not be read."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            rest = text[position:].lstrip()[:20]
            raise FormulaError(f"cannot read the formula at {rest!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    parser = _Parser(tokens)
    tree = parser.expression(0)
    if parser.at < len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.at][1]!r} in the formula")
    return tree


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise FormulaError("the formula ends too early")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise FormulaError(f"expected {expected!r}, found {token[1]!r}")
        self.at += 1
        return token

    def expression(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        left = self.expression(level + 1)
        while self.peek() in _BINARY[level]:
            symbol = self.take()[1]
            left = Op(symbol, (left, self.expression(level + 1)))
        return left

    def unary(self) -> Node:
        if self.peek() in ("!", "-"):
            symbol = self.take()[1]
            return Op("neg" if symbol == "-" else "!", (self.unary(),))
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        if kind != "name":
            raise FormulaError(f"unexpected {text!r} in the formula")
        upper = text.upper()
        if self.peek() == "(":
            return Call(upper, self.arguments())
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        if upper == "NULL":
            return None
        return Ref(tuple(text.split(".")))

    def arguments(self) -> tuple[Node, ...]:
        self.take("(")
        args: list[Node] = []
        while self.peek() != ")":
            args.append(self.expression(0))
            if self.peek() == ",":
                self.take()
        self.take(")")
        return tuple(args)


def evaluate(node: Node, scope: Scope) -> Any:
    """``node``'s value for the record ``scope`` reads."""
    if isinstance(node, Ref):
        return scope.value(node.path)
    if isinstance(node, Op):
        return _operate(node, scope)
    if isinstance(node, Call):
        function = FUNCTIONS.get(node.name)
        if function is None:
            raise FormulaError(f"the function {node.name}() is not supported by the local org")
        return function(node.args, scope)
    return node


def truth(value: Any) -> bool:
    """A value where a condition is expected (a blank checkbox is false)."""
    return bool(value) if value is not None else False


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _operate(node: Op, scope: Scope) -> Any:
    values = [evaluate(a, scope) for a in node.args]
    symbol = node.symbol
    if symbol == "!":
        return not truth(values[0])
    if symbol == "neg":
        if values[0] is not None and not isinstance(values[0], int | float):
            raise FormulaError(f"-{values[0]!r}: not a number")
        return None if values[0] is None else -values[0]
    left, right = values
    if symbol == "&&":
        return truth(left) and truth(right)
    if symbol == "||":
        return truth(left) or truth(right)
    if symbol in ("=", "=="):
        return left == right
    if symbol in ("!=", "<>"):
        return left != right
    if symbol == "&":
        return f"{left or ''}{right or ''}"
    if left is None or right is None:
        return None
    try:
        return _ARITHMETIC[symbol](left, right)
    except (TypeError, ZeroDivisionError) as exc:  # Salesforce: an error, not a verdict
        raise FormulaError(f"{left!r} {symbol} {right!r}: {exc}") from None


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _field_name(node: Node, function: str) -> str:
    if not isinstance(node, Ref) or len(node.path) != 1:
        raise FormulaError(f"{function}() takes a field of the record itself")
    return node.path[0]


def _changed(args: tuple[Node, ...], scope: Scope) -> bool:
    name = _field_name(args[0], "ISCHANGED")
    return not scope.is_new and scope.prior(name) != scope.value((name,))


def _if(args: tuple[Node, ...], scope: Scope) -> Any:
    chosen = args[1] if truth(evaluate(args[0], scope)) else args[2] if len(args) > 2 else None
    return evaluate(chosen, scope)


def _text(args: tuple[Node, ...], scope: Scope) -> str:
    value = evaluate(args[0], scope)
    return "" if value is None else str(value)


FUNCTIONS: dict[str, Callable[[tuple[Node, ...], Scope], Any]] = {
    "AND": lambda a, s: all(truth(evaluate(n, s)) for n in a),
    "OR": lambda a, s: any(truth(evaluate(n, s)) for n in a),
    "NOT": lambda a, s: not truth(evaluate(a[0], s)),
    "IF": _if,
    "ISNEW": lambda a, s: s.is_new,
    "ISCHANGED": _changed,
    "PRIORVALUE": lambda a, s: s.prior(_field_name(a[0], "PRIORVALUE")),
    "ISPICKVAL": lambda a, s: (evaluate(a[0], s) or "") == evaluate(a[1], s),
    "ISBLANK": lambda a, s: _blank(evaluate(a[0], s)),
    "ISNULL": lambda a, s: _blank(evaluate(a[0], s)),
    "BLANKVALUE": lambda a, s: evaluate(a[1], s) if _blank(v := evaluate(a[0], s)) else v,
    "TEXT": _text,
    "LEN": lambda a, s: float(len(_text(a, s))),
    "CONTAINS": lambda a, s: _text(a[1:], s) in _text(a, s),
    "BEGINS": lambda a, s: _text(a, s).startswith(_text(a[1:], s)),
}
"""The functions the local org computes."""
