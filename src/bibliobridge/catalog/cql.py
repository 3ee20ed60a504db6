"""CQL, the Contextual Query Language of SRU: parsed into a small tree.

    parse('dc.title all "pride prejudice" and year >= 1900 sortBy title')
    # Query(root=Boolean("and", Clause("dc.title", Relation("all"), ...), Clause(...)),
    #       sort_keys=[SortKey("title")])

The grammar is CQL 1.2 (the version SRU 2.0 uses). Booleans ``and``, ``or``, ``not``,
``prox`` have equal precedence and bind left to right: ``a or b and c`` is
``(a or b) and c``; parentheses group. A search clause is ``index relation term`` or a
bare term (index ``cql.serverChoice``, relation ``=``). Keywords, index and relation names
are case-insensitive; terms keep their case. Prefix assignments (``>dc="..."``) are read
and kept. What the catalogue makes of the tree is ``catalog.sru``'s business.

A query that does not parse raises CQLSyntaxError, carrying the 1-based character
position of the offending token.
"""

from dataclasses import dataclass, field

__all__ = [
    "BOOLEANS",
    "Boolean",
    "CQLSyntaxError",
    "Clause",
    "Modifier",
    "Node",
    "Query",
    "Relation",
    "SortKey",
    "parse",
    "unescape",
]

BOOLEANS = ("and", "or", "not", "prox")
SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">")
SERVER_CHOICE = "cql.serverchoice"


class CQLSyntaxError(ValueError):
    """The query is not CQL; ``position`` counts characters from 1."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Modifier:
    """``/name``, or ``/name comparison value``: on a relation, a boolean or a sort key."""

    name: str  # lower case
    comparison: str = ""
    value: str = ""


@dataclass(frozen=True)
class Relation:
    name: str  # a symbol ("=", "<=") or a lower-case name ("all", "cql.exact")
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Clause:
    index: str  # lower case; SERVER_CHOICE for a bare term
    relation: Relation
    term: str  # as written, quotes removed, backslash escapes kept (see unescape)
    position: int


@dataclass(frozen=True)
class Boolean:
    operator: str  # one of BOOLEANS
    left: "Node"
    right: "Node"
    modifiers: tuple[Modifier, ...] = ()
    position: int = 0


Node = Clause | Boolean


@dataclass(frozen=True)
class SortKey:
    index: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Query:
    root: Node
    sort_keys: tuple[SortKey, ...] = ()
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "string" (quoted), "symbol", "(", ")", "/", "end"
    text: str
    position: int

    @property
    def is_term(self) -> bool:
        return self.kind in ("word", "string")

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


_SPECIAL = set('()/"<>= \t\r\n')


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()/":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char in "<>=":
            symbol = next(s for s in SYMBOLS if text.startswith(s, i))
            tokens.append(_Token("symbol", symbol, i + 1))
            i += len(symbol)
        elif char == '"':
            start, i = i, i + 1
            chars = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    chars.append(text[i : i + 2])  # escapes are kept for unescape()
                    i += 2
                else:
                    chars.append(text[i])
                    i += 1
            if i >= n:
                raise CQLSyntaxError("quoted term not closed", start + 1)
            tokens.append(_Token("string", "".join(chars), start + 1))
            i += 1
        else:
            start = i
            while i < n and text[i] not in _SPECIAL:
                i += 2 if text[i] == "\\" and i + 1 < n else 1
            tokens.append(_Token("word", text[start:i], start + 1))
    tokens.append(_Token("end", "", n + 1))
    return tokens


def unescape(term: str) -> str:
    """A term with CQL's backslash escapes (``\\"``, ``\\*``, ``\\\\``...) resolved."""
    out, i = [], 0
    while i < len(term):
        if term[i] == "\\" and i + 1 < len(term):
            out.append(term[i + 1])
            i += 2
        else:
            out.append(term[i])
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenise(text)
        self.at = 0
        self.prefixes: dict[str, str] = {}

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def peek(self, ahead: int = 1) -> _Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.token
        self.at += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> CQLSyntaxError:
        return CQLSyntaxError(message, (token or self.token).position)

    def query(self) -> Query:
        if self.token.kind == "end":
            raise self.fail("empty query")
        root = self.cql_query()
        sort_keys: list[SortKey] = []
        if self.token.keyword("sortby"):
            self.take()
            sort_keys = self.sort_spec()
        if self.token.kind != "end":
            if self.token.kind == ")":
                raise self.fail("')' without '('")
            raise self.fail(f"expected a boolean operator, found {self.token.text!r}")
        return Query(root, tuple(sort_keys), dict(self.prefixes))

    def cql_query(self) -> Node:
        while self.token.kind == "symbol" and self.token.text == ">":
            self.prefix_assignment()
        node = self.search_clause()
        while self.token.keyword(*BOOLEANS):
            operator = self.take()
            modifiers = self.modifiers()
            right = self.search_clause()
            node = Boolean(operator.text.lower(), node, right, modifiers, operator.position)
        return node

    def prefix_assignment(self) -> None:
        self.take()  # ">"
        if not self.token.is_term:
            raise self.fail("expected a prefix or a URI after '>'")
        first = self.take()
        if self.token.kind == "symbol" and self.token.text == "=":
            self.take()
            if not self.token.is_term:
                raise self.fail("expected a URI after '='")
            self.prefixes[first.text.lower()] = self.take().text
        else:
            self.prefixes[""] = first.text

    def search_clause(self) -> Node:
        token = self.token
        if token.kind == "(":
            self.take()
            node = self.cql_query()
            if self.token.kind != ")":
                raise self.fail("expected ')'")
            self.take()
            return node
        if not token.is_term:
            if token.kind == "end":
                raise self.fail("query ends where a search term was expected")
            raise self.fail(f"expected a search term, found {token.text!r}")
        self.take()
        if self._relation_follows():
            relation = self.relation()
            if not self.token.is_term:
                raise self.fail(f"expected a search term after the relation {relation.name!r}")
            term = self.take()
            return Clause(token.text.lower(), relation, term.text, token.position)
        return Clause(SERVER_CHOICE, Relation("="), token.text, token.position)

    def _relation_follows(self) -> bool:
        token = self.token
        if token.kind == "symbol":
            return True
        # "title all pride": a word that is no boolean or sortBy, with a term (or
        # modifiers) after it, names a relation.
        if token.kind == "word" and not token.keyword(*BOOLEANS, "sortby"):
            after = self.peek()
            return after.is_term or after.kind == "/"
        return False

    def relation(self) -> Relation:
        token = self.take()
        name = token.text if token.kind == "symbol" else token.text.lower()
        return Relation(name, self.modifiers())

    def modifiers(self) -> tuple[Modifier, ...]:
        found = []
        while self.token.kind == "/":
            self.take()
            if self.token.kind != "word":
                raise self.fail("expected a modifier name after '/'")
            name = self.take().text.lower()
            if self.token.kind == "symbol":
                comparison = self.take().text
                if not self.token.is_term:
                    raise self.fail(f"expected a value for the modifier {name!r}")
                found.append(Modifier(name, comparison, self.take().text))
            else:
                found.append(Modifier(name))
        return tuple(found)

    def sort_spec(self) -> list[SortKey]:
        keys = []
        while self.token.is_term:
            index = self.take().text.lower()
            keys.append(SortKey(index, self.modifiers()))
        if not keys:
            raise self.fail("expected an index to sort by")
        return keys


def parse(text: str) -> Query:
    """The query's tree; raises CQLSyntaxError."""
    return _Parser(text).query()
