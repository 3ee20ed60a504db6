"""Import and export pages of the partner directory: spreadsheets, directory entries, ROR.

An uploaded spreadsheet is kept under MEDIA_ROOT/imports/<random token> between the
preview and the confirmation; the session holds the token, never a path, and the file is
deleted once imported or cancelled.
"""

import json
import re
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bibliobridge.core.access import require_perm
from bibliobridge.core.files import KeptUpload

from .io.directory import EntryError, entry_for, entry_queryset, import_entry
from .io.export import export_csv, export_xlsx, filter_institutions
from .io.ror import import_ror, load_dump
from .io.rows import ImportBlocked, import_rows, plan_file
from .io.tabular import ImportFileError, read_upload
from .models import Institution

UPLOAD = KeptUpload("imports", "partners_import")  # the spreadsheet between preview and import


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, GBK or Big5) or Excel .xlsx, with the columns of the import guide."
        ),
    )


class EntryUploadForm(forms.Form):
    file = forms.FileField(label=_("Directory entry (JSON)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            return json.loads(read_upload(upload))
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        except (UnicodeDecodeError, ValueError) as error:
            raise forms.ValidationError(_("The file is not valid JSON.")) from error


class RorUploadForm(forms.Form):
    file = forms.FileField(label=_("ROR data dump (.json or .zip, schema v2)"))
    countries = forms.CharField(
        label=_("Countries"),
        required=False,
        help_text=_("ISO 3166 codes separated by spaces, such as CN JP; empty for all."),
    )
    types = forms.CharField(
        label=_("Organisation types"),
        required=False,
        help_text=_("ROR types such as education facility; empty for all."),
    )

    def clean_countries(self) -> list[str]:
        from bibliobridge.core.vocab import normalise_country

        return [
            normalise_country(c) for c in re.split(r"[\s,;]+", self.cleaned_data["countries"]) if c
        ]

    def clean_types(self) -> list[str]:
        return [t.lower() for t in re.split(r"[\s,;]+", self.cleaned_data["types"]) if t]


# ---------------------------------------------------------------- spreadsheet import


@require_perm("partners.import_institutions")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = read_upload(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            UPLOAD.keep(request, data, form.cleaned_data["file"].name)
            return redirect("partners:import_confirm")
    return render(request, "partners/io/import.html", {"form": form})


@require_perm("partners.import_institutions")
def import_confirm(request: HttpRequest) -> HttpResponse:
    path = UPLOAD.path(request)
    if path is None:
        messages.error(
            request, _("The uploaded file is no longer available; please upload it again.")
        )
        return redirect("partners:import")
    if request.method == "POST" and request.POST.get("action") == "cancel":
        UPLOAD.forget(request)
        messages.info(request, _("The import was cancelled; nothing was imported."))
        return redirect("partners:import")
    try:
        with path.open("rb") as handle:
            plan = plan_file(handle)
    except ImportFileError as error:
        UPLOAD.forget(request)
        form = UploadForm()
        return render(request, "partners/io/import.html", {"form": form, "file_error": str(error)})
    if request.method == "POST":
        valid_only = request.POST.get("action") == "valid"
        try:
            result = import_rows(request.user, plan, valid_only=valid_only)
        except ImportBlocked as error:
            messages.error(request, str(error))
        else:
            UPLOAD.forget(request)
            messages.success(
                request,
                _("Imported: %(created)d created, %(updated)d updated, %(skipped)d rows skipped.")
                % {
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "skipped": result.skipped,
                },
            )
            return redirect("partners:list")
    name = UPLOAD.name(request)
    return render(
        request,
        "partners/io/preview.html",
        {
            "plan": plan,
            "file_name": name,
            "problems": plan.problems,
            "create_count": plan.count("create"),
            "update_count": plan.count("update"),
            "valid_count": len(plan.valid_rows),
            "invalid_count": len(plan.invalid_rows),
        },
    )


# ---------------------------------------------------------------- export


def export_response(
    request: HttpRequest,
    build_queryset: Callable[[dict[str, str]], QuerySet[Institution]] = filter_institutions,
) -> HttpResponse:
    """CSV or XLSX of the institutions the list's filters select (?format=xlsx for Excel).

    The list view may pass its own queryset builder so the export matches the page exactly.
    """
    institutions = build_queryset(request.GET.dict())
    if request.GET.get("format") == "xlsx":
        data = export_xlsx(institutions)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        extension = "xlsx"
    else:
        data = export_csv(institutions)
        content_type = "text/csv; charset=utf-8"
        extension = "csv"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="partners.{extension}"'
    return response


@require_perm("partners.export_institutions")
def export(request: HttpRequest) -> HttpResponse:
    return export_response(request)


# ---------------------------------------------------------------- directory entries


@require_perm("partners.export_institutions")
def entry_json(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        institution = entry_queryset().get(pk=pk)
    except Institution.DoesNotExist as error:
        raise Http404 from error
    data = json.dumps(entry_for(institution), ensure_ascii=False, indent=2)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="directory-entry-{institution.pk}.json"'
    )
    return response


@require_perm("partners.import_institutions")
def entry_import(request: HttpRequest) -> HttpResponse:
    form = EntryUploadForm(request.POST or None, request.FILES or None)
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            institution = import_entry(request.user, form.cleaned_data["file"])
        except EntryError as error:
            problems = error.problems
        else:
            messages.success(
                request, _("The directory entry of %(name)s was imported.") % {"name": institution}
            )
            return redirect("partners:detail", pk=institution.pk)
    return render(request, "partners/io/entry_import.html", {"form": form, "problems": problems})


# ---------------------------------------------------------------- ROR


@require_perm("partners.import_institutions")
def ror_import(request: HttpRequest) -> HttpResponse:
    form = RorUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            records = load_dump(read_upload(form.cleaned_data["file"]))
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            result = import_ror(
                request.user,
                records,
                countries=form.cleaned_data["countries"],
                types=form.cleaned_data["types"],
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d institution created from ROR.",
                    "%(count)d institutions created from ROR.",
                    result.created,
                )
                % {"count": result.created},
            )
    return render(request, "partners/io/ror_import.html", {"form": form, "result": result})
