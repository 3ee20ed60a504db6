from django.db import models
from django.utils.translation import gettext_lazy as _


class Flavour(models.TextChoices):
    MARC21 = "marc21", _("MARC 21")
    UNIMARC = "unimarc", _("UNIMARC")
    CNMARC = "cnmarc", _("CNMARC")
    RUSMARC = "rusmarc", _("RUSMARC")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("Held")
    # Gone from the holder's latest file, or deleted by it; kept for OAI-PMH (deleted records).
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading the file")
    APPLYING = "applying", _("Replacing the holdings")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")

    @classmethod
    def finished(cls) -> tuple[str, ...]:
        return (cls.DONE, cls.FAILED)


class RunSource(models.TextChoices):
    COMMAND = "command", _("Command line")
    UPLOAD = "upload", _("Upload")
    HARVEST = "harvest", _("OAI-PMH harvest")


# The search index's namespaces (catalog.searching says what each holds): here, so that
# queries.who_holds can look identifiers up in the index without importing searching.
ANY, TITLE, NAME, SUBJECT = "a", "t", "n", "s"
ISBN, ISSN, OCLC, YEAR, LANGUAGE, HOLDER, COUNTRY = "i", "x", "o", "y", "l", "h", "c"
