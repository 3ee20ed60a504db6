"""Folding, tokenising and romanising text in any script, for search and matching.

``fold`` makes the forms a reader would call "the same" equal: Müller = Muller,
Dostoevskiĭ = Dostoevskii = DOSTOEVSKII, 紅樓夢 = 红楼梦, ＡＢＣ = abc. ``tokens`` splits
folded text into the words a search index stores; ``romanise`` turns vernacular text
into the Latin form a cataloguer would write, so 红楼梦 can be matched with
"Hong lou meng".

Decisions, and why:

- Diacritics are stripped, and ü becomes u, not ue. Catalogues romanise and key in
  names both ways (Müller, Muller, Mueller); stripping is what search engines and the
  Library of Congress's own name-matching normalisation (NACO) do, it is the same rule
  for every language, and it keeps Turkish, Hungarian and Pinyin ü (lü) right, where ue
  would be wrong. "Mueller" therefore does not fold to "muller".
- Only Latin, Greek, Cyrillic, Hebrew (points) and Arabic (harakat) marks are removed.
  Marks that are letters' vowels in Indic or Thai scripts, and the kana voicing marks
  (が is not か), are kept.
- The ALA-LC romanisation marks ʹ ʺ ʼ ʻ and the ligature halves U+FE20-FE23
  (t︠s︡) are deleted, so "obʺiasnenie" folds to "obiasnenie" and "Hanʼguk" to "hanguk".
  Plain apostrophes become spaces, so "l'amour" is found by "amour".
- Traditional Chinese characters become simplified ones through OpenCC's character
  table (with Taiwan and Hong Kong variant forms first), applied one character at a
  time. Phrase-level conversion would be more correct for display, but folding only has
  to send both forms to the same string, and a per-character table is a single
  ``str.translate``: about 20 times faster than a phrase converter. Japanese kanji go
  through the same table (村上春樹 folds to 村上春树), which is harmless because the query
  is folded the same way. Kana are kept as they are (hiragana and katakana stay
  distinct).
- Arabic alef forms (أ إ آ ٱ) fold to ا, ى to ي and ة to ه, as Arabic search engines do,
  and tatweel is dropped.

``tokens`` gives words for scripts written with spaces. Han, kana and Hangul runs give
overlapping two-character pieces (紅樓夢 → 红楼, 楼梦), and a run of one character gives
that character: this is the CJK bigram scheme of Lucene's CJKAnalyzer, which needs no
dictionary, finds 红楼梦 inside 红楼梦研究 and 村上春樹 inside 村上春樹全作品, and
costs nothing at ingest. A one-character query inside a longer run is not found: the
price of not indexing every character.
"""

import contextlib
import fcntl
import functools
import marshal
import os
import re
import unicodedata
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bibliobridge.core.memory import release_free_memory

__all__ = ["consonants", "fold", "has_hebrew_or_arabic", "romanise", "script_of", "tokens"]

# Combining marks removed after canonical decomposition.
_STRIPPED_MARKS = [
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic й ё)
    (0x0483, 0x0489),  # Cyrillic combining marks (titlo ...)
    (0x0591, 0x05BD),  # Hebrew cantillation and points
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0610, 0x061A),  # Arabic signs
    (0x064B, 0x065F),  # Arabic harakat
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06ED),  # Quranic marks
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),  # combining half marks: the ALA-LC ligature halves t︠s︡
]

# Letters that carry their "diacritic" in the base letter, so decomposition leaves them.
_LETTERS = {
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ŀ": "l",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "ng",
    "ɨ": "i",
    "ʉ": "u",
    "ƀ": "b",
    "ɖ": "d",
    "ƒ": "f",
    "ɔ": "o",
    "ɛ": "e",
    "ə": "e",
    "ĸ": "k",
    # ALA-LC romanisation marks: soft and hard signs, alif and ayn, Korean aspiration.
    "ʹ": "",
    "ʺ": "",
    "ʼ": "",
    "ʻ": "",
    "ʾ": "",
    "ʿ": "",
    "\u200c": "",  # zero-width non-joiner: keeps Persian words whole
    "\u200d": "",
    "\u00ad": "",  # soft hyphen
    # Arabic letter forms that search treats as one.
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ـ": "",  # tatweel
}

# Planes 0-2 hold every punctuation and symbol a title uses; planes 3+ are Han and tags.
_LAST_CODE_POINT = 0x30000


