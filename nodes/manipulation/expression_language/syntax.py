"""Tokenizer and Pratt parser of the expression language: text in, AST out.

Positions are kept on every token and node so each error names its character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from studio.core.errors import ConfigureError

MAX_LENGTH = 10_000
MAX_NESTING = 50  # brackets, calls and prefix operators inside one another
MAX_DEPTH = 150  # depth of the parsed tree (a chain of 150 '+' is deep too)


class ExpressionError(ConfigureError):
    """An expression that cannot be parsed, type-checked or evaluated; names the position."""

    def __init__(
        self, message: str, position: int | None = None, *, where: str | None = "expression"
    ):
        self.position = position
        self.raw = message
        text = f"at character {position + 1}: {message}" if position is not None else message
        super().__init__(text, where=where)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    text: str
    pos: int
    value: Any = None


_OPS = ("**", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", "=")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def tokenize(text: str) -> list[Token]:
    """Split the text into tokens; an unknown character or an open string is an error."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch.isascii() and (
            ch.isdigit() or (ch == "." and i + 1 < len(text) and text[i + 1].isdigit())
        ):
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), i, float(m.group())))
            i = m.end()
            continue
        if ch.isalpha() and not ch.isascii():
            raise ExpressionError(
                f'unexpected character {ch!r}: write names with other letters as col("name")', i
            )
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME.match(text, i)
            assert m is not None
            tokens.append(Token("name", m.group(), i))
            i = m.end()
            continue
        if ch in "\"'":
            value, end = _read_string(text, i)
            tokens.append(Token("string", text[i:end], i, value))
            i = end
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is None:
            raise ExpressionError(f"unexpected character {ch!r}", i)
        if op == "=":
            raise ExpressionError("'=' is not an operator: compare with '=='", i)
        tokens.append(Token("op", op, i))
        i += len(op)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt not in _ESCAPES:
                raise ExpressionError(
                    f"unknown escape '\\{nxt}' in string (use \\\\, \\n, \\t, \\\" or \\')", i
                )
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionError(f"string opened here is never closed (add a closing {quote})", start)


# ---------------------------------------------------------------- AST
@dataclass(frozen=True)
class Literal:
    value: Any  # float, str, bool or None
    pos: int


@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    pos: int


Node = Literal | Column | Unary | Binary | Call

# Binding powers: higher binds tighter. '**' is right-associative.
_INFIX = {
    "or": 1, "and": 2,
    "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "**": 8,
}  # fmt: skip


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str, context: str) -> Token:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("op", "name"):
            raise ExpressionError(f"expected '{text}' {context}, found {_describe(tok)}", tok.pos)
        return self.take()

    def expression(self, min_power: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(
                f"expression nested more than {MAX_NESTING} levels deep", self.peek().pos
            )
        left = self.prefix()
        while True:
            tok = self.peek()
            op = tok.text if tok.kind in ("op", "name") else ""
            power = _INFIX.get(op)
            if power is None or power <= min_power:
                break
            self.take()
            # '**' is right-associative: parse its right side at the same power.
            right = self.expression(power - 1 if op == "**" else power)
            left = Binary(op, left, right, tok.pos)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            return Literal(tok.value, tok.pos)
        if tok.kind == "string":
            return Literal(tok.value, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression()
            self.expect(")", f"to close the '(' at character {tok.pos + 1}")
            return inner
        if tok.kind == "op" and tok.text in ("-", "+"):
            return Unary(tok.text, self.expression(7), tok.pos)
        if tok.kind == "name":
            word = tok.text
            if word == "not":
                return Unary("not", self.expression(3), tok.pos)
            if word in ("true", "false"):
                return Literal(word == "true", tok.pos)
            if word == "null":
                return Literal(None, tok.pos)
            if word in ("and", "or"):
                raise ExpressionError(f"'{word}' needs a value on its left", tok.pos)
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            return Column(word, tok.pos)
        if tok.kind == "end":
            raise ExpressionError("expression ends where a value was expected", tok.pos)
        raise ExpressionError(f"expected a value, found {_describe(tok)}", tok.pos)

    def call(self, name: Token) -> Node:
        self.take()  # "("
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                args.append(self.expression())
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    continue
                break
        self.expect(")", f"to close the call of {name.text}() at character {name.pos + 1}")
        if name.text == "col":
            if (
                len(args) != 1
                or not isinstance(args[0], Literal)
                or not isinstance(args[0].value, str)
            ):
                raise ExpressionError(
                    'col() takes one quoted column name, e.g. col("unit price")', name.pos
                )
            return Column(args[0].value, name.pos)
        return Call(name.text, tuple(args), name.pos)


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the expression"
    return f"{tok.text!r}"


def parse(text: str) -> Node:
    """Parse expression text into an AST; raise ExpressionError with the position."""
    if not text.strip():
        raise ExpressionError("the expression is empty")
    parser = _Parser(tokenize(text))
    tree = parser.expression()
    tok = parser.peek()
    if tok.kind != "end":
        raise ExpressionError(
            f"unexpected {_describe(tok)} after a complete expression (missing operator?)", tok.pos
        )
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(
            f"expression too deep (more than {MAX_DEPTH} operations inside one another): split it over two Expression nodes"
        )
    return tree


def _depth(tree: Node) -> int:
    """Tree depth without recursion, so a very long chain cannot exhaust the stack."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in _children(n))
    return deepest


def columns_used(tree: Node) -> list[str]:
    """Every column the expression reads, in order of first use."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Column) and n.name not in out:
            out.append(n.name)
        for child in _children(n):
            walk(child)

    walk(tree)
    return out


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, Unary):
        return (n.operand,)
    if isinstance(n, Binary):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    return ()


COMPARE = {"==", "!=", "<", "<=", ">", ">="}
