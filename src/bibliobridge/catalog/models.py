"""The union catalogue: partners' records, their holdings, clusters of duplicates, import runs."""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bibliobridge.partners.models import Institution

from .enums import Flavour, RecordStatus, RunSource, RunStatus
from .prepare import RECORD_FIELDS  # noqa: F401 (the columns of Record and StagedRecord)


class Cluster(models.Model):
    """Records from any holders that describe the same manifestation."""

    title = models.CharField(_("title"), max_length=1000, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    holder_count = models.PositiveIntegerField(_("holders"), default=0)
    # [[holder id, its lowest record id here], ...] of the held records, by record id: a
    # search page or a rota lists a title's holders without reading its hundreds of
    # records. JSON as text, so that a load founding thousands of clusters writes it in
    # the same SQL on both databases (clusters._found_clusters); see held_by_pairs().
    held_by = models.TextField(default="[]", editable=False)
    # The record whose arrival started it: lets a load found thousands of clusters at once.
    founder_id = models.BigIntegerField(null=True, editable=False, db_index=True)
    # Its current document in the search index (catalog.searching); new whenever it changes.
    doc_id = models.BigIntegerField(null=True, editable=False, unique=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    def held_by_pairs(self) -> list[list[int]]:
        """[holder id, its lowest record id in the cluster] for each holder."""
        return json.loads(self.held_by)


class SearchDocCounter(models.Model):
    """One row: the last search document id handed out (catalog.searching._allocate)."""

    id = models.PositiveSmallIntegerField(primary_key=True)  # always 1
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)


class ImportRun(models.Model):
    """One load of a holder's file: its progress, counts and problems."""

    holder = models.ForeignKey(
        Institution, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=RunSource.choices)
    file_name = models.CharField(_("file"), max_length=500, blank=True)
    # An uploaded file waiting for the worker, under CATALOG_IMPORT_DIR; removed when done.
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    replace = models.BooleanField(
        _("replaces the holder's records"),
        default=True,
        help_text=_("Records missing from the file are withdrawn."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    total_bytes = models.PositiveBigIntegerField(default=0)
    read_bytes = models.PositiveBigIntegerField(default=0)
    records_read = models.PositiveIntegerField(_("records read"), default=0)
    loaded = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deleted = models.PositiveIntegerField(_("withdrawn"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at", "-id"]
        permissions = [("import_records", _("Can load partners' catalogues"))]

    def __str__(self) -> str:
        return f"{self.holder} {self.file_name}"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.read_bytes / self.total_bytes) if self.total_bytes else 0


class ImportProblem(models.Model):
    """A record that was skipped (or kept with a warning), as the reader reported it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    number = models.PositiveIntegerField(_("record"))
    offset = models.PositiveBigIntegerField(_("byte offset"))
    code = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    local_id = models.CharField(_("record ID"), max_length=200, blank=True)
    rejected = models.BooleanField(default=True)

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"{self.number}: {self.code}"


class Record(models.Model):
    """One holder's record of a manifestation, normalised; the original kept as it came."""

    holder = models.ForeignKey(
        Institution, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    local_id = models.CharField(_("record ID"), max_length=200)
    flavour = models.CharField(_("format"), max_length=16, choices=Flavour.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    title = models.TextField(_("title"))
    title_vernacular = models.TextField(_("title (vernacular)"), blank=True)
    title_romanised = models.TextField(_("title (romanised)"), blank=True)
    responsibility = models.TextField(_("statement of responsibility"), blank=True)
    names = models.JSONField(_("names"), default=list, blank=True)
    names_vernacular = models.JSONField(_("names (vernacular)"), default=list, blank=True)
    publisher = models.TextField(_("publisher"), blank=True)
    place = models.TextField(_("place"), blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    edition = models.TextField(_("edition"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # [{"value": "9780141439518", "valid": true, "qualifier": "(pbk.)"}]
    isbns = models.JSONField(_("ISBNs"), default=list, blank=True)
    issns = models.JSONField(_("ISSNs"), default=list, blank=True)
    oclc_numbers = models.JSONField(_("OCLC numbers"), default=list, blank=True)
    lccn = models.CharField(_("LCCN"), max_length=64, blank=True)
    material_type = models.CharField(_("material type"), max_length=16, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    # [{"location": "", "call_number": "", "summary": "v.1-10", "note": ""}]: 852 / 866-868,
    # an MFHD's, UNIMARC 995.
    holdings = models.JSONField(_("holdings"), default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    raw = models.BinaryField(_("original record"))
    raw_syntax = models.CharField(max_length=16)
    raw_encoding = models.CharField(max_length=16)
    checksum = models.CharField(max_length=40)  # of raw: an unchanged record is left alone
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    # The import run that last added, changed or withdrew it.
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    # The OAI-PMH datestamp: set whenever the record or its status changes.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("catalogue record")
        verbose_name_plural = _("catalogue records")
        constraints = [
            models.UniqueConstraint(fields=["holder", "local_id"], name="record_holder_local_id")
        ]
        indexes = [models.Index(fields=["cluster"], name="record_cluster")]

    def __str__(self) -> str:
        return self.title


class ClusterDecision(models.Model):
    """Staff's word that two records are (or are not) the same manifestation.

    Kept by record, and a re-imported record keeps its row, so the decision survives.
    """

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    same = models.BooleanField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "other"], name="decision_pair"),
            models.CheckConstraint(
                condition=models.Q(record__lt=models.F("other")), name="decision_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {'=' if self.same else '≠'} {self.other_id}"


class MatchKey(models.Model):
    """A key under which a record can be found: isbn:…, issn:…, oclc:…, title:…"""

    key = models.CharField(max_length=255)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["key"], name="matchkey_key")]
        constraints = [
            models.UniqueConstraint(fields=["record", "key"], name="matchkey_record_key")
        ]

    def __str__(self) -> str:
        return self.key


# The columns a reader fills, shared by Record and StagedRecord: prepare.RECORD_FIELDS.


class StagedRecord(models.Model):
    """A record read in an import run, waiting for the run to replace the holder's records.

    The file is read into this table first, batch by batch; only a run that read its whole
    file moves them into Record, in one transaction, so a holder is never half-replaced.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    deleted = models.BooleanField(default=False)
    keys = models.TextField(blank=True)  # match keys, one per line
    # The search terms of its description (terms.description_terms), one per line, made
    # by the worker that read it; null if a term has a line break (then read from Record).
    terms = models.TextField(null=True)  # noqa: DJ001 (null is "not sent", "" is no terms)
    local_id = models.CharField(max_length=200)
    flavour = models.CharField(max_length=16)
    title = models.TextField()
    title_vernacular = models.TextField(blank=True)
    title_romanised = models.TextField(blank=True)
    responsibility = models.TextField(blank=True)
    names = models.JSONField(default=list)
    names_vernacular = models.JSONField(default=list)
    publisher = models.TextField(blank=True)
    place = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(null=True)
    edition = models.TextField(blank=True)
    languages = models.JSONField(default=list)
    isbns = models.JSONField(default=list)
    issns = models.JSONField(default=list)
    oclc_numbers = models.JSONField(default=list)
    lccn = models.CharField(max_length=64, blank=True)
    material_type = models.CharField(max_length=16, blank=True)
    subjects = models.JSONField(default=list)
    holdings = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    raw = models.BinaryField()
    raw_syntax = models.CharField(max_length=16)
    raw_encoding = models.CharField(max_length=16)
    checksum = models.CharField(max_length=40)

    class Meta:
        constraints = [
            # A file that lists one record twice keeps the last: see imports.stage().
            models.UniqueConstraint(fields=["run", "local_id"], name="staged_run_local_id")
        ]

    def __str__(self) -> str:
        return self.local_id


from .search.models import *  # noqa: E402,F403


class HarvestSource(models.Model):
    """A partner's OAI-PMH feed, harvested into the catalogue as the holder's records."""

    holder = models.ForeignKey(
        Institution, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    # The partner directory's entry this feed came from, when it came from there.
    endpoint = models.ForeignKey(
        "partners.Endpoint",
        verbose_name=_("service endpoint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url = models.URLField(_("OAI-PMH base URL"), max_length=500)
    metadata_prefix = models.CharField(_("metadata format"), max_length=64, default="marc21")
    set_spec = models.CharField(_("set"), max_length=200, blank=True)
    enabled = models.BooleanField(_("harvested daily"), default=True)
    # The responseDate of the last complete harvest: the next one asks from there.
    harvested_until = models.DateTimeField(_("harvested until"), null=True, blank=True)
    last_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("last harvest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("OAI-PMH harvest source")
        verbose_name_plural = _("OAI-PMH harvest sources")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "url", "metadata_prefix", "set_spec"], name="harvest_source"
            )
        ]

    def __str__(self) -> str:
        return self.url


class HarvestedRecord(models.Model):
    """Which of the holder's records an OAI identifier names: a deleted header has only it."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="+")
    identifier = models.CharField(max_length=500)
    local_id = models.CharField(max_length=200)

    class Meta:
        constraints = [
            # Looked up by identifier when the feed reports a record deleted.
            models.UniqueConstraint(fields=["source", "identifier"], name="harvested_identifier")
        ]

    def __str__(self) -> str:
        return self.identifier
