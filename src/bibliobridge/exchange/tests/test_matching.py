"""The matching engine on list items: which pairs it suggests, and which it must not."""

import pytest

from bibliobridge.exchange.matching import LAST_RUN, Item, match, suggest_reason, title_forms

PARTNER = 7


def want(title: str, **values) -> Item:
    return Item(1, None, title, **values)


def offer(title: str, owner: int | None = PARTNER, **values) -> Item:
    return Item(2, owner, title, **values)


def pairs(wants: list[Item], offers: list[Item], **kwargs) -> list[tuple[int, int]]:
    return [(s.want, s.offer) for s in match(wants, offers, **kwargs)]


def codes(wanted: Item, offered: Item) -> list[str]:
    found = match([wanted], [offered])
    assert len(found) == 1, found
    return [reason.code for reason in found[0].reasons]


def test_same_isbn():
    found = match(
        [want("Hong lou meng", isbn="9787020002207")],
        [offer("红楼梦", isbn="9787020002207")],
    )
    assert [(s.want, s.offer) for s in found] == [(1, 2)]
    assert found[0].score >= 0.9
    assert found[0].reasons[0].code == "same_isbn"
    assert found[0].reasons[0].params == {"isbn": "9787020002207"}


def test_isbn_10_against_isbn_13():
    assert (
        codes(
            want("Introduction to algorithms", isbn="0-262-03384-4"),
            offer("Introduction to algorithms", isbn="9780262033848"),
        )[0]
        == "same_isbn"
    )


def test_title_with_a_typo_and_no_isbn():
    found = codes(
        want(
            "The structure of scientific revolutions",
            author="Kuhn, Thomas S.",
            year=1970,
            publisher="University of Chicago Press",
        ),  # fmt: skip
        offer(
            "The structure of scientfic revolutions",
            author="Kuhn, Thomas S.",
            year=1970,
            publisher="Univ. of Chicago Press",
        ),  # fmt: skip
    )
    assert "similar_title" in found and "same_year" in found and "same_name" in found


def test_vernacular_chinese_against_pinyin():
    found = codes(
        want("红楼梦", author="曹雪芹", year=1982, language="chi"),
        offer("Hong lou meng", author="Cao, Xueqin", year=1982, language="chi"),
    )
    assert found[0] == "romanised_title"
    assert "same_name" in found


def test_traditional_against_simplified():
    found = codes(
        want("紅樓夢研究", author="俞平伯", year=1952, language="chi"),
        offer("红楼梦研究", author="俞平伯", year=1952, language="chi"),
    )
    assert found[0] == "same_title"


def test_japanese_against_hepburn():
    found = codes(
        want("Tōkyō no rekishi", author="Yamada, Tarō", year=2001, language="jpn"),
        offer("東京の歴史", author="山田太郎", year=2001, language="jpn"),
    )
    assert found[0] == "romanised_title"


def test_subtitle_left_out():
    found = codes(
        want(
            "Pride and prejudice : an authoritative text",
            author="Austen, Jane",
            year=1966,
            publisher="Norton",
        ),  # fmt: skip
        offer("Pride and prejudice", author="Austen, Jane", year=1966, publisher="Norton"),
    )
    assert "subtitle_missing" in found


def test_subtitle_left_out_and_a_typo_under_one_isbn():
    found = codes(
        want("Sealed from within : self-authenticating insular charters", isbn="9781851824557"),
        offer("Sealed form within", isbn="9781851824557"),
    )
    assert found[0] == "same_isbn" and found[-1] == "main_title"


@pytest.mark.parametrize(
    ("wanted", "offered"),
    [
        # Another edition.
        ({"title": "Introduction to algorithms", "edition": "2nd ed.", "year": 2001,
          "author": "Cormen, Thomas H."},
         {"title": "Introduction to algorithms", "edition": "3rd ed.", "year": 2001,
          "author": "Cormen, Thomas H."}),
        # Another volume.
        ({"title": "A history of China. Vol. 1", "year": 1990, "author": "Eberhard, W."},
         {"title": "A history of China. Vol. 2", "year": 1990, "author": "Eberhard, W."}),
        ({"title": "中国通史 第1卷", "year": 1990, "language": "chi"},
         {"title": "中国通史 第2卷", "year": 1990, "language": "chi"}),
        # Years far apart.
        ({"title": "Statistical learning theory", "year": 1998, "author": "Vapnik, V."},
         {"title": "Statistical learning theory", "year": 1975, "author": "Vapnik, V."}),
        # The same title by another author.
        ({"title": "Collected poems", "year": 1998, "author": "Larkin, Philip",
          "publisher": "Faber"},
         {"title": "Collected poems", "year": 1998, "author": "Plath, Sylvia",
          "publisher": "Faber"}),
        # Different ISBNs: hardback and paperback, or another edition.
        ({"title": "Middlemarch", "isbn": "9780141439549", "year": 2003},
         {"title": "Middlemarch", "isbn": "9780199536757", "year": 2003}),
    ],
)  # fmt: skip
def test_near_misses_do_not_match(wanted, offered):
    assert pairs([want(**wanted)], [offer(**offered)]) == []


