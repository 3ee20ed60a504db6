import datetime as dt
import zoneinfo

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab

from .enums import (
    AddressKind,
    ContactRole,
    EndpointKind,
    IdentifierScheme,
    InstitutionKind,
    Iso18626Version,
    NameKind,
    PaymentMethod,
)


def name_for_reader(name: str, name_zh: str, name_en: str, language: str | None = None) -> str:
    """An institution's name for the reader: Chinese in Chinese, English in English, else
    the original (the active language unless given)."""
    language = language or get_language() or ""
    if language.startswith("zh"):
        return name_zh or name or name_en
    return name_en or name or name_zh


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """A library or organisation the library works with (or the library itself)."""

    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    # The name as the institution writes it, in its own script.
    name = models.CharField(_("name (original script)"), max_length=300)
    name_zh = models.CharField(_("Chinese name"), max_length=300, blank=True)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[vocab.validate_country])
    region = models.CharField(_("region"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[vocab.validate_time_zone]
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[vocab.validate_language_list]
    )
    currencies = models.JSONField(
        _("currencies"), default=list, blank=True, validators=[vocab.validate_currency_list]
    )
    website = models.URLField(_("web site"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="institutions"
    )
    # The library that runs this installation; exactly one row has it.
    is_home = models.BooleanField(_("our library"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Every name and identifier, folded for search (see partners.search.fold).
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name_en", "name"]
        permissions = [
            ("import_institutions", _("Can import institutions")),
            ("export_institutions", _("Can export institutions")),
        ]
        indexes = [
            # The partner list, in its whole order (name_en, name, id): a deep page is read
            # along the index instead of sorting every partner.
            models.Index(fields=["name_en", "name", "id"], name="institution_sort"),
            # Partner list filtered by kind.
            models.Index(fields=["kind"], name="institution_kind"),
            # Partners filtered by country, and the countries themselves: the partner
            # list's country choices and count, partners_by_country (home page, map). With
            # both flags in it these read the index alone, not a row per partner.
            models.Index(fields=["country", "is_home", "is_active"], name="institution_country"),
            # The catalogue's holder directory checks MAX(updated_at) on every search page
            # and who-holds look-up (catalog.queries._holder_directory): a seek, not a scan.
            models.Index(fields=["updated_at"], name="institution_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"], condition=models.Q(is_home=True), name="one_home_institution"
            )
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return name_for_reader(self.name, self.name_zh, self.name_en, language)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_date(self, at: dt.datetime | None = None) -> dt.date:
        """Today's date (or at's) where the institution is."""
        return (at or timezone.now()).astimezone(self.zone).date()


class InstitutionName(models.Model):
    """A further name: variant, former, acronym, romanised or in another language."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="names"
    )
    value = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=8, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=NameKind.choices, default=NameKind.VARIANT
    )

    class Meta:
        verbose_name = _("name")
        verbose_name_plural = _("names")

    def __str__(self) -> str:
        return self.value


class Identifier(models.Model):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="identifiers",
    )
    scheme = models.CharField(_("scheme"), max_length=8, choices=IdentifierScheme.choices)
    value = models.CharField(_("identifier"), max_length=64)

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        ordering = ["scheme", "value"]
        constraints = [
            # Looking an institution up by ISIL / ROR (ILL messages, imports) needs this too.
            models.UniqueConstraint(fields=["scheme", "value"], name="unique_identifier")
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class Address(models.Model):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="addresses",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=AddressKind.choices, default=AddressKind.POSTAL
    )
    native = models.TextField(_("address (original script)"))
    romanised = models.TextField(_("address (romanised)"), blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[vocab.validate_country])

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.native.splitlines()[0] if self.native else ""


class Contact(models.Model):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=200)
    name_romanised = models.CharField(_("romanised name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=ContactRole.choices)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[vocab.validate_language_list]
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return self.name


class Endpoint(models.Model):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="endpoints",
    )
    kind = models.CharField(_("service"), max_length=16, choices=EndpointKind.choices)
    url = models.URLField(_("URL"), max_length=500)
    # Only ISO 18626 endpoints have a protocol version.
    version = models.CharField(
        _("version"), max_length=8, choices=Iso18626Version.choices, blank=True
    )

    class Meta:
        verbose_name = _("service endpoint")
        verbose_name_plural = _("service endpoints")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.url}"


class IllPolicy(models.Model):
    """What the institution will do for us as a supplier."""

    institution = models.OneToOneField(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="ill_policy",
    )
    lends_returnables = models.BooleanField(_("lends returnables"), default=True)
    supplies_copies = models.BooleanField(_("supplies copies"), default=True)
    # Empty means every country.
    countries_served = models.JSONField(
        _("countries served"), default=list, blank=True, validators=[vocab.validate_country_list]
    )
    payment_methods = models.JSONField(_("payment methods"), default=list, blank=True)
    max_cost = models.DecimalField(
        _("maximum cost"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    max_cost_currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[vocab.validate_currency]
    )
    shipping = models.TextField(_("shipping"), blank=True)

    class Meta:
        verbose_name = _("ILL policy")
        verbose_name_plural = _("ILL policies")

    def __str__(self) -> str:
        return str(_("ILL policy"))

    def payment_method_labels(self) -> list[str]:
        labels = dict(PaymentMethod.choices)
        return [str(labels.get(m, m)) for m in self.payment_methods]

    def serves(self, country: str) -> bool:
        return not self.countries_served or country in self.countries_served


class Closure(models.Model):
    """Dates on which the institution is closed, as dates in its own time zone."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="closure_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start} – {self.end}"

    def covers(self, at: dt.datetime) -> bool:
        day = self.institution.local_date(at)
        return self.start <= day <= self.end
