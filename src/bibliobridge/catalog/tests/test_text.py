import pytest

from bibliobridge.catalog.text import (
    consonants,
    fold,
    romanise,
    script_of,
    tokens,
    traditional_to_simplified,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("紅樓夢", "红楼梦"),
        ("Dostoevskiĭ", "Dostoevskii"),
        ("DOSTOEVSKII", "dostoevskii"),
        ("Müller", "Muller"),
        ("Ἡ Ὀδύσσεια", "η οδυσσεια"),
        ("ΟΔΥΣΣΕΙΑ", "Οδύσσεια"),
        ("Straße", "strasse"),
        ("ＡＢＣ　１２３", "abc 123"),
        ("obʺiasnenie", "obiasnenie"),  # ALA-LC hard sign
        ("Pist︠s︡ovye", "pistsovye"),  # ligature halves U+FE20 / U+FE21
        ("Hanʼguk kyŏngje", "hanguk kyongje"),
        ("Łódź", "lodz"),
        ("Ærø", "aero"),
        ("Ёлка", "елка"),
        ("İstanbul", "istanbul"),
    ],
)
def test_fold_makes_forms_equal(a, b):
    assert fold(a) == fold(b)


def test_fold_exact_values():
    assert fold("  The  Swing era : the development of jazz, 1930-1945 / ") == (
        "the swing era the development of jazz 1930 1945"
    )
    assert fold("村上春樹") == "村上春树"
    assert fold("ﾊﾞｶ") == "バカ"  # half-width katakana, voiced mark recomposed
    assert fold("が") == "が"  # kana voicing marks are not diacritics
    assert fold("l'amour") == "l amour"


def test_fold_keeps_hebrew_arabic_and_hangul_searchable():
    assert fold("שָׁלוֹם") == "שלום"  # points removed, letters kept
    assert fold("الْعَرَبِيَّة") == "العربيه"  # harakat removed, ة → ه
    assert fold("أحمد") == fold("احمد")
    assert fold("한국 경제") == "한국 경제"
    assert fold("हिन्दी") == "हिन्दी"  # Devanagari vowel signs are letters' parts


def test_traditional_table_resolves_variants():
    table = traditional_to_simplified()
    assert table["樓"] == "楼"
    assert table["夢"] == "梦"
    assert "红" not in table  # simplified characters map to nothing
    assert all(value not in table for value in table.values())  # closed: fold is idempotent


def test_tokens_words_and_bigrams():
    assert tokens("Pride and Prejudice") == ["pride", "and", "prejudice"]
    assert tokens("紅樓夢") == ["红楼", "楼梦"]
    assert tokens("红楼梦研究") == ["红楼", "楼梦", "梦研", "研究"]
    assert tokens("書") == ["书"]
    assert tokens("abc红楼 x") == ["abc", "红楼", "x"]
    assert tokens("한국 경제") == ["한국", "경제"]
    assert tokens("שלום עולם") == ["שלום", "עולם"]


def test_tokens_find_a_name_inside_a_longer_title():
    inside = set(tokens("村上春樹全作品 1979-1989"))
    assert set(tokens("村上春樹")) <= inside
    assert set(tokens("紅樓夢")) <= set(tokens("红楼梦的研究"))


def test_script_of():
    assert script_of("文化交流の時代へ") == "jpan"
    assert script_of("한국 경제") == "hang"
    assert script_of("红楼梦") == "hani"
    assert script_of("Война") == "cyrl"
    assert script_of("침・뜸") == "hang"  # the katakana middle dot does not make it Japanese


@pytest.mark.parametrize(
    ("vernacular", "language", "expected"),
    [
        ("紅樓夢", "chi", "hong lou meng"),
        ("女", "chi", "nu"),
        ("文化交流の時代へ", "jpn", "bunka koryu no jidai e"),
        ("東京は日本の首都", "jpn", "tokyo wa nihon no shuto"),
        ("영욕 의 한국 경제", "kor", "yongyok ui hanguk kyongje"),
        ("신라", "kor", "silla"),
        ("한국어", "kor", "hangugo"),
        ("Писцовые книги Новгородской земли", "rus", "pistsovye knigi novgorodskoi zemli"),
        ("Курганская старина", "rus", "kurganskaia starina"),
        ("Київ", "ukr", "kyiv"),
        ("Pride and Prejudice", "eng", "pride and prejudice"),
    ],
)
def test_romanise(vernacular, language, expected):
    assert romanise(vernacular, language) == expected


def test_romanise_meets_lc_romanisation():
    # LoC 245 (romanised) and 880 (vernacular) of the same records.
    pairs = [
        ("Bunka kōryū no jidai e", "文化交流の時代へ", "jpn"),
        ("Yŏngyok ŭi Hanʼguk kyŏngje", "영욕 의 한국 경제", "kor"),
        ("Pist︠s︡ovye knigi Novgorodskoĭ zemli", "Писцовые книги Новгородской земли", "rus"),
        ("Taiwan chuan tong ban yin", "臺灣傳統版印", "chi"),
    ]
    for romanised, vernacular, language in pairs:
        squeeze = lambda text: text.replace(" ", "")  # noqa: E731 - LC word division differs
        assert squeeze(romanise(vernacular, language)) == squeeze(romanise(romanised, language))


