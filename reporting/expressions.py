"""The small expression language of validation rules (校验规则), parsed without `eval`.

A rule compares two expressions over the data elements of a return, e.g.
`PLEDGE_AMOUNT <= PLEDGE_COUNT * 5000` or `PATENTS_HELD >= prev(PATENTS_HELD)`. Rules are typed by
administrators in the admin site, so the text is untrusted: it is tokenised and parsed by the
grammar below, and nothing but Decimal arithmetic on reported values can ever run.

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := NUMBER | CODE | "prev(" CODE ")" | "(" expr ")" | "-" factor

CODE is an element code, `[A-Z][A-Z0-9_]*`. In a rule applied to every element of a kind
(`ValidationRule.for_each`), `$` stands for "the element" and is replaced by each code in turn.
Positions in messages count characters from 1, as an administrator would count them.
"""

import operator as operators
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
PLACEHOLDER = "$"
# Brackets and minus signs nest by recursion; a rule never needs more than a few levels, and a
# limit keeps a pathological text from exhausting the stack while parsing or evaluating.
MAX_DEPTH = 50
TOKEN_PATTERN = re.compile(
    r"(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<symbol>[-+*/()$])"
)

COMPARISONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<=": operators.le,
    "<": operators.lt,
    "==": operators.eq,
    "!=": operators.ne,
    ">=": operators.ge,
    ">": operators.gt,
}


# The tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Code:
    name: str  # an element code, or "$" before `substitute`
    previous: bool = False  # inside prev(): the value of the previous period


@dataclass(frozen=True)
class Negative:
    operand: "Node"


@dataclass(frozen=True)
class Binary:
    operator: str  # + - * /
    left: "Node"
    right: "Node"


Node = Number | Code | Negative | Binary


def _walk(node: Node):
    yield node
    if isinstance(node, Negative):
        yield from _walk(node.operand)
    elif isinstance(node, Binary):
        yield from _walk(node.left)
        yield from _walk(node.right)


def _replace(node: Node, code: str) -> Node:
    if isinstance(node, Code) and node.name == PLACEHOLDER:
        return Code(code, node.previous)
    if isinstance(node, Negative):
        return Negative(_replace(node.operand, code))
    if isinstance(node, Binary):
        return Binary(node.operator, _replace(node.left, code), _replace(node.right, code))
    return node


def _value(node: Node, current: Mapping[str, Decimal], previous: Mapping[str, Decimal]):
    """The node's value, or None when a value is missing or a divisor is zero."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Code):
        if node.name == PLACEHOLDER:
            raise ValueError("substitute() the placeholder $ before evaluating")
        value = (previous if node.previous else current).get(node.name)
        return None if value is None else Decimal(value)
    if isinstance(node, Negative):
        operand = _value(node.operand, current, previous)
        return None if operand is None else -operand
    left = _value(node.left, current, previous)
    right = _value(node.right, current, previous)
    if left is None or right is None:
        return None
    if node.operator == "+":
        return left + right
    if node.operator == "-":
        return left - right
    if node.operator == "*":
        return left * right
    # A ratio over a zero (no patents pledged yet) says nothing: the rule is skipped.
    return None if right == 0 else left / right


@dataclass(frozen=True)
class Expression:
    """A parsed expression: immutable, so a parsed rule can be cached and shared."""

    text: str
    tree: Node = field(repr=False)

    def codes(self) -> set[str]:
        """Element codes read from this period's return ("$" while not substituted)."""
        return {n.name for n in _walk(self.tree) if isinstance(n, Code) and not n.previous}

    def previous_codes(self) -> set[str]:
        """Element codes read from the previous period's return, through prev()."""
        return {n.name for n in _walk(self.tree) if isinstance(n, Code) and n.previous}

    def evaluate(
        self, current: Mapping[str, Decimal], previous: Mapping[str, Decimal]
    ) -> Decimal | None:
        """The value, or None when the rule must be skipped.

        Skipped rather than failed, because a missing value is reported by the completeness
        check, and a division by zero means the ratio a rule constrains does not exist yet.
        A value of None in a mapping counts as missing.
        """
        return _value(self.tree, current, previous)

    def substitute(self, code: str) -> "Expression":
        """This expression with `$` replaced by `code`: one rule per element of a `for_each`."""
        if not CODE_PATTERN.fullmatch(code):
            raise ValueError(f"{code!r} is not an element code")
        return Expression(self.text.replace(PLACEHOLDER, code), _replace(self.tree, code))


# The parser ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, code ($ included), prev, symbol, invalid, end
    text: str
    position: int  # 0-based; messages add 1