def _first_values(name: str) -> dict[str, str]:
    table = {}
    text = resources.files("opencc_purepy").joinpath("dicts", name).read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        value = values.split(" ")[0].strip()
        if len(key) == 1 and len(value) == 1 and key != value:
            table[key] = value
    return table


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's one-to-one character table, variants resolved, closed under repetition."""
    ts = _first_values("TSCharacters.txt")
    simplified = set(ts.values())
    variants = {
        char: value
        for char, value in {
            **_first_values("HKVariantsRev.txt"),
            **_first_values("TWVariantsRev.txt"),
        }.items()
        # Taiwan's 么 → 幺 would turn simplified text's 么 (什么) into another word.
        if char not in simplified
    }
    table = {}
    for char in set(variants) | set(ts):
        value = variants.get(char, char)
        value = ts.get(value, value)
        if value != char:
            table[char] = value
    for char, value in table.items():  # chains (a → b → c): map straight to the end
        seen = {char}
        while value in table and value not in seen:
            seen.add(value)
            value = table[value]
        table[char] = value
    return {char: value for char, value in table.items() if char != value}


@functools.cache
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for char in map(chr, range(_LAST_CODE_POINT)):
        category = unicodedata.category(char)
        if category[0] in "PSZ" or category == "Cc":
            table[ord(char)] = " "
    for start, end in _STRIPPED_MARKS:
        for code in range(start, end + 1):
            table[code] = None
    for char, value in _LETTERS.items():
        table[ord(char)] = value or None
    for char, value in traditional_to_simplified().items():
        table[ord(char)] = value
    return table


_ASCII_PUNCTUATION = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """The form of ``text`` used for search and matching; see the module docstring."""
    if text.isascii():
        return " ".join(_ASCII_PUNCTUATION.sub(" ", text.lower()).split())
    text = unicodedata.normalize("NFKD", text).casefold().translate(_fold_table())
    return " ".join(unicodedata.normalize("NFC", text).split())


_CJK = (
    "\u1100-\u11ff"  # Hangul jamo
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31f0-\u31ff"  # katakana extensions
    "\u3400-\u4dbf"  # Han extension A
    "\u4e00-\u9fff"  # Han
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # Han compatibility
    "\U00020000-\U0003134f"  # Han extensions B-G
)
_TOKEN = re.compile(f"([{_CJK}]+)|[^\\s{_CJK}]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile("[\u3041-\u3096\u309d-\u30fa\u30fc-\u30ff\u31f0-\u31ff]")  # not ・
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_CYRILLIC = re.compile("[\u0400-\u052f]")


def tokens(text: str) -> list[str]:
    """Search tokens of ``text``, in order: words, or CJK character bigrams (see above)."""
    folded = fold(text)
    if folded.isascii():  # most text: no CJK run, words between single spaces
        return folded.split()
    return _tokens_of_folded(folded)


def _tokens_of_folded(folded: str) -> list[str]:
    result = []
    for match in _TOKEN.finditer(folded):
        run = match.group(1)
        if run is None:
            result.append(match.group())
        elif len(run) == 1:
            result.append(run)
        else:
            result.extend(run[i : i + 2] for i in range(len(run) - 1))
    return result


def script_of(text: str) -> str:
    """The script that decides how ``text`` is romanised: jpan, hang, hani, cyrl or latn."""
    if text.isascii():  # most text; the searches below scan all of it four times
        return "latn"
    if _KANA.search(text):
        return "jpan"
    if _HANGUL.search(text):
        return "hang"
    if _HAN.search(text):
        return "hani"
    if _CYRILLIC.search(text):
        return "cyrl"
    return "latn"


# --- Romanisation -----------------------------------------------------------------------

_LANGUAGE_SCRIPT = {"chi": "hani", "zho": "hani", "jpn": "jpan", "kor": "hang"}


# The holders of a title mostly write it, and its names, alike: a load compares each new
# record's romanised forms with those of the records already held (Japanese through
# pykakasi costs about a millisecond). Some 16,000 short strings: a few MB.
@functools.lru_cache(maxsize=16_384)
def romanise(text: str, language: str = "") -> str:
    """``text`` in Latin letters as a cataloguer would romanise it, then folded.

    ``language`` is an ISO 639-2 code; it picks the scheme for Han text (Chinese pinyin,
    or Japanese Hepburn) and the Cyrillic table, and when empty the script decides.
    Chinese is pinyin without tones (pypinyin); Japanese is Hepburn (pykakasi) with long
    vowels and particles as the Library of Congress writes them; Korean is the ALA-LC
    form of McCune-Reischauer that LC records use; Cyrillic follows the ALA-LC tables for
    Russian, Ukrainian, Belarusian, Bulgarian, Serbian and Macedonian. Other scripts go
    through anyascii. Latin text passes through (for Japanese, with long vowels reduced
    the same way), so both sides of a comparison can be given to this function.
    """
    language = language.lower()[:3]
    script = script_of(text)
    if script == "hani" and _LANGUAGE_SCRIPT.get(language) == "jpan":
        script = "jpan"
    if script == "jpan":
        return _japanese(text)
    if script == "hang":
        return fold(_korean(text))
    if script == "hani":
        return fold(_chinese(text))
    if script == "cyrl":
        return fold(_cyrillic(text, language))
    folded = fold(text)
    if folded.isascii():
        return _long_vowels(folded) if language == "jpn" else folded
    from anyascii import anyascii

    return fold(anyascii(folded))


def _chinese(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.NORMAL, v_to_u=True))


