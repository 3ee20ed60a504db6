"""Build the demo partner network: first a plan in memory, then the rows.

The plan depends only on the seed and the requested sizes, so two runs give the same
institutions and agreements; dates are offsets from today, so reminders always fall due.
Every institution and agreement has its own generator (seeded from the seed and its
position), which keeps names stable even where a date decides how many closures exist.

Two writers: `write_with_services` goes through the partner and agreement services, so
the demo has a real audit history; `write_in_bulk` writes the same plan with
bulk_create for benchmark-sized networks, with search text and one ActivityLog row per
institution and agreement.
"""

import datetime as dt
import functools
import hashlib
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError

from bibliobridge.agreements.enums import (
    AgreementStatus,
    AgreementType,
    ConditionKind,
    Direction,
    PartyRole,
    Period,
    Unit,
)
from bibliobridge.partners.enums import (
    IDENTIFIER_NORMALISERS,
    ContactRole,
    EndpointKind,
    IdentifierScheme,
    InstitutionKind,
    Iso18626Version,
    PaymentMethod,
)
from bibliobridge.partners.identifiers import ROR_ALPHABET, ror_checksum

from . import network
from .network import COUNTRIES, NAMED, PROFILES, City, Country, Profile, ascii_text

DEFAULT_SEED = 2024
DEFAULT_INSTITUTIONS = 300
DEFAULT_AGREEMENTS = 150

K = InstitutionKind
S = AgreementStatus
T = AgreementType

# Names in English and Chinese follow one pattern per kind whatever the country.
EN_PATTERNS = {K.UNIVERSITY_LIBRARY: "{e} University Library", K.PUBLIC_LIBRARY: "{e} Public Library",
               K.RESEARCH_LIBRARY: "{e} Research Library"}  # fmt: skip
ZH_PATTERNS = {K.UNIVERSITY_LIBRARY: "{z}大学图书馆", K.PUBLIC_LIBRARY: "{z}公共图书馆",
               K.RESEARCH_LIBRARY: "{z}研究图书馆"}  # fmt: skip
KIND_LETTER = {K.NATIONAL_LIBRARY: "N", K.UNIVERSITY_LIBRARY: "U", K.PUBLIC_LIBRARY: "P",
               K.RESEARCH_LIBRARY: "R", K.CONSORTIUM: "C", K.INTERNATIONAL_ORGANISATION: "O",
               K.VENDOR: "V", K.OTHER: "X"}  # fmt: skip
LIBRARY_KINDS = {K.NATIONAL_LIBRARY, K.UNIVERSITY_LIBRARY, K.PUBLIC_LIBRARY, K.RESEARCH_LIBRARY}
# Countries that appear only through named institutions.
NOT_GENERATED = {"VA"}
MAJOR_CURRENCIES = {
    "USD": 1,
    "EUR": 1,
    "GBP": 1,
    "CHF": 1,
    "AUD": 2,
    "CAD": 1,
    "JPY": 150,
    "CNY": 7,
}


@dataclass
class InstitutionPlan:
    key: str
    kind: str
    fields: dict[str, Any]
    parent_key: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    names: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    address: tuple[str, str] | None = None  # native, romanised
    contacts: list[dict[str, Any]] = field(default_factory=list)
    endpoints: list[tuple[str, str, str]] = field(default_factory=list)  # kind, url, version
    policy: dict[str, Any] | None = None
    closures: list[tuple[dt.date, dt.date, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)  # who may sign for it
    acronym: str = ""
    is_home: bool = False


@dataclass
class AgreementPlan:
    type: str
    status: str
    fields: dict[str, Any]
    parties: list[dict[str, Any]]  # "institution" holds an InstitutionPlan key
    conditions: list[dict[str, Any]]
    actions: list[str]
    amendment: dict[str, Any] | None = None


@dataclass
class Plan:
    home: InstitutionPlan
    institutions: list[InstitutionPlan]  # partners, parents before their units
    agreements: list[AgreementPlan]

    def names(self) -> list[str]:
        return sorted(
            f"{i.fields['name']}|{i.fields['name_zh']}|{i.fields['name_en']}"
            for i in [self.home, *self.institutions]
        )

    def fingerprint(self) -> str:
        """A hash of everything that must not change between runs (not the dates)."""
        text = "\n".join(self.names())
        text += "\n".join(f"{a.type}|{a.status}|{a.fields['title']}" for a in self.agreements)
        text += "\n".join(f"{s}:{v}" for i in self.institutions for s, v in i.identifiers)
        return hashlib.sha256(text.encode()).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_text(text).lower()).strip("-")


def _initials(name_en: str) -> str:
    words = re.findall(r"[A-Za-z]+", ascii_text(name_en))
    skip = {"of", "the", "and", "de", "la", "du", "des", "di", "del", "for"}
    return "".join(w[0] for w in words if w.lower() not in skip).upper() or "LIB"


def _fill(pattern: str, rng: random.Random) -> str:
    return "".join(
        str(rng.randrange(10))
        if ch == "#"
        else rng.choice("ABCDEFGHJKLMNPRSTVWXZ")
        if ch in "AB"
        else ch
        for ch in pattern
    )


@functools.cache
def _native_country_name(code: str) -> str:
    country = next(c for c in COUNTRIES if c.code == code)
    for language in country.languages:
        try:
            name = Locale.parse(language).territories.get(country.code)
        except (UnknownLocaleError, ValueError):
            continue
        if name:
            return name
    return Locale.parse("en").territories.get(country.code, country.code)


@functools.cache
def _english_country_name(code: str) -> str:
    return Locale.parse("en").territories.get(code, code)


def _french_de(city: str) -> str:
    return ("d’" if city[:1] in "AEIOUÉÈÎaeiou" else "de ") + city