class _Parser:
    def __init__(self, text: str, allow_placeholder: bool) -> None:
        self.text = text
        self.allow_placeholder = allow_placeholder
        self.tokens = self._tokenise()
        self.index = 0
        self.depth = 0

    # Errors name the text and where the problem is, so the administrator can fix the rule.
    def _unexpected(self, token: Token) -> ValidationError:
        if token.kind == "end":
            return ValidationError(
                _("“%(text)s”: the expression is incomplete at position %(position)d.")
                % {"text": self.text, "position": token.position + 1},
                code="expression",
            )
        return ValidationError(
            _("“%(text)s”: unexpected “%(token)s” at position %(position)d.")
            % {"text": self.text, "token": token.text, "position": token.position + 1},
            code="expression",
        )

    def _tokenise(self) -> list[Token]:
        """The tokens of the text; what cannot be a token becomes an "invalid" one.

        Invalid tokens are reported by the parser when it reaches them, so the message always
        names the first problem from the left.
        """
        tokens = []
        position = 0
        while position < len(self.text):
            if self.text[position].isspace():
                position += 1
                continue
            match = TOKEN_PATTERN.match(self.text, position)
            if match is None:
                tokens.append(Token("invalid", self.text[position], position))
                position += 1
                continue
            word = match.group("word")
            if match.group("number") is not None:
                kind = "number"
            elif word == "prev":
                kind = "prev"
            elif word is not None:
                # Codes are upper case: "patents" or "Patents" is a typing error.
                kind = "code" if CODE_PATTERN.fullmatch(word) else "invalid"
            elif match.group() == PLACEHOLDER:
                kind = "code"
            else:
                kind = "symbol"
            tokens.append(Token(kind, match.group(), position))
            position = match.end()
        tokens.append(Token("end", "", len(self.text)))
        return tokens

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def _take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def _expect(self, kind: str, text: str | None = None) -> Token:
        token = self.token
        if token.kind != kind or (text is not None and token.text != text):
            raise self._unexpected(token)
        return self._take()

    def _code(self) -> str:
        token = self._expect("code")
        if token.text == PLACEHOLDER and not self.allow_placeholder:
            raise ValidationError(
                _(
                    "“%(text)s”: “$” at position %(position)d is only allowed in a "
                    "rule applied to every element."
                )
                % {"text": self.text, "position": token.position + 1},
                code="expression",
            )
        return token.text

    def parse(self) -> Node:
        tree = self._expr()
        if self.token.kind != "end":
            raise self._unexpected(self.token)
        return tree

    def _expr(self) -> Node:
        node = self._term()
        while self.token.kind == "symbol" and self.token.text in {"+", "-"}:
            node = Binary(self._take().text, node, self._term())
        return node

    def _term(self) -> Node:
        node = self._factor()
        while self.token.kind == "symbol" and self.token.text in {"*", "/"}:
            node = Binary(self._take().text, node, self._factor())
        return node

    def _factor(self) -> Node:
        token = self.token
        if token.kind == "number":
            return Number(Decimal(self._take().text))
        if token.kind == "code":
            return Code(self._code())
        if token.kind == "prev":
            self._take()
            self._expect("symbol", "(")
            code = self._code()
            self._expect("symbol", ")")
            return Code(code, previous=True)
        if token.kind == "symbol" and token.text in {"(", "-"}:
            if self.depth == MAX_DEPTH:
                raise ValidationError(
                    _(
                        "“%(text)s”: too many nested brackets or minus signs at position "
                        "%(position)d."
                    )
                    % {"text": self.text, "position": token.position + 1},
                    code="expression",
                )
            self._take()
            self.depth += 1
            try:
                if token.text == "-":
                    return Negative(self._factor())
                node = self._expr()
                self._expect("symbol", ")")
                return node
            finally:
                self.depth -= 1
        raise self._unexpected(token)


def parse(text: str, *, allow_placeholder: bool = False) -> Expression:
    """Parse a rule's side; `ValidationError` naming the text and the position of the problem.

    `allow_placeholder` only for rules with `for_each`: elsewhere a `$` would never be replaced
    and the rule would silently never run.
    """
    return Expression(text, _Parser(text, allow_placeholder).parse())


def compare(left: Decimal, operator: str, right: Decimal) -> bool:
    """`left operator right` for the operators of `ValidationRule.Operator`.

    Exact Decimal comparison: reported figures are exact, so "==" means equal, not close.
    """
    try:
        comparison = COMPARISONS[operator]
    except KeyError:
        raise ValueError(f"unknown comparison operator {operator!r}") from None
    return comparison(left, right)