@functools.cache
def _kakasi():
    """pykakasi's converter, reading its kanji words from ``KanjiReadings``."""
    from pykakasi import Kakasi
    from pykakasi.scripts import IConv

    converter = Kakasi.__new__(Kakasi)  # Kakasi() would load the dictionary as objects
    converter._jconv = _LeanJConv(kanji_readings())
    converter._iconv = IConv()
    return converter


_kanji_readings: "KanjiReadings | None" = None
# Where this process reads the table when it first needs it (None: the var directory's).
_kanji_file: Path | None = None


def kanji_readings() -> "KanjiReadings":
    """The process's table of kanji readings, read (or made) on first use."""
    global _kanji_readings  # noqa: PLW0603 (one table per process, like a functools.cache)
    if _kanji_readings is None:
        _kanji_readings = KanjiReadings.load(_kanji_file or _kept_kanji_file())
    return _kanji_readings


def kanji_readings_to_share() -> "KanjiReadings | Path":
    """What an import worker is given to find its kanji readings: the file the table is
    kept in (made by the first process that needs it, under a lock), or this process's
    table when no such file can be written. Either way no worker but the first one ever
    reads pykakasi's dictionary (100 MB for a moment)."""
    path = _kept_kanji_file()
    if path is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        if os.access(path.parent, os.W_OK):
            return path
    return kanji_readings()


def share_kanji_readings(readings: "KanjiReadings | Path") -> None:
    """Use a table made by another process, or the file it is kept in (read on first use:
    most files have no Japanese)."""
    global _kanji_readings, _kanji_file  # noqa: PLW0603
    if isinstance(readings, Path):
        _kanji_file = readings
    else:
        _kanji_readings = readings


