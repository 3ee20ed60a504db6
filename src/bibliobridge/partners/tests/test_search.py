import pytest

from bibliobridge.partners import queries
from bibliobridge.partners.search import fold

from .factories import InstitutionFactory


def test_fold_strips_diacritics_case_and_width():
    assert fold("Dostoevskiĭ") == fold("DOSTOEVSKII") == "dostoevskii"
    assert fold("Biblioteka Narodowa Łódź") == "biblioteka narodowa lodz"
    assert fold("ＮＤＬ") == "ndl"
    assert fold("Ёлка") == "елка"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("国立国会図書館", "国会図書"),
        ("국립중앙도서관", "중앙도서관"),
        ("Российская государственная библиотека", "ГОСУДАРСТВЕННАЯ"),
        ("المكتبة الوطنية", "الوطنية"),
        ("הספרייה הלאומית", "הלאומית"),
        ("Bibliothèque nationale de France", "bibliotheque nationale"),
        ("Εθνική Βιβλιοθήκη της Ελλάδος", "βιβλιοθηκη"),
    ],
)
def test_search_finds_names_in_every_script(name, query):
    wanted = InstitutionFactory(name=name)
    InstitutionFactory(name="Other Library", name_en="Other", name_zh="其他")
    assert list(queries.institutions_for_list(q=query)) == [wanted]


@pytest.mark.django_db
def test_search_by_identifier_and_filters(officer):
    from bibliobridge.partners import services

    a = InstitutionFactory(country="JP", time_zone="Asia/Tokyo")
    b = InstitutionFactory(country="DE")
    services.add_identifier(officer, a, "isil", "JP-1000001")
    services.set_tags(officer, b, ["IFLA"])
    assert list(queries.institutions_for_list(q="jp-1000001")) == [a]
    assert list(queries.institutions_for_list(country="de")) == [b]
    assert list(queries.institutions_for_list(tag="IFLA")) == [b]
    assert list(queries.institutions_for_list(has_agreement="yes")) == []
    assert set(queries.institutions_for_list(has_agreement="no")) == {a, b}
