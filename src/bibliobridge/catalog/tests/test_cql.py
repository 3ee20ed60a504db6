"""The CQL parser: clauses, precedence, quoting, modifiers, sortBy, errors with positions."""

import pytest

from bibliobridge.catalog.cql import (
    SERVER_CHOICE,
    Boolean,
    Clause,
    CQLSyntaxError,
    Modifier,
    Relation,
    SortKey,
    parse,
    unescape,
)


def clause(index, relation, term, position, modifiers=()):
    return Clause(index, Relation(relation, modifiers), term, position)


def bare(term, position):
    return clause(SERVER_CHOICE, "=", term, position)


def test_a_bare_term_searches_the_server_choice():
    assert parse("pride").root == bare("pride", 1)
    assert parse('"pride and prejudice"').root == bare("pride and prejudice", 1)
    assert parse("红楼梦").root == bare("红楼梦", 1)


def test_index_relation_term():
    assert parse("dc.title = pride").root == clause("dc.title", "=", "pride", 1)
    assert parse("dc.title=pride").root == clause("dc.title", "=", "pride", 1)
    assert parse('Title ALL "pride prejudice"').root == clause("title", "all", "pride prejudice", 1)
    for symbol in ("==", "<>", "<=", ">=", "<", ">"):
        assert parse(f"year {symbol} 1900").root == clause("year", symbol, "1900", 1)
    assert parse("year<=1900").root == clause("year", "<=", "1900", 1)
    assert parse("title adj pride").root.relation == Relation("adj")


def test_booleans_bind_left_to_right_with_equal_precedence():
    a, b, c = bare("a", 1), bare("b", 6), bare("c", 12)
    assert parse("a or b and c").root == Boolean("and", Boolean("or", a, b, (), 3), c, (), 8)
    assert parse("a AND b Or c").root.operator == "or"
    grouped = parse("a and (b or c)").root
    assert grouped == Boolean("and", a, Boolean("or", bare("b", 8), bare("c", 13), (), 10), (), 3)
    assert parse("a not b").root == Boolean("not", a, bare("b", 7), (), 3)
    assert parse("((a))").root == bare("a", 3)


def test_keywords_can_be_terms_and_indexes():
    assert parse('title = "and"').root == clause("title", "=", "and", 1)
    assert parse("title = and").root == clause("title", "=", "and", 1)
    assert parse("and = x").root == clause("and", "=", "x", 1)


def test_quoting_and_escapes():
    root = parse(r'title = "say \"hi\" now"').root
    assert root.term == r"say \"hi\" now"
    assert unescape(root.term) == 'say "hi" now'
    assert unescape(r"pri\*de") == "pri*de"
    assert parse('title = "a (b) = c"').root.term == "a (b) = c"
    assert parse('""').root == bare("", 1)


def test_modifiers():
    root = parse("title =/cql.relevant/stem=1 pride").root
    assert root.relation == Relation("=", (Modifier("cql.relevant"), Modifier("stem", "=", "1")))
    boolean = parse("a prox/distance<=2 b").root
    assert boolean.operator == "prox"
    assert boolean.modifiers == (Modifier("distance", "<=", "2"),)


def test_sort_by_and_prefixes():
    query = parse("trains sortBy dc.date/sort.descending title")
    assert query.root == bare("trains", 1)
    assert query.sort_keys == (
        SortKey("dc.date", (Modifier("sort.descending"),)),
        SortKey("title"),
    )
    query = parse('>dc="info:srw/cql-context-set/1/dc-v1.1" >default dc.title = x')
    assert query.prefixes == {"dc": "info:srw/cql-context-set/1/dc-v1.1", "": "default"}
    assert query.root == clause("dc.title", "=", "x", 51)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "empty query", 1),
        ("   ", "empty query", 4),
        ("pride prejudice", "expected a boolean operator, found 'prejudice'", 7),
        ("(pride", "expected ')'", 7),
        ("pride)", "')' without '('", 6),
        ('title = "pride', "quoted term not closed", 9),
        ("title =", "expected a search term after the relation '='", 8),
        ("title = (pride)", "expected a search term after the relation '='", 9),
        ("pride and", "query ends where a search term was expected", 10),
        ("pride and )", "expected a search term, found ')'", 11),
        ("title =/ (pride)", "expected a modifier name after '/'", 10),
        ("title =/stem= )", "expected a value for the modifier 'stem'", 15),
        # A modifier takes the word after "/": the term is then missing.
        ("title =/ pride", "expected a search term after the relation '='", 15),
        ("trains sortBy", "expected an index to sort by", 14),
        ("> = x", "expected a prefix or a URI after '>'", 3),
    ],
)
def test_errors_carry_their_position(text, message, position):
    with pytest.raises(CQLSyntaxError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.position) == (message, position)
    assert str(caught.value) == f"{message} (at character {position})"