def _kept_kanji_file() -> Path | None:
    """The file in the var directory the table is kept in between processes, by the
    versions of pykakasi (its dictionary) and of marshal (the file's format)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        directory = Path(settings.VAR_DIR) / "cache"
    except (ImproperlyConfigured, AttributeError):
        return None
    return directory / f"kanji-readings-{metadata.version('pykakasi')}-{marshal.version}.marshal"


class KanjiReadings:
    r"""pykakasi's kanji dictionary (269,000 words and their readings) in one string per
    first character: 7 MB, where pykakasi keeps 1.4 million Python objects, 91 MB in
    every process that romanises Japanese (the importing process and each import
    worker).

    A word's entry is ``\x1e word \x1f reading [\x1d okurigana \x1c ...] \x1f reading
    ...``: its readings in pykakasi's order, up to the first one that needs no particular
    kana after the word (pykakasi takes the first that fits, so the rest are never used).
    """

    WORD, READING, KANA, NEXT_KANA = "\x1e", "\x1f", "\x1d", "\x1c"

    def __init__(self, by_first: dict[str, str], longest: int) -> None:
        self.by_first = by_first
        self.longest = longest

    @classmethod
    def load(cls, kept: Path | None = None) -> "KanjiReadings":
        """The table kept in the file ``kept`` (some 20 ms), or made from pykakasi's
        dictionary (a second, and 100 MB for a moment) and kept there for next time."""
        if kept is None:
            return cls.made()
        readings = cls._read(kept)
        if readings is not None:
            return readings
        with contextlib.suppress(OSError), _locked(kept.with_name(kept.name + ".lock")):
            # Another process may have made it while this one waited for the lock.
            readings = cls._read(kept)
            if readings is None:
                readings = cls.made()
                # Written aside and renamed: a process reading it meanwhile sees all or nothing.
                partial = kept.with_name(f"{kept.name}.{os.getpid()}")
                partial.write_bytes(marshal.dumps((readings.by_first, readings.longest)))
                partial.replace(kept)
        return readings if readings is not None else cls.made()

    @classmethod
    def _read(cls, kept: Path) -> "KanjiReadings | None":
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
            by_first, longest = marshal.loads(kept.read_bytes())  # noqa: S302 (our own file)
            if isinstance(by_first, dict) and isinstance(longest, int):
                return cls(by_first, longest)
        return None

    @classmethod
    def made(cls) -> "KanjiReadings":
        """The table made from pykakasi's dictionary."""
        import gc
        import pickle

        from pykakasi.properties import Configurations

        with (Configurations.data_path / Configurations.jisyo_kanwa).open("rb") as stream:
            words_by_first = pickle.load(stream)  # noqa: S301 (pykakasi's own data file)
        by_first, longest = {}, 0
        for code, words in words_by_first.items():
            first = chr(code)
            parts = []
            for word, readings in words.items():
                if not word.startswith(first):
                    continue  # never looked at: a match starts with the text's first character
                longest = max(longest, len(word))
                parts += [cls.WORD, word]
                for reading, kana in readings:
                    parts += [cls.READING, reading]
                    if kana is None:
                        break
                    parts += [cls.KANA, cls.NEXT_KANA.join(kana)]
            by_first[first] = "".join(parts) + cls.WORD
        del words_by_first, words, readings
        # The strings kept are copied once the pickle's objects are gone: made while they
        # were alive, the small ones sit among them and keep their memory from the system.
        gc.collect()
        by_first = {_copy(first): _copy(entries) for first, entries in by_first.items()}
        gc.collect()
        release_free_memory()
        return cls(by_first, longest)

    def words_starting(self, text: str) -> dict[str, list[tuple[str, list[str] | None]]] | None:
        """The entries whose words begin ``text``, as pykakasi's table has them (None when
        no word starts with its first character)."""
        entries = self.by_first.get(text[0])
        if entries is None:
            return None
        found = {}
        for length in range(1, min(len(text), self.longest) + 1):
            word = text[:length]
            start = entries.find(self.WORD + word + self.READING)
            if start < 0:
                continue
            end = entries.index(self.WORD, start + 1)
            readings = []
            for reading in entries[start + len(word) + 2 : end].split(self.READING):
                reading, marked, kana = reading.partition(self.KANA)
                readings.append((reading, kana.split(self.NEXT_KANA) if marked else None))
            found[word] = readings
        return found


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (made if missing), let go of however the process ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _copy(text: str) -> str:
    return (text + " ")[:-1]


class _LeanJConv:
    """pykakasi's JConv (longest kanji word at the start of a text, and its reading) over
    ``KanjiReadings``: pykakasi's own ``convert`` runs on the few entries that can match,
    so the readings are pykakasi's, word for word."""

    def __init__(self, readings: KanjiReadings) -> None:
        from pykakasi.kanji import Itaiji, JConv

        self._readings = readings
        self._itaiji = Itaiji()
        self._convert = JConv.convert.__wrapped__  # its lru_cache is kept below
        self._jconv = JConv

    def _view(self, kanwa: "_Candidates | None" = None) -> Any:
        """A JConv without its dictionary, for its own methods to run on."""
        view = self._jconv.__new__(self._jconv)
        view._itaiji = self._itaiji
        view._kanwa = kanwa
        return view

    def isRegion(self, c: str) -> bool:  # noqa: N802 (pykakasi's name)
        return self._jconv.isRegion(self._view(), c)

    @functools.lru_cache(maxsize=512)  # noqa: B019 (one converter for the process)
    def convert(self, itext: str, btext: str) -> tuple[str, int]:
        words = self._readings.words_starting(self._itaiji.convert(itext))
        return self._convert(self._view(_Candidates(words)), itext, btext)


class _Candidates:
    """Stands in for pykakasi's Kanwa, holding only the entries a ``convert`` can use."""

    def __init__(self, words: dict[str, list[tuple[str, list[str] | None]]] | None) -> None:
        self.words = words

    def load(self, char: str) -> dict[str, list[tuple[str, list[str] | None]]] | None:
        return self.words


# LC writes the particles は へ を as wa, e, o, and 日本 as Nihon.
_JAPANESE_WORDS = {"は": "wa", "へ": "e", "を": "o", "日本": "nihon"}
_DOUBLE_VOWEL = re.compile(r"([aeiou])\1+|ou")