def test_a_title_alone_matches_only_when_long():
    long_title = "Church troubles; their successful management and effectual settlement"
    assert pairs([want(long_title, year=1900)], [offer(long_title)]) == [(1, 2)]
    assert pairs([want("Poems", year=1900)], [offer("Poems")]) == []


def test_a_want_without_a_year_meeting_several_editions_gets_none_of_them():
    wanted = want("Pride and prejudice", author="Austen, Jane")
    offers = [
        Item(2, PARTNER, "Pride and prejudice", author="Austen, Jane", year=1980),
        Item(3, PARTNER, "Pride and prejudice", author="Austen, Jane", year=1995),
    ]
    assert pairs([wanted], offers) == []
    assert pairs([wanted], offers[:1]) == [(1, 2)]


def test_only_across_sides():
    title = dict(isbn="9787020002207")
    ours_wanted, theirs_wanted = Item(1, None, "红楼梦", **title), Item(3, 8, "红楼梦", **title)
    ours_offered, theirs_offered = Item(2, None, "红楼梦", **title), Item(4, 9, "红楼梦", **title)
    found = pairs([ours_wanted, theirs_wanted], [ours_offered, theirs_offered])
    # Ours with theirs both ways; never ours with ours, nor one partner with another.
    assert found == [(1, 4), (3, 2)]


def test_excluded_pairs_are_not_suggested():
    wanted, offered = want("红楼梦", isbn="9787020002207"), offer("红楼梦", isbn="9787020002207")
    assert pairs([wanted], [offered], exclude=[(1, 2)]) == []


def test_reasons_read_in_plain_language(settings):
    from django.utils import translation

    found = match([want("红楼梦", isbn="9787020002207")], [offer("紅樓夢", isbn="9787020002207")])
    data = found[0].reason_data()
    with translation.override("en"):
        assert suggest_reason(data) == "Same ISBN 9787020002207; Same title"
    with translation.override("zh-hans"):
        assert "9787020002207" in suggest_reason(data)
        assert suggest_reason(data) != "Same ISBN 9787020002207; Same title"


def test_title_forms():
    assert title_forms("The Analects : a new translation") == "analects"
    assert title_forms("紅樓夢", "chi") == "红楼梦 hongloumeng"
    assert title_forms("Tōkyō no rekishi", "jpn") == "tokyonorekishi"


def test_pairs_compared_in_two_processes_give_the_same_suggestions():
    """Above 2,000 candidate pairs the comparison forks (settings.EXCHANGE_MATCH_WORKERS)."""
    wants, offers = [], []
    for number in range(2100):
        code = f"978{number:09d}"
        check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(code)) % 10) % 10
        isbn = code + str(check)
        wants.append(
            Item(number * 2, None, f"Collected papers volume {number}", isbn=isbn, year=2001)
        )
        offers.append(
            Item(number * 2 + 1, 7, f"Collected papers volume {number}", isbn=isbn, year=2001)
        )
    alone = match(wants, offers, workers=1)
    together = match(wants, offers, workers=2)
    assert LAST_RUN["pairs"] > 2000  # enough to fork
    assert len(alone) == 2100
    assert [(s.want, s.offer, s.score) for s in together] == [
        (s.want, s.offer, s.score) for s in alone
    ]


def test_years_one_apart_need_the_author_or_publisher_and_no_disagreement():
    title = "The structure of scientific revolutions"
    wanted = want(title, author="Kuhn, Thomas S.", year=1970)
    # A list's year is often the printing's: the author agrees, no publisher to disagree.
    found = match([wanted], [offer(title, author="Kuhn, Thomas S.", year=1971)])
    assert len(found) == 1 and not found[0].firm
    assert "adjacent_year" in [r.code for r in found[0].reasons]
    # Nothing but the title, or a publisher that disagrees: not the same.
    assert pairs([wanted], [offer(title, year=1971)]) == []
    assert (
        pairs(
            [
                want(
                    title,
                    author="Kuhn, Thomas S.",
                    year=1970,
                    publisher="University of Chicago Press",
                )
            ],
            [offer(title, author="Kuhn, Thomas S.", year=1971, publisher="Phoenix Books")],
        )
        == []
    )
    # Two years apart is another edition.
    assert pairs([wanted], [offer(title, author="Kuhn, Thomas S.", year=1972)]) == []


# Pairs from the Library of Congress's records (245 romanised, 880 vernacular), damaged as
# partners' lists damage them.