class Planner:
    def __init__(self, seed: int, institutions: int, agreements: int, today: dt.date):
        self.seed = seed
        self.n_institutions = institutions
        self.n_agreements = agreements
        self.today = today
        self.countries = {c.code: c for c in COUNTRIES}
        self.used: dict[str, set[str]] = defaultdict(set)
        self.seq = Counter[str]()

    def rng(self, *parts: object) -> random.Random:
        return random.Random("-".join(str(p) for p in (self.seed, *parts)))

    # Identifiers -----------------------------------------------------------------------

    def _unique(self, scheme: str, make: Callable[[int], str]) -> str:
        attempt = 0
        while True:
            value = IDENTIFIER_NORMALISERS[IdentifierScheme(scheme)](make(attempt))
            if value not in self.used[scheme]:
                self.used[scheme].add(value)
                return value
            attempt += 1

    def isil(self, country: str, city_en: str, kind: str) -> str:
        stem = "".join(ch for ch in ascii_text(city_en).title() if ch.isalnum())[:7] or "Lib"
        letter = KIND_LETTER[kind]
        return self._unique(
            IdentifierScheme.ISIL, lambda n: f"{country}-{stem}{letter}{n + 1 if n else ''}"
        )

    def ror(self, rng: random.Random) -> str:
        def make(_n: int) -> str:
            base = "0" + "".join(rng.choice(ROR_ALPHABET) for _ in range(6))
            return base + ror_checksum(base)

        return self._unique(IdentifierScheme.ROR, make)

    def oclc(self, rng: random.Random) -> str:
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        return self._unique(
            IdentifierScheme.OCLC,
            lambda n: "".join(rng.choice(letters) for _ in range(3 + (n // 50) % 3)),
        )

    def calis(self, rng: random.Random) -> str:
        return self._unique(IdentifierScheme.CALIS, lambda _n: str(rng.randrange(210000, 299999)))

    # Institutions ----------------------------------------------------------------------

    def plan(self) -> Plan:
        home = self.home()
        institutions = self.institutions()
        agreements = self.agreements(home, institutions)
        return Plan(home, institutions, agreements)

    def home(self) -> InstitutionPlan:
        h = network.HOME
        self.used[IdentifierScheme.ISIL].add(h["isil"])
        self.used[IdentifierScheme.CALIS].add(h["calis"])
        plan = InstitutionPlan(
            key="home",
            kind=K.UNIVERSITY_LIBRARY,
            is_home=True,
            acronym=h["acronym"],
            fields={
                "kind": K.UNIVERSITY_LIBRARY,
                "name": h["name"],
                "name_zh": h["name_zh"],
                "name_en": h["name_en"],
                "country": "CN",
                "region": h["region"],
                "city": h["city"].native,
                "time_zone": "Asia/Shanghai",
                "languages": ["zh", "en"],
                "currencies": ["CNY"],
                "website": f"https://{h['domain']}/",
            },  # fmt: skip
            identifiers=[(IdentifierScheme.ISIL, h["isil"]), (IdentifierScheme.CALIS, h["calis"])],
            names=[(h["acronym"], "en", "acronym")],
            tags=["CALIS"],
            address=(
                f"{h['postcode']} 北京市{h['street'][0]}",
                f"{h['street'][1]}\nBeijing {h['postcode']}\nChina",
            ),
            people=[(p[0], p[2]) for p in network.HOME_PEOPLE],
        )
        roles = [ContactRole.DIRECTOR, ContactRole.DIRECTOR, ContactRole.COOPERATION]
        for (native, roman, title), role in zip(network.HOME_PEOPLE, roles, strict=True):
            plan.contacts.append(
                {"name": native, "name_romanised": roman, "role": role, "title": title,
                 "email": f"{_slug(roman).replace('-', '.')}@{h['domain']}", "languages": ["zh", "en"]}
            )  # fmt: skip
        plan.endpoints = [
            (EndpointKind.ISO18626, f"https://ill.{h['domain']}/iso18626", Iso18626Version.V2021_2),
            (EndpointKind.SRU, f"https://opac.{h['domain']}/sru", ""),
            (EndpointKind.WEB, f"https://{h['domain']}/", ""),
        ]
        return plan

    def institutions(self) -> list[InstitutionPlan]:
        n = self.n_institutions
        named = [self.named(i, spec) for i, spec in enumerate(NAMED)]
        nationals = [self.national(c) for c in COUNTRIES if c.national]
        # At small sizes keep a few organisations so alliances and conferences have partners.
        first = [p for p in named if p.kind in (K.CONSORTIUM, K.INTERNATIONAL_ORGANISATION)][:6]
        ordered = first + nationals + [p for p in named if p not in first]
        result = ordered[:n]
        for plan in self.generated():
            if len(result) >= n:
                break
            result.append(plan)
        return result

    def _base(self, key: str, kind: str, country: Country, city: City, names: tuple[str, str, str],
              rng: random.Random, acronym: str = "") -> InstitutionPlan:  # fmt: skip
        profile = PROFILES[country.profile]
        name, name_en, name_zh = names
        zone = city.zone or country.zone
        currencies = list(country.currencies)
        if kind == K.VENDOR and "USD" not in currencies:
            currencies.append("USD")
        initials = acronym if acronym.isascii() and acronym else _initials(name_en)
        domain = f"{_slug(initials)}-{_slug(city.en)}.example"[:60]
        if len(domain.split(".")[0]) > 50:
            domain = f"{_slug(initials)[:40]}.example"
        plan = InstitutionPlan(
            key=key,
            kind=kind,
            acronym=acronym,
            fields={
                "kind": kind,
                "name": name,
                "name_zh": name_zh,
                "name_en": name_en,
                "country": country.code,
                "region": "",
                "city": city.native,
                "time_zone": zone,
                "languages": list(country.languages),
                "currencies": currencies,
                "website": f"https://www.{domain}/",
            },  # fmt: skip
        )
        if acronym:
            plan.names.append((acronym, "", "acronym"))
        self._address(plan, country, profile, city, rng)
        self._contacts(plan, country, profile, rng, domain)
        self._endpoints(plan, rng, domain)
        if kind in LIBRARY_KINDS or kind == K.INTERNATIONAL_ORGANISATION:
            self._policy(plan, country, rng)
            if rng.random() < 0.45:
                self._closures(plan, country, profile, rng)
        self._tags(plan, country, rng)
        return plan

    def _address(self, plan: InstitutionPlan, country: Country, profile: Profile, city: City,
                 rng: random.Random) -> None:  # fmt: skip
        street, street_roman = rng.choice(profile.streets)
        number = rng.randrange(1, 240)
        postcode = _fill(profile.postcode, rng)
        english = _english_country_name(country.code)
        if profile.address:
            native = profile.address.format(
                p=postcode, c=city.native, f=city.form, s=street, n=number
            ).strip()
        else:
            native = f"{street} {number}\n{postcode} {city.native}".replace("\n ", "\n")
            native += f"\n{_native_country_name(country.code)}"
        roman = (
            f"{number} {street_roman}\n{postcode} {city.en}".replace("\n ", "\n") + f"\n{english}"
        )
        plan.address = (native, roman)

    def _contacts(self, plan: InstitutionPlan, country: Country, profile: Profile, rng: random.Random,
                  domain: str) -> None:  # fmt: skip
        count = 1 if plan.kind == K.VENDOR else rng.choice((1, 2, 2, 3, 3))
        people = rng.sample(profile.people, min(count, len(profile.people)))
        first = ContactRole.COOPERATION if plan.kind != K.VENDOR else ContactRole.OTHER
        roles = [first, *rng.sample([ContactRole.ILL, ContactRole.EXCHANGE, ContactRole.DOCUMENT_DELIVERY,
                                     ContactRole.ERESOURCES, ContactRole.DIRECTOR], 2)]  # fmt: skip
        languages = list(dict.fromkeys([*country.languages[:1], "en"]))
        for (native, roman), role in zip(people, roles, strict=False):
            local = re.sub(
                r"[^a-z0-9.]", "", ascii_text(roman).lower().replace(" ", ".").replace("-", "")
            )
            plan.contacts.append({
                "name": native, "name_romanised": roman if roman != native else "", "role": role,
                "title": network.CONTACT_TITLES.get(role, "Customer Service"),
                "email": f"{local}@{domain}", "languages": languages,
            })  # fmt: skip
        plan.people = [(native, "") for native, _roman in people]

    def _endpoints(self, plan: InstitutionPlan, rng: random.Random, domain: str) -> None:
        plan.endpoints.append((EndpointKind.WEB, plan.fields["website"], ""))
        if plan.kind not in LIBRARY_KINDS:
            return
        if rng.random() < 0.35:
            version = rng.choice([Iso18626Version.V1_2, Iso18626Version.V2021_2])
            plan.endpoints.append(
                (EndpointKind.ISO18626, f"https://ill.{domain}/iso18626", version)
            )
        if rng.random() < 0.3:
            plan.endpoints.append((EndpointKind.SRU, f"https://catalogue.{domain}/sru", ""))
        if plan.kind != K.PUBLIC_LIBRARY and rng.random() < 0.3:
            plan.endpoints.append((EndpointKind.OAI_PMH, f"https://repository.{domain}/oai", ""))

    def _policy(self, plan: InstitutionPlan, country: Country, rng: random.Random) -> None:
        currency = next((c for c in country.currencies if c in MAJOR_CURRENCIES), "USD")
        amount = rng.choice((10, 15, 20, 25, 30, 40, 50)) * MAJOR_CURRENCIES[currency]
        served: list[str] = []
        if rng.random() < 0.3:
            served = sorted({"CN", *rng.sample(sorted(self.countries), rng.randrange(3, 9))})
        methods = [m for m in PaymentMethod.values if rng.random() < 0.45] or [
            PaymentMethod.INVOICE
        ]
        plan.policy = {
            "lends_returnables": rng.random() < (0.3 if plan.kind == K.NATIONAL_LIBRARY else 0.75),
            "supplies_copies": rng.random() < 0.92,
            "countries_served": served,
            "payment_methods": methods,
            "max_cost": Decimal(amount).quantize(Decimal("0.01")),
            "max_cost_currency": currency,
            "shipping": rng.choice(network.SHIPPING),
        }

    def _closures(
        self, plan: InstitutionPlan, country: Country, profile: Profile, rng: random.Random
    ) -> None:
        start_window = self.today - dt.timedelta(days=20)
        end_window = self.today + dt.timedelta(days=200)
        for month, day, days, native, english in [*country.holidays, *profile.holidays]:
            for year in (self.today.year, self.today.year + 1):
                try:
                    start = dt.date(year, month, day)
                except ValueError:  # 29 February
                    continue
                end = start + dt.timedelta(days=days - 1)
                if end >= start_window and start <= end_window:
                    reason = native if native == english else f"{native} ({english})"
                    plan.closures.append((start, end, reason[:200]))
        if rng.random() < 0.3:
            start = self.today + dt.timedelta(days=rng.randrange(30, 150))
            plan.closures.append(
                (start, start + dt.timedelta(days=rng.randrange(2, 6)), "Annual stocktaking")
            )
        plan.closures.sort()

    def _tags(self, plan: InstitutionPlan, country: Country, rng: random.Random) -> None:
        tags = [country.region]
        if country.code in network.BELT_AND_ROAD:
            tags.append("Belt and Road")
        if plan.kind == K.NATIONAL_LIBRARY or rng.random() < 0.15:
            tags.append("IFLA")
        if country.code == "CN" and plan.kind in LIBRARY_KINDS:
            tags.append("CALIS")
        if plan.kind in LIBRARY_KINDS:
            if rng.random() < 0.4:
                tags.append("exchange")
            if rng.random() < 0.3:
                tags.append("reciprocal ILL")
        if any(e[0] == EndpointKind.ISO18626 for e in plan.endpoints):
            tags.append("ISO 18626")
        plan.tags = list(dict.fromkeys([*plan.tags, *tags]))

    def _identifiers(self, plan: InstitutionPlan, city_en: str, rng: random.Random, isil: str = "",
                     oclc: str = "") -> None:  # fmt: skip
        country = plan.fields["country"]
        if plan.kind != K.VENDOR:
            if isil:
                self.used[IdentifierScheme.ISIL].add(isil)
            plan.identifiers.append(
                (IdentifierScheme.ISIL, isil or self.isil(country, city_en, plan.kind))
            )
        if plan.kind != K.VENDOR and plan.kind != K.PUBLIC_LIBRARY and rng.random() < 0.7:
            plan.identifiers.append((IdentifierScheme.ROR, self.ror(rng)))
        if oclc:
            self.used[IdentifierScheme.OCLC].add(oclc)
            plan.identifiers.append((IdentifierScheme.OCLC, oclc))
        elif plan.kind in LIBRARY_KINDS and rng.random() < 0.3:
            plan.identifiers.append((IdentifierScheme.OCLC, self.oclc(rng)))
        if country == "CN" and plan.kind != K.VENDOR:
            plan.identifiers.append((IdentifierScheme.CALIS, self.calis(rng)))

    def named(self, index: int, spec: network.Named) -> InstitutionPlan:
        rng = self.rng("named", index)
        country = self.countries[spec.country]
        plan = self._base(f"named-{index}", spec.kind, country, spec.city,
                          (spec.name, spec.name_en, spec.name_zh), rng, spec.acronym)  # fmt: skip
        self._identifiers(plan, spec.city.en, rng, isil=spec.isil)
        plan.tags = list(dict.fromkeys([*plan.tags, *spec.tags]))
        return plan

    def national(self, country: Country) -> InstitutionPlan:
        assert country.national is not None
        rng = self.rng("national", country.code)
        city = country.cities[0]
        plan = self._base(
            f"national-{country.code}", K.NATIONAL_LIBRARY, country, city, country.national, rng
        )
        plan.names += network.NATIONAL_NAMES.get(country.code, [])
        self._identifiers(
            plan, city.en, rng, isil=country.national_isil, oclc=country.national_oclc
        )
        return plan

    def generated(self) -> Iterator[InstitutionPlan]:
        """Libraries from the profiles' patterns, a round over every country at a time."""
        countries = [c for c in COUNTRIES if c.code not in NOT_GENERATED]
        candidates = {}
        for country in countries:
            combos = [(city, kind) for city in country.cities
                      for kind in (K.UNIVERSITY_LIBRARY, K.PUBLIC_LIBRARY, K.RESEARCH_LIBRARY)]  # fmt: skip
            self.rng("candidates", country.code).shuffle(combos)
            candidates[country.code] = combos
        rounds = 0
        while True:
            for country in countries:
                combos = candidates[country.code]
                city, kind = combos[rounds % len(combos)]
                cycle = rounds // len(combos) + 1
                plan = self.library(country, city, kind, cycle)
                yield plan
                rng = self.rng("branch", plan.key)
                if kind == K.UNIVERSITY_LIBRARY and rng.random() < 0.25:
                    yield self.branch(plan, country, city, rng)
            rounds += 1

    def library(self, country: Country, city: City, kind: str, cycle: int) -> InstitutionPlan:
        profile = PROFILES[country.profile]
        pattern = {K.UNIVERSITY_LIBRARY: profile.university, K.PUBLIC_LIBRARY: profile.public,
                   K.RESEARCH_LIBRARY: profile.research}[kind]  # fmt: skip
        form = _french_de(city.native) if country.profile == "fr" else city.form
        values = {"c": city.native, "f": form, "e": city.en, "z": city.zh}
        name, name_en, name_zh = (pattern.format(**values), EN_PATTERNS[kind].format(**values),
                                  ZH_PATTERNS[kind].format(**values))  # fmt: skip
        if country.profile == "en":
            name = name_en
        if country.profile == "zh":
            name_zh = name
        if cycle > 1:
            name, name_en, name_zh = (
                f"{name} ({cycle})",
                f"{name_en} ({cycle})",
                f"{name_zh}（{cycle}）",
            )
        key = f"{country.code}-{kind}-{city.en}-{cycle}"
        rng = self.rng(key)
        plan = self._base(key, kind, country, city, (name, name_en, name_zh), rng)
        self._identifiers(plan, city.en, rng)
        return plan

    def branch(
        self, parent: InstitutionPlan, country: Country, city: City, rng: random.Random
    ) -> InstitutionPlan:
        profile = PROFILES[country.profile]
        f = parent.fields
        name = f"{f['name']}{profile.join}{profile.branch}"
        if country.profile == "en":
            name = f"{f['name_en']} – Medical Library"
        names = (name, f"{f['name_en']} – Medical Library", f"{f['name_zh']}医学分馆")
        plan = self._base(f"{parent.key}-branch", K.UNIVERSITY_LIBRARY, country, city, names, rng)
        plan.parent_key = parent.key
        self._identifiers(plan, city.en, rng)
        return plan

    # Agreements ------------------------------------------------------------------------

    def agreements(
        self, home: InstitutionPlan, institutions: list[InstitutionPlan]
    ) -> list[AgreementPlan]:
        pairs = [(t, s) for t in T.values for s in S.values]
        weights_status = {S.DRAFT: 10, S.NEGOTIATING: 12, S.SIGNED: 10, S.IN_EFFECT: 45, S.EXPIRED: 15,
                          S.TERMINATED: 8}  # fmt: skip
        weights_type = {T.FRAMEWORK_MOU: 12, T.PUBLICATION_EXCHANGE: 25, T.ILL_RECIPROCAL: 18, T.ILL_CHARGED: 10,
                        T.ERESOURCE_SHARING: 8, T.STAFF_EXCHANGE: 10, T.ALLIANCE_MEMBERSHIP: 6,
                        T.CONFERENCE: 6}  # fmt: skip
        choose = self.rng("agreement-mix")
        wanted = pairs[: self.n_agreements]
        while len(wanted) < self.n_agreements:
            wanted.append((
                choose.choices(list(weights_type), list(weights_type.values()))[0],
                choose.choices(list(weights_status), list(weights_status.values()))[0],
            ))  # fmt: skip
        by_kind: dict[str, list[InstitutionPlan]] = defaultdict(list)
        for plan in institutions:
            by_kind[plan.kind].append(plan)
        libraries = [p for p in institutions if p.kind in LIBRARY_KINDS] or institutions
        organisations = (
            by_kind[K.CONSORTIUM] + by_kind[K.INTERNATIONAL_ORGANISATION] or institutions
        )
        expiry_offsets = iter_cycle(
            [10, 25, 60, 85, 100, 120, 200, 365, 45, 540, 15, 730, 300, None]
        )
        notice_choices = iter_cycle([90, 30, 60, 90, 180, 30, 180, 60])
        result = []
        for index, (type_, status) in enumerate(wanted):
            rng = self.rng("agreement", index)
            result.append(self.agreement(index, type_, status, rng, home, libraries, organisations,
                                         by_kind[K.VENDOR], expiry_offsets, notice_choices))  # fmt: skip
        return result

    def agreement(self, index, type_, status, rng, home, libraries, organisations, vendors,
                  expiry_offsets, notice_choices) -> AgreementPlan:  # fmt: skip
        today = self.today
        # Dates: each status has dates that make sense for it.
        effective: dt.date | None
        expiry: dt.date | None
        term_years = rng.choice((2, 3, 3, 5))
        if status in (S.DRAFT, S.NEGOTIATING):
            effective = (
                today + dt.timedelta(days=rng.randrange(30, 200)) if rng.random() < 0.7 else None
            )
            expiry = (
                effective.replace(year=effective.year + term_years) - dt.timedelta(days=1)
                if effective
                else None
            )
        elif status == S.SIGNED:
            effective = today + dt.timedelta(days=rng.randrange(5, 60))
            expiry = effective.replace(year=effective.year + term_years) - dt.timedelta(days=1)
        elif status == S.IN_EFFECT:
            offset = next(expiry_offsets)
            effective = today - dt.timedelta(days=rng.randrange(200, 1400))
            expiry = today + dt.timedelta(days=offset) if offset is not None else None
        elif status == S.EXPIRED:
            expiry = today - dt.timedelta(days=rng.randrange(1, 500))
            effective = expiry - dt.timedelta(days=365 * term_years - 1)
        else:  # terminated
            effective = today - dt.timedelta(days=rng.randrange(200, 1200))
            expiry = (
                today + dt.timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.7 else None
            )
        notice = next(notice_choices) if expiry and rng.random() < 0.8 else None
        auto_renew = bool(expiry) and status not in (S.EXPIRED,) and rng.random() < 0.3
        year = min(effective or today, today).year
        self.seq[str(year)] += 1
        our_ref = f"SQ-{year}-{self.seq[str(year)]:03d}"

        partners, our_role, roles = self._parties_for(type_, rng, libraries, organisations, vendors)
        signed = status in (S.SIGNED, S.IN_EFFECT, S.EXPIRED, S.TERMINATED)
        if status == S.TERMINATED and rng.random() < 0.3:
            actions = ["negotiate", "terminate"]
            signed = False
        else:
            actions = {
                S.DRAFT: [] if rng.random() < 0.7 else ["negotiate", "return_to_draft"],
                S.NEGOTIATING: ["negotiate"],
                S.SIGNED: ["negotiate", "sign"],
                S.IN_EFFECT: ["negotiate", "sign", "bring_into_effect"],
                S.EXPIRED: ["negotiate", "sign", "bring_into_effect", "expire"],
                S.TERMINATED: ["negotiate", "sign", "bring_into_effect", "terminate"],
            }[status]
        base = (effective - dt.timedelta(days=rng.randrange(5, 40))) if signed and effective and effective <= today \
            else today - dt.timedelta(days=rng.randrange(1, 25))  # fmt: skip
        signer_name, signer_title = (
            network.HOME_PEOPLE[rng.randrange(2)][0],
            network.HOME_PEOPLE[0][2],
        )
        if signer_name != network.HOME_PEOPLE[0][0]:
            signer_title = network.HOME_PEOPLE[1][2]
        parties = [{
            "institution": home.key, "role": our_role, "reference": our_ref,
            "signatory_name": signer_name if signed or status == S.NEGOTIATING else "",
            "signatory_title": signer_title if signed or status == S.NEGOTIATING else "",
            "signed_on": base + dt.timedelta(days=rng.randrange(0, 10)) if signed else None,
        }]  # fmt: skip
        for partner, role in zip(partners, roles, strict=True):
            parties.append({
                "institution": partner.key, "role": role, "reference": self._their_reference(partner, year, rng),
                "signatory_name": rng.choice(partner.people)[0] if partner.people else "",
                "signatory_title": _signatory_title(partner.kind),
                "signed_on": base if signed else None,
            })  # fmt: skip

        lead = partners[0]
        title, summary = _title_and_summary(type_, home, lead, partners, year, rng)
        fields = {
            "type": type_, "title": title[:300], "effective_date": effective, "expiry_date": expiry,
            "auto_renew": auto_renew, "renewal_months": 12 * term_years if auto_renew else None,
            "notice_days": notice, "summary": summary,
        }  # fmt: skip
        conditions = _conditions(type_, lead, rng)
        amendment = None
        if status == S.IN_EFFECT and index % 9 == 4:
            amendment = _amendment(type_, conditions, summary, rng)
        return AgreementPlan(type_, status, fields, parties, conditions, actions, amendment)

    def _parties_for(self, type_, rng, libraries, organisations, vendors):
        if type_ == T.ALLIANCE_MEMBERSHIP:
            lead = rng.choice(organisations)
            members = [
                p
                for p in rng.sample(libraries, min(len(libraries), rng.randrange(3, 8)))
                if p is not lead
            ]
            return (
                [lead, *members],
                PartyRole.MEMBER,
                [PartyRole.LEAD] + [PartyRole.MEMBER] * len(members),
            )
        if type_ == T.CONFERENCE:
            co = rng.sample(libraries, min(len(libraries), rng.choice((1, 1, 2))))
            roles = [PartyRole.CO_ORGANISER] * len(co)
            funders = [o for o in (vendors + organisations) if o not in co]
            if funders and rng.random() < 0.5:
                co.append(rng.choice(funders))
                roles.append(PartyRole.FUNDER)
            return co, rng.choice([PartyRole.HOST, PartyRole.CO_ORGANISER]), roles
        pool = libraries
        if type_ == T.ERESOURCE_SHARING and rng.random() < 0.3:
            pool = organisations
        return [rng.choice(pool)], PartyRole.OUR_LIBRARY, [PartyRole.PARTNER]

    def _their_reference(self, partner: InstitutionPlan, year: int, rng: random.Random) -> str:
        abbr = (
            partner.acronym
            if partner.acronym and partner.acronym.isascii()
            else _initials(partner.fields["name_en"])
        )
        abbr = abbr[:8]
        n = rng.randrange(1, 120)
        country = partner.fields["country"]
        if country == "CN":
            return f"{abbr}协字〔{year}〕{n}号"
        if country == "JP":
            return f"{abbr}第{year}-{n}号"
        style = rng.randrange(5)
        return [f"{abbr}/{year}/{n}", f"AGR-{year}-{n:04d}", f"No. {n}/{year}", f"{year}-{abbr}-{n:03d}",
                f"Ref. {abbr}.{year}.{n:02d}"][style]  # fmt: skip


def iter_cycle(values: list[Any]) -> Iterator[Any]:
    while True:
        yield from values


def _signatory_title(kind: str) -> str:
    return {
        K.NATIONAL_LIBRARY: "Director General",
        K.UNIVERSITY_LIBRARY: "University Librarian",
        K.PUBLIC_LIBRARY: "Library Director",
        K.RESEARCH_LIBRARY: "Director",
        K.CONSORTIUM: "Executive Director",
        K.INTERNATIONAL_ORGANISATION: "Secretary General",
        K.VENDOR: "Managing Director",
    }.get(kind, "Director")


TYPE_TITLES = {
    T.FRAMEWORK_MOU: "合作框架备忘录",
    T.PUBLICATION_EXCHANGE: "出版物交换协议",
    T.ILL_RECIPROCAL: "馆际互借与文献传递互惠协议",
    T.ILL_CHARGED: "馆际互借与文献传递服务协议（收费）",
    T.ERESOURCE_SHARING: "电子资源共享协议",
    T.STAFF_EXCHANGE: "馆员交流协议",
}
SUMMARIES = {
    T.FRAMEWORK_MOU: "双方在文献交换、馆际互借、馆员交流和学术会议等方面开展全面合作，具体事项另行签订专项协议。",
    T.PUBLICATION_EXCHANGE: "双方每年互换本机构出版的学术专著、期刊和特藏复制品，交换清单每季度核对一次。",
    T.ILL_RECIPROCAL: "双方通过 ISO 18626 互相提供返还式借阅和文献传递服务，年度免费额度内互不收费。",
    T.ILL_CHARGED: "对方按请求收取馆际互借与文献传递费用，按季度开具发票，可使用 IFLA 代金券支付。",
    T.ERESOURCE_SHARING: "对方为我馆访问学者提供其订购电子期刊和数据库的远程访问，遵守各许可协议的使用条款。",
    T.STAFF_EXCHANGE: "双方每年互派馆员进行短期业务交流，接待方提供住宿和工作场所，派出方承担旅费。",
    T.ALLIANCE_MEMBERSHIP: "我馆作为成员馆参加联盟，按年缴纳会费，参与资源共享与联合编目项目。",
    T.CONFERENCE: "双方联合主办国际学术会议，分担会务组织工作和费用，会议论文集开放获取出版。",
}
CONFERENCE_TOPICS = [
    "数字人文",
    "古籍保护与数字化",
    "开放科学与图书馆",
    "馆际互借与资源共享",
    "丝路文献研究",
    "多语种元数据",
]


def _title_and_summary(type_, home, lead, partners, year, rng) -> tuple[str, str]:
    home_zh = home.fields["name_zh"]
    lead_zh = lead.fields["name_zh"] or lead.fields["name"]
    if type_ == T.ALLIANCE_MEMBERSHIP:
        return f"{lead_zh}成员协议（{year}—{year + 2}年）", SUMMARIES[type_]
    if type_ == T.CONFERENCE:
        topic = rng.choice(CONFERENCE_TOPICS)
        return f"{year}年“{topic}”国际学术研讨会合作协议", SUMMARIES[type_]
    return f"{home_zh}与{lead_zh}{TYPE_TITLES[type_]}", SUMMARIES[type_]


def _condition(kind, quantity=None, unit="", per_quantity=None, per_unit="", currency="", period=Period.YEAR,
               direction=Direction.EACH_WAY, note="") -> dict[str, Any]:  # fmt: skip
    return {
        "kind": kind, "quantity": None if quantity is None else Decimal(quantity), "unit": unit,
        "per_quantity": None if per_quantity is None else Decimal(per_quantity), "per_unit": per_unit,
        "currency": currency, "period": period, "direction": direction, "note": note,
    }  # fmt: skip


def _conditions(type_: str, lead: InstitutionPlan, rng: random.Random) -> list[dict[str, Any]]:
    C, U = ConditionKind, Unit
    if type_ == T.PUBLICATION_EXCHANGE:
        found = [_condition(C.EXCHANGE_ITEMS, rng.choice((100, 150, 200, 200, 300)), U.ITEMS)]
        if rng.random() < 0.4:
            found.append(_condition(C.EXCHANGE_VALUE, rng.choice((2000, 3000, 5000)), U.MONEY, currency="USD",
                                    note="按出版物定价计"))  # fmt: skip
        return found
    if type_ == T.ILL_RECIPROCAL:
        return [_condition(C.ILL_FREE_REQUESTS, rng.choice((30, 50, 50, 100)), U.REQUESTS)]
    if type_ == T.ILL_CHARGED:
        currency = "EUR" if "EUR" in lead.fields["currencies"] else "USD"
        return [_condition(C.ILL_FEE, rng.choice((12, 12, 15, 20)), U.MONEY, currency=currency, period=Period.TERM,
                           direction=Direction.FROM_PARTNER, note="每件请求")]  # fmt: skip
    if type_ == T.STAFF_EXCHANGE:
        return [_condition(C.STAFF_EXCHANGE, 2, U.PERSONS, 14, U.DAYS)]
    if type_ == T.ERESOURCE_SHARING:
        return [_condition(C.ERESOURCE_ACCESS, rng.choice((10, 20, 30)), U.PERSONS, direction=Direction.FROM_PARTNER,
                           note="访问学者可远程访问对方订购的电子期刊，不含文本与数据挖掘")]  # fmt: skip
    if type_ == T.ALLIANCE_MEMBERSHIP:
        currency = "EUR" if "EUR" in lead.fields["currencies"] else "USD"
        return [_condition(C.MEMBERSHIP_FEE, rng.choice((1500, 3000, 5000)), U.MONEY, currency=currency,
                           direction=Direction.TO_PARTNER)]  # fmt: skip
    if type_ == T.CONFERENCE:
        return [_condition(C.OTHER, rng.choice((2, 3, 4)), U.PERSONS, 5, U.DAYS, period=Period.TERM,
                           note="各方派出会务人员")]  # fmt: skip
    return [_condition(C.OTHER, note="合作范围：文献交换、馆际互借、馆员交流")]


def _amendment(
    type_: str, conditions: list[dict[str, Any]], summary: str, rng: random.Random
) -> dict[str, Any]:
    amended = [dict(c) for c in conditions]
    for c in amended:
        if c["quantity"] is not None and c["unit"] != Unit.MONEY:
            c["quantity"] = c["quantity"] + (50 if c["quantity"] >= 50 else 1)
    return {
        "fields": {"summary": summary + "（经年度评估，自本年度起调整额度。）"},
        "reason": rng.choice(
            ["根据年度评估调整年度额度", "双方协商增加交换数量", "根据业务量调整合作条款"]
        ),
        "conditions": amended,
    }


def make_plan(seed: int = DEFAULT_SEED, institutions: int = DEFAULT_INSTITUTIONS,
              agreements: int = DEFAULT_AGREEMENTS, today: dt.date | None = None) -> Plan:  # fmt: skip
    return Planner(seed, institutions, agreements, today or dt.date.today()).plan()


# Writing ----------------------------------------------------------------------------------


def _institution_fields(plan: InstitutionPlan, parent: Any) -> dict[str, Any]:
    return {**plan.fields, "parent": parent}


def write_with_services(plan: Plan, actor: Any) -> dict[str, Any]:
    """Write the plan through the services: every row validated and audited."""
    from bibliobridge.agreements import services as agreement_services
    from bibliobridge.partners import services as partner_services
    from bibliobridge.partners.models import Address, Closure, Contact, Endpoint

    saved: dict[str, Any] = {}
    for item in [plan.home, *plan.institutions]:
        institution = partner_services.create_institution(
            actor,
            _institution_fields(item, saved.get(item.parent_key) if item.parent_key else None),
            identifiers=item.identifiers,
            names=item.names,
            tags=item.tags,
        )
        saved[item.key] = institution
        if item.address:
            native, romanised = item.address
            partner_services.save_part(
                actor,
                Address(
                    institution=institution,
                    native=native,
                    romanised=romanised,
                    country=institution.country,
                ),
            )
        for contact in item.contacts:
            partner_services.save_part(actor, Contact(institution=institution, **contact))
        for kind, url, version in item.endpoints:
            partner_services.save_part(
                actor, Endpoint(institution=institution, kind=kind, url=url, version=version)
            )
        if item.policy:
            partner_services.save_ill_policy(actor, institution, item.policy)
        for start, end, reason in item.closures:
            partner_services.save_part(
                actor, Closure(institution=institution, start=start, end=end, reason=reason)
            )
    partner_services.set_home_institution(actor, saved[plan.home.key])

    for item in plan.agreements:
        parties = [{**party, "institution": saved[party["institution"]]} for party in item.parties]
        agreement = agreement_services.create_agreement(
            actor, {**item.fields, "owner": actor}, parties, item.conditions
        )
        for action in item.actions:
            if action == "bring_into_effect" and item.amendment:
                agreement_services.transition_agreement(actor, agreement, action)
                amendment = item.amendment
                agreement_services.amend_agreement(
                    actor,
                    agreement,
                    amendment["fields"],
                    amendment["reason"],
                    conditions=amendment["conditions"],
                )
            else:
                agreement_services.transition_agreement(actor, agreement, action)
    return saved


def write_in_bulk(plan: Plan, actor: Any, batch: int = 2000) -> None:
    """Write the plan with bulk_create: the same rows, one ActivityLog row per object."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from bibliobridge.agreements.models import Agreement, AgreementParty, Condition
    from bibliobridge.core.enums import Action
    from bibliobridge.core.models import ActivityLog
    from bibliobridge.partners.models import (
        Address,
        Closure,
        Contact,
        Endpoint,
        Identifier,
        IllPolicy,
        Institution,
        InstitutionName,
        Tag,
    )
    from bibliobridge.partners.search import fold

    now = timezone.now()
    items = [plan.home, *plan.institutions]
    saved: dict[str, Any] = {}

    def make(item: InstitutionPlan) -> Any:
        f = item.fields
        parts = [f["name"], f["name_zh"], f["name_en"], f["city"], *(n[0] for n in item.names),
                 *(value for _scheme, value in item.identifiers)]  # fmt: skip
        return Institution(
            **f,
            parent=saved.get(item.parent_key) if item.parent_key else None,
            is_home=item.is_home,
            search_text=fold(" | ".join(p for p in parts if p)),
            created_at=now,
        )

    # Parents first, so their units can point at them.
    for wave in ([i for i in items if not i.parent_key], [i for i in items if i.parent_key]):
        rows = Institution.objects.bulk_create([make(i) for i in wave], batch_size=batch)
        saved.update({i.key: row for i, row in zip(wave, rows, strict=True)})

    tags = {
        name: Tag.objects.get_or_create(name=name)[0]
        for name in sorted({t for i in items for t in i.tags})
    }
    through = Institution.tags.through
    identifiers, names, addresses, contacts, endpoints, policies, closures, links = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for item in items:
        institution = saved[item.key]
        identifiers += [
            Identifier(institution=institution, scheme=s, value=v) for s, v in item.identifiers
        ]
        names += [
            InstitutionName(institution=institution, value=v, language=lang, kind=k)
            for v, lang, k in item.names
        ]
        if item.address:
            addresses.append(Address(institution=institution, native=item.address[0], romanised=item.address[1],
                                     country=institution.country))  # fmt: skip
        contacts += [Contact(institution=institution, **c) for c in item.contacts]
        endpoints += [
            Endpoint(institution=institution, kind=k, url=u, version=v)
            for k, u, v in item.endpoints
        ]
        if item.policy:
            policies.append(IllPolicy(institution=institution, **item.policy))
        closures += [
            Closure(institution=institution, start=s, end=e, reason=r) for s, e, r in item.closures
        ]
        links += [through(institution_id=institution.pk, tag_id=tags[t].pk) for t in item.tags]
    for model, rows in ((Identifier, identifiers), (InstitutionName, names), (Address, addresses),
                        (Contact, contacts), (Endpoint, endpoints), (IllPolicy, policies), (Closure, closures),
                        (through, links)):  # fmt: skip
        model.objects.bulk_create(rows, batch_size=batch)

    agreements = [Agreement(**a.fields, status=a.status, owner=actor, created_at=now, updated_at=now,
                            status_changed_at=now) for a in plan.agreements]  # fmt: skip
    for agreement in agreements:  # bulk_create skips save(), which keeps notice_date
        agreement.notice_date = agreement.notice_deadline
    agreements = Agreement.objects.bulk_create(agreements, batch_size=batch)
    parties, conditions = [], []
    for item, agreement in zip(plan.agreements, agreements, strict=True):
        parties += [AgreementParty(agreement=agreement, **{**p, "institution": saved[p["institution"]]})
                    for p in item.parties]  # fmt: skip
        conditions += [Condition(agreement=agreement, **c) for c in item.conditions]
    AgreementParty.objects.bulk_create(parties, batch_size=batch)
    Condition.objects.bulk_create(conditions, batch_size=batch)

    # The audit trail the services would have started: one creation per object.
    name = actor.get_username() if actor else "system"

    def log(obj: Any, content_type: Any, changes: dict[str, Any]) -> Any:
        return ActivityLog(created_at=now, actor=actor, actor_name=name, action=Action.CREATED,
                           content_type=content_type, object_id=str(obj.pk), object_repr=str(obj)[:300],
                           changes=changes)  # fmt: skip

    institution_type = ContentType.objects.get_for_model(Institution)
    agreement_type = ContentType.objects.get_for_model(Agreement)
    entries = [log(saved[i.key], institution_type, {"name": i.fields["name"], "country": i.fields["country"],
                                                     "identifiers": [f"{s} {v}" for s, v in i.identifiers]})
               for i in items]  # fmt: skip
    entries += [
        log(a, agreement_type, {"type": a.type, "title": a.title, "status": a.status})
        for a in agreements
    ]
    ActivityLog.objects.bulk_create(entries, batch_size=batch)
