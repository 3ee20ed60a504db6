import importlib.util
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bibliobridge.catalog import matching
from bibliobridge.catalog.marc.record import Isbn, NormalisedRecord
from bibliobridge.catalog.matching import cluster, compare, compare_profiles, match_keys

REPO = Path(__file__).resolve().parents[4]
SHARED_DATA = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data"))


def book(**values: Any) -> NormalisedRecord:
    defaults: dict[str, Any] = {
        "local_id": "1",
        "flavour": "marc21",
        "kind": "bibliographic",
        "title": "Pride and prejudice",
        "names": ["Austen, Jane, 1775-1817"],
        "publisher": "Penguin Books",
        "year": 2003,
        "languages": ["eng"],
        "material_type": "book",
    }
    defaults.update(values)
    return NormalisedRecord(**defaults)


def isbn(value: str, qualifier: str = "") -> Isbn:
    return Isbn(value=value, valid=True, qualifier=qualifier)


def codes(match) -> list[str]:
    return [reason.code for reason in match.reasons]


PENGUIN = book(isbns=[isbn("9780141439518")])


def test_same_isbn_is_the_same_manifestation():
    other = replace(PENGUIN, local_id="2", title="Pride and prejudice /", publisher="Penguin")
    match = compare(PENGUIN, other)
    assert match.same is True
    assert match.score >= 0.9
    assert match.messages[:2] == ["Same ISBN 9780141439518", "Same title"]


def test_consecutive_years_with_a_shared_isbn_match():
    # A prepublication record carries the announced year (Melinda's pairs 04, 16, 17).
    assert compare(PENGUIN, replace(PENGUIN, year=2004)).same is True


def test_different_editions_do_not_match():
    a = book(edition="2nd ed.", year=2001, publisher="Norton")
    b = book(edition="3rd ed.", year=2001, publisher="Norton")
    match = compare(a, b)
    assert match.same is False
    assert "Different edition: 2nd ed. vs 3rd ed." in match.messages


def test_reprint_of_another_edition_with_the_same_isbn_does_not_match():
    a = replace(PENGUIN, edition="2nd ed.", year=2008)
    b = replace(PENGUIN, edition="3rd ed.", year=2010)
    match = compare(a, b)
    assert match.same is False
    assert {"different_edition", "different_year"} <= set(codes(match))


# Melinda's pair 18: a prepublication record of the third printing, and Fennica's record
# of the enlarged second edition, whose note reads "Lisäpainokset: 2010".
PUUKKOSEPPA = book(
    title="Puukkosepän kirja",
    names=["Kuortti, Taisto"],
    publisher="Arma Fennica",
    year=2008,
    edition="2. [täyd.] p.",
    languages=["fin"],
    isbns=[isbn("9789525687033")],
)


def test_a_later_finnish_printing_under_the_same_isbn_matches():
    reprint = replace(PUUKKOSEPPA, local_id="2", edition="3. painos", year=2010)
    match = compare(PUUKKOSEPPA, reprint)
    assert match.same is True
    assert codes(match) == [
        "same_isbn",
        "same_title",
        "different_year",
        "same_publisher",
        "same_name",
        "different_edition",
    ]
    assert compare(PUUKKOSEPPA, replace(reprint, edition="3. p.")).same is True
    # No statement at all on the first printing.
    first = replace(PUUKKOSEPPA, edition="", year=2005)
    assert compare(first, replace(reprint, edition="Toinen painos", year=2007)).same is True


def test_finnish_painos_near_misses_stay_apart():
    reprint = replace(PUUKKOSEPPA, local_id="2", edition="3. painos", year=2010)
    # The later one says it was revised: a new edition, whatever the ISBN says.
    revised = replace(reprint, edition="3., uudistettu painos")
    assert "different_edition" in codes(compare(PUUKKOSEPPA, revised))
    assert compare(PUUKKOSEPPA, revised).same is False
    # A printing cannot be older than the edition it reprints.
    assert compare(PUUKKOSEPPA, replace(reprint, year=2006)).same is False
    # Without a shared ISBN nothing says it is a reprint of this edition.
    assert compare(PUUKKOSEPPA, replace(reprint, isbns=[])).same is False
    assert compare(PUUKKOSEPPA, replace(reprint, isbns=[isbn("9789525687040")])).same is False
    # Another volume, or another publisher's book, under the same ISBN.
    assert compare(PUUKKOSEPPA, replace(reprint, title="Puukkosepän kirja. Osa 2")).same is False
    assert compare(PUUKKOSEPPA, replace(reprint, publisher="Otava")).same is False
    # Years apart without a printing statement: a reissue (Melinda's pair 09).
    assert compare(PUUKKOSEPPA, replace(reprint, edition="2. [täyd.] p.")).same is False