def _long_vowels(text: str) -> str:
    # LC writes ō for おう and おお, ū for うう; pykakasi spells them out. Reducing every
    # doubled vowel on both sides makes the two agree (Tōkyō, toukyou → tokyo).
    return _DOUBLE_VOWEL.sub(lambda m: m.group()[0], text)


def _japanese(text: str) -> str:
    parts = []
    for part in _kakasi().convert(unicodedata.normalize("NFKC", text)):
        parts.append(_JAPANESE_WORDS.get(part["orig"].strip(), part["hepburn"]))
    return _long_vowels(fold(" ".join(parts)))


# Korean: McCune-Reischauer as ALA-LC writes it, with the marks folding removes left out
# (ŏ → o, ŭ → u, kʻ → k). Sound changes apply inside a word, as LC's word division shows.
_KO_INITIAL = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"]  # fmt: skip
_KO_VOICED = {0: "g", 3: "d", 7: "b", 12: "j"}  # ㄱ ㄷ ㅂ ㅈ between voiced sounds
_KO_VOWEL = ["a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"]  # fmt: skip
# Final consonant: (before a consonant or at the end, carried to a following silent ㅇ).
_KO_FINAL = [
    ("", ""), ("k", "g"), ("k", "kk"), ("k", "ks"), ("n", "n"), ("n", "nj"), ("n", "n"),
    ("t", "d"), ("l", "r"), ("k", "lg"), ("m", "lm"), ("l", "lb"), ("l", "ls"), ("l", "lt"),
    ("p", "lp"), ("l", "r"), ("m", "m"), ("p", "b"), ("p", "ps"), ("t", "s"), ("t", "ss"),
    ("ng", "ng"), ("t", "j"), ("t", "ch"), ("k", "k"), ("t", "t"), ("p", "p"), ("t", ""),
]  # fmt: skip
_KO_NASAL = {"k": "ng", "t": "n", "p": "m"}


def _korean_word(syllables: list[tuple[int, int, int]]) -> str:
    out = []
    previous = None  # the previous syllable's final: plain form, or "" after a vowel
    for initial, vowel, final in syllables:
        onset = _KO_INITIAL[initial]
        if previous is not None:
            coda, carried = _KO_FINAL[previous]
            if initial == 11 and previous:  # silent ㅇ: the final is carried over
                if carried == "ng":
                    out.append("ng")
                else:
                    onset = carried
            elif initial in (2, 6):  # ㄴ ㅁ: a stop before them becomes nasal
                if coda == "l" and initial == 2:
                    onset = "l"
                out.append(_KO_NASAL.get(coda, coda))
            elif initial == 5:  # ㄹ
                if coda in ("n", "l"):
                    out.append("l")
                    onset = "l"
                else:
                    out.append(_KO_NASAL.get(coda, coda))
                    onset = "n" if coda else "r"
            else:
                out.append(coda)
                if coda in ("", "n", "l", "m", "ng"):
                    onset = _KO_VOICED.get(initial, onset)
        if initial == 9 and vowel == 16:  # 쉬: shwi
            onset = "sh"
        out.append(onset + _KO_VOWEL[vowel])
        previous = final
    if previous:
        out.append(_KO_FINAL[previous][0])
    return "".join(out)