def test_hebrew_script_against_its_romanisation():
    author = "Landaʼu, Yehudah Segel"
    wanted = want("ילקוט סברה לימודית", author=author, year=1999, language="heb")
    assert pairs([wanted], [offer("Yalḳuṭ sevarah limudit", author=author, year=1999,
                                  language="heb")]) == [(1, 2)]  # fmt: skip
    # Another book of his that year shares no consonants' order with it.
    assert pairs([wanted], [offer("Sefer ha-zikaron", author=author, year=1999,
                                  language="heb")]) == []  # fmt: skip


def test_arabic_script_against_its_romanisation_with_the_subtitle_left_out():
    wanted = want(
        "al-Dawr al-siyāsī lil-tilīfiziyūn fī al-Yaman : dirāsah masḥīyah wa-maydānīyah",
        author="Faqīh, Muḥammad ʻAbd al-Wahhāb", publisher="Maktabat Madbūlī", year=2000,
        language="ara",
    )  # fmt: skip
    offered = offer(
        "الدور السياسي للتليفزيون في اليمن",
        author="Faqīh, Muḥammad ʻAbd al-Wahhāb", publisher="Maktabat Madbūlī", year=2000,
        language="ara",
    )  # fmt: skip
    assert pairs([wanted], [offered]) == [(1, 2)]


def test_title_forms_of_a_language_in_hebrew_or_arabic_script():
    # The consonants in upper case beside the folded form; the bidi marks of a colon go.
    assert title_forms("ספר ארחות ימים :\u200f \u200fחידושים", "heb") == "ספרארחותימים SPRHTM"
    assert title_forms("Sefer Orḥot yamim : ḥidushim", "he") == "seferorhotyamim SPRHTM"


def test_names_in_two_scripts_do_not_disagree():
    found = pairs(
        [want("Ōsaka tōnanbu chiiki no chishitsu", author="Miyachi, Yoshinori",
              publisher="Chishitsu Chōsajo", year=1998, language="jpn")],
        [offer("大阪東南部地域の地質", author="宮地良典", publisher="Chishitsu Chōsajo",
               year=1998, language="jpn")],
    )  # fmt: skip
    assert found == [(1, 2)]
    # In one script, names that differ still keep two books apart.
    assert pairs(
        [want("Collected poems", author="Larkin, Philip", publisher="Faber", year=1998)],
        [offer("Collected poems", author="Plath, Sylvia", publisher="Faber", year=1998)],
    ) == []  # fmt: skip


def test_pinyin_syllables_are_not_volume_numbers():
    # "ti" and "chi" once read as "tome I" and "chast' I" against the characters.
    found = pairs(
        [want("Zhongguo jing ji ti zhi gai ge er shi nian ji ben jing yan yan jiu",
              publisher="Jing ji ke xue chu ban she", year=1998, language="chi")],
        [offer("中國經濟體制改革二十年基本經驗硏究", publisher="Jing ji ke xue chu ban she",
               year=1998, language="chi")],
    )  # fmt: skip
    assert found == [(1, 2)]


def test_numbers_count_only_where_both_titles_give_them():
    # The subtitle left out carries a number of its own.
    isbn = "9780767904711"
    assert pairs(
        [want("Fit and fabulous after 40", author="Austin, Denise", year=2001, isbn=isbn)],
        [offer("Fit and fabulous after 40 : a 5-part program for turning back the clock",
               author="Austin, Denise", year=2001, isbn=isbn)],
    ) == [(1, 2)]  # fmt: skip
    # Numbers on one side only do not disagree (a list leaves the date of a title out).
    assert pairs(
        [want("Washington State constitutional convention, 1889", year=1999,
              author="Marian Gould Gallagher Law Library")],
        [offer("Washington State constitutional convention", year=1999,
               author="Marian Gould Gallagher Law Library")],
    ) == [(1, 2)]  # fmt: skip
    # The same numbers in another order are another part.
    assert pairs(
        [want("Agricultural research institutes in India. Part 2", year=2000)],
        [offer("Agricultural research institutes in India. Part 2. Vol. 2", year=2000)],
    ) == []  # fmt: skip


def test_a_digit_slip_is_forgiven_only_under_one_isbn():
    title, slipped = (
        "Zhong nan hai kai shi jue ce, 1949-1965",
        "Zhong nan hai kai shi jue ce, 1949-1956",
    )
    values = dict(publisher="Beijing chu ban she", year=1999, language="chi")
    isbn = "9787200036442"
    assert pairs([want(title, isbn=isbn, **values)], [offer(slipped, isbn=isbn, **values)]) == [
        (1, 2)
    ]
    assert pairs([want(title, **values)], [offer(slipped, **values)]) == []


def test_a_short_main_title_needs_the_author_and_the_year():
    wanted = want("Volterski vzdihi : izbrane pesmi", author="Rihar, Filip", year=1998)
    assert pairs([wanted], [offer("Volterski vzdihi", author="Rihar, Filip", year=1998)]) == [
        (1, 2)
    ]
    assert pairs([wanted], [offer("Volterski vzdihi", year=1998)]) == []