def test_finnish_ordinal_editions():
    a = replace(PUUKKOSEPPA, edition="Toinen painos", year=2008)
    assert compare(a, replace(a, local_id="2", edition="2. painos")).same is True
    b = replace(a, edition="Kolmas, uudistettu painos", isbns=[])
    assert compare(replace(a, isbns=[]), b).same is False


def test_different_volumes_of_a_set_with_one_isbn_do_not_match():
    set_isbn = [isbn("9780192547019", "set")]
    a = book(title="The novels of Jane Austen. Vol. 1", isbns=set_isbn)
    b = book(title="The novels of Jane Austen. Vol. 2", isbns=set_isbn)
    match = compare(a, b)
    assert match.same is False
    assert "Different volume or part: 1 vs 2" in match.messages


def test_chinese_volume_numbers():
    a = book(title="中国通史 第一卷", languages=["chi"], publisher="人民出版社")
    b = book(title="中國通史 第二卷", languages=["chi"], publisher="人民出版社")
    assert "different_volume" in codes(compare(a, b))


def test_translation_is_another_manifestation():
    a = replace(PENGUIN, title="Orgueil et préjugés", languages=["fre"])
    match = compare(PENGUIN, a)
    assert match.same is False
    assert "Different language: eng vs fre" in match.messages


def test_print_and_ebook_isbns_do_not_match():
    ebook = replace(PENGUIN, isbns=[isbn("9781101098486", "electronic bk.")])
    match = compare(PENGUIN, ebook)
    assert match.same is False
    assert codes(match)[0] == "different_isbns"


def test_print_record_listing_the_ebook_isbn_is_not_the_ebook():
    ebook = book(isbns=[isbn("9780585258164", "electronic bk.")], publisher="Courage Books")
    printed = book(
        isbns=[isbn("9780585258164", "electronic bk."), isbn("9780762405503")],
        publisher="Courage Books",
    )
    match = compare(printed, ebook)
    assert match.same is False
    assert "One is printed, the other electronic" in match.messages


def test_same_isbn_with_a_clearly_different_title_is_not_merged():
    wrong = replace(PENGUIN, title="The last of the wine", names=["Renault, Mary"])
    match = compare(PENGUIN, wrong)
    assert match.same is False
    assert codes(match)[0] == "same_isbn_different_title"
    assert match.messages[0].startswith("Same ISBN 9780141439518 but different titles")


def test_set_isbn_shared_by_two_volumes_with_their_own_isbns():
    a = book(title="Plotinus", isbns=[isbn("9780415203524"), isbn("9780415203920")])
    b = book(title="J.L. Austin", isbns=[isbn("9780415203876"), isbn("9780415203920")])
    assert compare(a, b).same is False


def test_without_identifiers_title_year_publisher_and_names_must_agree():
    a = book(title="The swing era", publisher="Oxford University Press", year=1989)
    b = book(
        title="The swing era : the development of jazz, 1930-1945",
        publisher="Oxford U.P.",
        year=1989,
    )
    match = compare(a, b)
    assert match.same is True
    assert "Same title; one record has no subtitle" in match.messages
    assert compare(a, replace(b, publisher="Norton")).same is False
    assert compare(a, replace(b, year=1990)).same is False


def test_a_truncated_publisher_word_still_agrees():
    # The same Open Library record twice; in one, a directory length one short cut the
    # 260 to "K.F. Koehle".
    a = book(
        title="Das römische Privatrecht und der Civilprocess bis in das erste Jahrhundert "
        "der Kaiserherrschaft",
        names=["Rein, Wilhelm, 1809-1865"],
        publisher="K.F. Koehler",
        year=1836,
        languages=[],
    )
    assert compare(a, replace(a, local_id="2", publisher="K.F. Koehle")).same is True
    # Short words are not taken as cut: Rand McNally is not Random House.
    b = book(title="Atlas of the world", names=[], publisher="Random House", year=1990)
    assert compare(b, replace(b, local_id="2", publisher="Rand McNally")).same is False
    assert compare(a, replace(a, local_id="2", publisher="Koehler", year=1837)).same is False


def test_different_oclc_numbers_without_shared_isbn_do_not_match():
    a = book(oclc_numbers=["2066037"], year=1900, publisher="Harper & Brothers")
    b = book(oclc_numbers=["887709"], year=1900, publisher="Harper & Brothers")
    assert compare(a, b).same is False