def _korean(text: str) -> str:
    words = []
    for word in unicodedata.normalize("NFKC", text).split():
        if word.rstrip(",.") == "이":  # the surname 李, as LC writes it
            words.append("yi")
            continue
        out, syllables = [], []
        for char in word:
            code = ord(char) - 0xAC00
            if 0 <= code < 11172:
                syllables.append((code // 588, (code % 588) // 28, code % 28))
                continue
            if syllables:
                out.append(_korean_word(syllables))
                syllables = []
            out.append(_chinese(char) if _HAN.match(char) else char)
        if syllables:
            out.append(_korean_word(syllables))
        words.append("".join(out))
    return " ".join(words)


# ALA-LC Cyrillic, with the marks folding removes left out (й → i, ю → iu, ь → "").
_RUSSIAN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіѣѳѵ", "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e iu ia i e f y".split(), strict=True))  # fmt: skip
_CYRILLIC_TABLES = {
    "rus": _RUSSIAN,
    "ukr": {**_RUSSIAN, "г": "h", "ґ": "g", "є": "ie", "ї": "i", "и": "y", "щ": "shch"},
    "bel": {**_RUSSIAN, "г": "h", "ґ": "g", "ў": "u"},
    "bul": {**_RUSSIAN, "щ": "sht", "ъ": "u"},
    "srp": {
        **_RUSSIAN,
        "ђ": "d",
        "ј": "j",
        "љ": "lj",
        "њ": "nj",
        "ћ": "c",
        "џ": "dz",
        "х": "h",
        "ц": "c",
        "ч": "c",
        "ш": "s",
        "ж": "z",
    },  # fmt: skip
    "mac": {
        **_RUSSIAN,
        "ѓ": "g",
        "ѕ": "dz",
        "ј": "j",
        "љ": "lj",
        "њ": "nj",
        "ќ": "k",
        "џ": "dz",
        "х": "h",
        "ц": "c",
        "ч": "c",
        "ш": "s",
        "ж": "z",
    },  # fmt: skip
}


@functools.cache
def _cyrillic_table(language: str) -> dict[int, str]:
    table = _CYRILLIC_TABLES.get(language, _RUSSIAN)
    return {ord(k): ("" if v == "_" else v) for k, v in table.items()}


def _cyrillic(text: str, language: str) -> str:
    # Lower-case first: the tables hold lower case, and fold lower-cases anyway.
    return unicodedata.normalize("NFC", text).lower().translate(_cyrillic_table(language))


# --- Consonant skeletons: Hebrew and Arabic script against their romanised forms ---------

# Hebrew and Arabic script write few vowels, and ALA-LC romanisation writes them all, so
# neither side can be turned into the other. Both can be reduced to their consonants, in
# classes where the romanisation tables give one Latin letter for several (ב b/v, כ ק
# k/ḳ, ח ה ḥ/h, ث th/t, ص s/ṣ ...). Alef, ayin, hamza, and vav and yod (written for
# vowels as often as for consonants) are left out on both sides. A letter class ("-"
# drops the letter):
_SKELETON_LETTERS = {
    # Hebrew
    **dict(zip("אבגדהוזחטיכךלמםנןסעפףצץקרשתװױײ", "-BGDH-ZHT-KKLMMNNS-PPCCKRST---", strict=True)),
    # Arabic, with the letters Persian and Urdu add
    **dict(
        zip("ابتثجحخدذرزسشصضطظعغفقكلمنهويءئؤة", "-BTTJHKDDRZSSSDTZ-GPKKLMNH-----H", strict=True)
    ),
    **dict(zip("پچژگکیۀٹڈڑںےہھ", "PCZGK-HTDRN-HH", strict=True)),
}
_SKELETON_TABLE = {ord(k): (None if v == "-" else v) for k, v in _SKELETON_LETTERS.items()}
# The romanised side: ALA-LC digraphs first, then single letters; vowels, w and y go.
_LATIN_SKELETON = {
    "kh": "K", "sh": "S", "th": "T", "dh": "D", "gh": "G", "ts": "C", "tz": "C", "zh": "Z",
    "ch": "C", "b": "B", "v": "B", "p": "P", "f": "P", "k": "K", "q": "K", "c": "K", "g": "G",
    "d": "D", "h": "H", "z": "Z", "s": "S", "t": "T", "j": "J", "l": "L", "m": "M", "n": "N",
    "r": "R", "x": "KS",
}  # fmt: skip
_LATIN_UNITS = re.compile(r"kh|sh|th|dh|gh|ts|tz|zh|ch|[a-z0-9]")
_HEBREW_ARABIC = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufeff]")
_DOUBLED = re.compile(r"(.)\1+")


def has_hebrew_or_arabic(text: str) -> bool:
    return bool(_HEBREW_ARABIC.search(text))


def consonants(text: str) -> str:
    """The consonant skeleton of a Hebrew or Arabic-script text, or of its ALA-LC
    romanisation, in upper-case letter classes without spaces: ספר ארחות ימים and
    "Sefer Orḥot yamim" both give SPRHTM. Digits are kept; doubled letters count once
    (Arabic writes shadda as a mark, romanisation doubles the letter)."""
    if _HEBREW_ARABIC.search(text):
        letters = fold(text).translate(_SKELETON_TABLE)
        skeleton = "".join(c for c in letters if c.isupper() or c.isdigit())
    else:
        # ALA-LC Hebrew writes vav as ṿ and bet as v: vav goes, like the letter itself.
        text = unicodedata.normalize("NFC", text).replace("\u1e7f", "").replace("\u1e7e", "")
        units = _LATIN_UNITS.findall(" ".join(fold(text).split()))
        skeleton = "".join(u if u.isdigit() else _LATIN_SKELETON.get(u, "") for u in units)
    return _DOUBLED.sub(r"\1", skeleton)