@pytest.mark.parametrize(
    ("vernacular", "romanised", "skeleton"),
    [
        # LoC 880 and 245 of the same records: Hebrew, Arabic, Persian.
        ("ספר ארחות ימים", "Sefer Orḥot yamim", "SPRHTM"),
        ("קובץ הערות ומראה מקומות", "Ḳovets heʻarot u-marʼeh meḳomot", "KBCHRTMRHMKMT"),
        ("ספר דם ענבים", "Sefer Dam ʻanavim", "SPRDMNBM"),  # bet as v, ayin dropped
        ("الدور السياسي للتليفزيون في اليمن", "al-Dawr al-siyāsī lil-tilīfiziyūn fī al-Yaman",
         "LDRLSLTLPZNPLMN"),
        ("فهرست نسخه هاى خطى", "Fihrist-i nuskhahʹhā-yi khaṭṭī", "PHRSTNSKHKT"),
    ],
)  # fmt: skip
def test_consonants_of_a_script_and_its_romanisation_agree(vernacular, romanised, skeleton):
    assert consonants(vernacular) == skeleton
    assert consonants(romanised) == skeleton


def test_consonants_keep_apart_what_differs():
    assert consonants("ṿe-hu") == "H"  # ALA-LC ṿ is vav, left out like the letter
    assert consonants("ve-hu") == "BH"  # v is bet
    assert consonants("ספר 2") == "SPR2"
    assert consonants("Sefer ha-ḥayim") != consonants("Sefer ha-zikaron")


JAPANESE_TITLES = [
    "文化交流の時代へ",
    "東京は日本の首都",
    "村上春樹全作品",
    "色即是空、色そのもの",  # 色 has a reading only for a word that follows: しょく before そん
    "葛\U000e0100飾北斎の富嶽三十六景",  # an ideographic variation selector
    "舊字體の國語辭典",  # old forms (pykakasi's itaiji table)
    "ｶﾀｶﾅとひらがなと漢字とABC123",
    "第二次世界大戦後の日本経済史：一九四五－一九八〇年",
    "國立國會圖書館藏書目録",
    "〆切と々と〇",
    "𠮷野家の研究",  # a character outside the BMP
]


def test_kanji_readings_are_pykakasis():
    # The compact table must give pykakasi's own readings, word for word and in titles.
    import pickle

    import pykakasi
    from pykakasi.kanji import JConv
    from pykakasi.properties import Configurations

    from bibliobridge.catalog.text import _kakasi

    lean, full = _kakasi(), pykakasi.Kakasi()
    for title in JAPANESE_TITLES:
        assert lean.convert(title) == full.convert(title), title
    with open(Configurations.dictpath(Configurations.jisyo_kanwa), "rb") as stream:
        words = [word for table in pickle.load(stream).values() for word in table]  # noqa: S301
    original = JConv()
    for word in [*words[::97], "色", "日本", "大"]:
        for text in (word, word + "の", word + "本"):
            for before in ("", "そん"):
                assert lean._jconv.convert(text, before) == original.convert(text, before), text


def test_kanji_readings_are_compact():
    from bibliobridge.catalog.text import _kakasi

    readings = _kakasi()._jconv._readings
    assert 260_000 < sum(entries.count("\x1e") - 1 for entries in readings.by_first.values())
    assert sum(len(entries) for entries in readings.by_first.values()) < 4_000_000


def test_kanji_readings_kept_in_a_file(tmp_path, monkeypatch):
    # A process reads the table another one made from the file it was kept in; a file that
    # cannot be read (another Python's marshal, cut short) is made again. An import worker
    # given the file reads it only when a record needs it.
    from bibliobridge.catalog import text

    kept = tmp_path / "cache" / "kanji-readings.marshal"
    made = text.KanjiReadings.load(kept)
    assert kept.is_file()
    read = text.KanjiReadings.load(kept)
    assert (read.by_first, read.longest) == (made.by_first, made.longest)
    kept.write_bytes(kept.read_bytes()[:1000])
    again = text.KanjiReadings.load(kept)
    assert (again.by_first, again.longest) == (made.by_first, made.longest)

    monkeypatch.setattr(text, "_kanji_readings", None)
    monkeypatch.setattr(text, "_kanji_file", None)
    text.share_kanji_readings(kept)
    assert text._kanji_readings is None
    assert text.kanji_readings().by_first == made.by_first


def test_tokens_of_text_folded_to_ascii_are_its_words(shared_file):
    # tokens() splits text folded to ASCII at its spaces, without the CJK-aware pattern:
    # the same tokens, on every title, name and subject of a real file and on edge cases.
    from bibliobridge.catalog.marc.read import read_records
    from bibliobridge.catalog.marc.record import NormalisedRecord
    from bibliobridge.catalog.text import _tokens_of_folded

    texts = ["", " ", "a", "A-b_c", "l'amour", "Müller, Hans", "Œuvres\tcomplètes\x1d", "3.14"]
    with shared_file("marc/loc/loc_booksall2016_part01_every64th.mrc").open("rb") as stream:
        for record in read_records(stream):
            if isinstance(record, NormalisedRecord):
                texts += [record.title, record.title_romanised, *record.names, *record.subjects]
    folded_to_ascii = 0
    for text in texts:
        assert tokens(text) == _tokens_of_folded(fold(text)), text
        folded_to_ascii += fold(text).isascii()
    assert folded_to_ascii > 10_000