def test_vernacular_and_romanised_records_match():
    loc = book(
        title="Hong lou meng",
        title_vernacular="紅樓夢",
        names=["Cao, Xueqin, approximately 1717-1763"],
        publisher="Ren min wen xue chu ban she",
        year=1982,
        languages=["chi"],
    )
    chinese_library = book(
        title="红楼梦", names=["曹雪芹"], publisher="人民文学出版社", year=1982, languages=["chi"]
    )
    match = compare(loc, chinese_library)
    assert match.same is True
    assert match.messages[0] == "Same title"  # the vernacular forms, folded
    romanised_only = replace(loc, title_vernacular="")
    match = compare(romanised_only, chinese_library)
    assert match.same is True
    assert "Title matches the romanised form of the other's vernacular title" in match.messages


def test_titles_are_romanised_only_when_a_comparison_needs_it(monkeypatch):
    romanised: list[tuple[str, ...]] = []
    real = matching._romanised_forms

    def counted(titles: tuple[str, ...], language: str) -> list[str]:
        romanised.append(tuple(titles))
        return real(titles, language)

    monkeypatch.setattr(matching, "_romanised_forms", counted)
    chinese = book(title="红楼梦", names=["曹雪芹"], publisher="人民文学出版社", year=1982,
                   languages=["chi"])  # fmt: skip
    assert compare(chinese, replace(chinese, local_id="2")).same is True
    assert romanised == []  # the same title in the same script: nothing to romanise
    pinyin = replace(chinese, local_id="3", title="Hong lou meng", names=["Cao, Xueqin"],
                     publisher="Ren min wen xue chu ban she")  # fmt: skip
    a, b = matching.profile(chinese), matching.profile(pinyin)
    assert compare_profiles(a, b).same is True
    assert compare_profiles(a, b).same is True
    assert romanised == [("红楼梦", "", ""), ("Hong lou meng", "", "")]  # once a profile
    assert a.romanised == ["hongloumeng"]


def test_match_keys():
    record = book(
        title="The swing era : the development of jazz",
        year=1989,
        isbns=[isbn("9780195043129"), Isbn("0-19-50431", valid=False)],
        issns=["0028-0836"],
        oclc_numbers=["18442051"],
        lccn="88012345",
    )
    assert match_keys(record) == {
        "isbn:9780195043129",
        "issn:0028-0836",
        "oclc:18442051",
        "lccn:88012345",
        "title:swingera:1989",
    }
    vernacular = book(
        title="Hong lou meng", title_vernacular="紅樓夢", year=1982, languages=["chi"]
    )
    assert match_keys(vernacular) == {"title:hongloumeng:1982", "title:红楼梦:1982"}
    # Only the vernacular form: romanised as well, to meet records catalogued in pinyin.
    alone = book(title="紅樓夢", year=1982, languages=["chi"])
    assert match_keys(alone) == {"title:hongloumeng:1982", "title:红楼梦:1982"}
    assert match_keys(book(year=None)) == set()


def test_cluster_groups_duplicates_and_keeps_near_misses_apart():
    records = [
        PENGUIN,
        replace(PENGUIN, local_id="2", publisher="Penguin"),
        replace(PENGUIN, local_id="3", edition="2nd ed.", isbns=[isbn("9780141040349")]),
        replace(PENGUIN, local_id="4", title="Stolz und Vorurteil", languages=["ger"]),
        book(local_id="5", title="Pride and prejudice", year=2003, publisher="Penguin"),
    ]
    # 5 has no ISBN: it matches 0 and 1 by title, year, publisher and author.
    assert cluster(records) == [[0, 1, 4], [2], [3]]


def _quality():
    path = REPO / "bench" / "dedup_quality.py"
    spec = importlib.util.spec_from_file_location("dedup_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA} (see README)"
)
def test_quality_on_shared_data_stays_above_what_was_measured():
    results = _quality().evaluate(SHARED_DATA, show=0, loc="every64th")
    melinda = results["melinda"]["manifestation"]
    assert melinda["precision"] == 1.0  # measured 1.0 (8 of 8)
    assert melinda["recall"] >= 0.95  # measured 1.0 (9 of 9)
    pride = results["pride_and_prejudice"]
    assert pride["precision"] >= 0.99  # measured 1.0 (26 of 26)
    assert pride["recall"] >= 0.95  # measured 1.0
    assert pride["merged_outside_truth"] == 0
    assert results["silver"]["across_sources"]["agreement"] >= 0.97  # measured 1.0 (35)
    assert results["silver"]["pride_and_prejudice"]["agreement"] >= 0.8  # measured 0.833
    assert results["loc_distinct"]["merged_pairs"] == 0  # measured 0 in 3,907 LoC records
