"""Loading holders' catalogues: counts, replacement, withdrawal, failures that change nothing."""

from collections import OrderedDict
from pathlib import Path

import pytest
from django.core.management import call_command

from bibliobridge.catalog import clusters, imports, searching
from bibliobridge.catalog.enums import RecordStatus, RunSource, RunStatus
from bibliobridge.catalog.matching import profile
from bibliobridge.catalog.models import Cluster, ImportProblem, MatchKey, Record, StagedRecord
from bibliobridge.catalog.terms import description_terms

from .conftest import holder_with_isil

LOC = "marc/loc/loc_booksall2016_part01_every64th.mrc"
RECORD_END = b"\x1d"


def load(holder, *paths, replace=True):
    run = imports.start_run(holder, RunSource.COMMAND, "test", replace=replace)
    return imports.run_import(run, [Path(p) for p in paths])


def first_records(path: Path, n: int, target: Path) -> Path:
    """The first n ISO 2709 records of path, written to target."""
    data = path.read_bytes()
    end = 0
    for _ in range(n):
        end = data.index(RECORD_END, end) + 1
    target.write_bytes(data[:end])
    return target


@pytest.mark.django_db
def test_load_then_reload_then_replace(holder, shared_file, tmp_path):
    path = shared_file(LOC)
    run = load(holder, path)
    assert run.status == RunStatus.DONE
    held = Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE)
    total = held.count()
    assert run.loaded == total > 3800
    assert run.records_read == total + run.rejected
    assert not StagedRecord.objects.exists()
    assert MatchKey.objects.filter(key__startswith="isbn:").exists()
    assert Record.objects.filter(cluster__isnull=True).count() == 0

    again = load(holder, path)
    assert (again.loaded, again.updated, again.deleted, again.unchanged) == (0, 0, 0, total)

    subset = load(holder, first_records(path, 100, tmp_path / "first100.mrc"))
    assert (subset.loaded, subset.updated, subset.unchanged) == (0, 0, 100)
    assert subset.deleted == total - 100
    assert held.count() == 100
    withdrawn = Record.objects.filter(holder=holder, status=RecordStatus.WITHDRAWN)
    assert withdrawn.count() == total - 100
    assert not MatchKey.objects.filter(record__in=withdrawn).exists()

    back = load(holder, path)
    assert (back.loaded, back.updated, back.unchanged) == (0, total - 100, 100)


@pytest.mark.django_db
def test_adding_withdraws_nothing(holder, shared_file, tmp_path):
    path = shared_file(LOC)
    load(holder, path)
    total = Record.objects.filter(holder=holder).count()
    run = load(holder, first_records(path, 10, tmp_path / "ten.mrc"), replace=False)
    assert run.deleted == 0
    assert Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE).count() == total


@pytest.mark.django_db
def test_a_failure_while_replacing_leaves_the_holder_as_it_was(
    holder, shared_file, tmp_path, monkeypatch
):
    path = shared_file(LOC)
    load(holder, first_records(path, 50, tmp_path / "fifty.mrc"))
    before = sorted(Record.objects.filter(holder=holder).values_list("local_id", "status"))

    def broken(run_id):
        raise RuntimeError("worker died")

    monkeypatch.setattr(imports.clusters, "assign", broken)
    run = imports.start_run(holder, RunSource.COMMAND, "test")
    with pytest.raises(RuntimeError):
        imports.run_import(run, [path])
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error_code == "internal"
    after = sorted(Record.objects.filter(holder=holder).values_list("local_id", "status"))
    assert after == before
    assert not StagedRecord.objects.exists()


@pytest.mark.django_db
def test_a_load_builds_without_the_cyclic_collector_and_gives_it_back(
    holder, shared_file, tmp_path, monkeypatch
):
    import gc

    path = first_records(shared_file(LOC), 20, tmp_path / "twenty.mrc")
    seen = []
    assign = imports.clusters.assign

    def watched(run_id):
        seen.append(gc.isenabled())
        return assign(run_id)

    monkeypatch.setattr(imports.clusters, "assign", watched)
    assert load(holder, path).status == RunStatus.DONE
    assert seen == [False]
    assert gc.isenabled()

    def broken(run_id):
        raise RuntimeError("worker died")

    monkeypatch.setattr(imports.clusters, "assign", broken)
    with pytest.raises(RuntimeError):
        load(holder, path)
    assert gc.isenabled()


@pytest.mark.django_db
def test_a_file_that_is_not_marc_fails_and_changes_nothing(holder, shared_file, tmp_path):
    load(holder, first_records(shared_file(LOC), 5, tmp_path / "five.mrc"))
    jpeg = tmp_path / "cover.mrc"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000))
    run = load(holder, jpeg)
    assert run.status == RunStatus.FAILED
    assert run.error_code
    assert Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE).count() == 5


@pytest.mark.django_db
def test_bad_records_are_reported_and_the_rest_load(holder, shared_file, tmp_path):
    good = first_records(shared_file(LOC), 3, tmp_path / "three.mrc").read_bytes()
    first_end = good.index(RECORD_END) + 1
    # The second record's leader has no base address of data: its fields cannot be found.
    second = bytearray(good[first_end : good.index(RECORD_END, first_end) + 1])
    second[12:17] = b"ab#cd"
    broken = tmp_path / "broken.mrc"
    broken.write_bytes(good[:first_end] + bytes(second) + good[first_end + len(second) :])
    run = load(holder, broken)
    assert run.status == RunStatus.DONE
    assert run.rejected >= 1
    problem = ImportProblem.objects.get(run=run)
    assert problem.number == 2
    assert problem.offset == first_end
    assert Record.objects.filter(holder=holder).count() == 3 - run.rejected


@pytest.mark.django_db
def test_the_same_records_from_two_holders_form_shared_clusters(
    holder, shared_file, tmp_path, monkeypatch
):
    path = first_records(shared_file(LOC), 40, tmp_path / "forty.mrc")
    other = holder_with_isil("JP-1000001", country="JP")
    load(holder, path)
    made: list[str] = []
    read_from_columns: list[tuple] = []

    def counted_profile(record):
        made.append(record.title)
        return profile(record)

    def counted_terms(values):
        read_from_columns.append(values)
        return description_terms(values)

    monkeypatch.setattr(clusters, "_profiles", OrderedDict())
    monkeypatch.setattr(clusters, "profile", counted_profile)
    monkeypatch.setattr(searching, "description_terms", counted_terms)
    load(other, path)
    assert Cluster.objects.count() <= 40
    shared = Cluster.objects.filter(holder_count=2)
    assert shared.count() == Cluster.objects.count()
    assert all(c.record_count == 2 for c in shared)
    # Each new holding was compared with its twin, described alike: one profile for both;
    # and the twin's terms for the cluster's document are those staged for the holding.
    assert 0 < len(made) == len(set(made)) <= 40
    assert read_from_columns == []


@pytest.mark.django_db
def test_command_loads_and_reports(holder, shared_file, tmp_path, capsys):
    path = first_records(shared_file(LOC), 20, tmp_path / "twenty.mrc")
    call_command("catalog_import", str(path), holder="DE-Hil2")
    out = capsys.readouterr().out
    assert "20 new" in out
    assert Record.objects.filter(holder=holder).count() == 20


@pytest.mark.django_db
def test_parallel_reading_stages_what_one_pass_does(
    holder, shared_file, tmp_path, settings, monkeypatch
):
    """Worker processes read chunks of a large file; records, numbers and offsets are the same."""
    good = first_records(shared_file(LOC), 300, tmp_path / "three-hundred.mrc").read_bytes()
    cut = 0
    for _ in range(150):
        cut = good.index(RECORD_END, cut) + 1
    # Record 151's leader loses its base address: reported with its place in the whole file.
    broken = bytearray(good)
    broken[cut + 12 : cut + 17] = b"ab#cd"
    path = tmp_path / "broken.mrc"
    path.write_bytes(bytes(broken))

    settings.CATALOG_IMPORT_WORKERS = 1
    sequential = load(holder, path)
    expected = sorted(Record.objects.filter(holder=holder).values_list("local_id", "checksum"))
    problem = ImportProblem.objects.get(run=sequential)

    other = holder_with_isil("JP-1000001", country="JP")
    settings.CATALOG_IMPORT_WORKERS = 2
    monkeypatch.setattr(imports, "PARALLEL_CHUNK", 16 * 1024)  # many chunks from a small file
    parallel = load(other, path)
    assert (
        sorted(Record.objects.filter(holder=other).values_list("local_id", "checksum")) == expected
    )
    assert (parallel.records_read, parallel.rejected) == (sequential.records_read, 1)
    again = ImportProblem.objects.get(run=parallel)
    assert (again.number, again.offset, again.code) == (
        problem.number,
        problem.offset,
        problem.code,
    )
    assert problem.offset == cut


def test_a_title_longer_than_a_cluster_title_loads_on_every_database(holder, tmp_path):
    """A 1,001-character title (LoC 00326513 has one) shared by two holders: the cluster's
    title is cut, not refused (PostgreSQL refused it and failed the holder's whole load)."""
    import pymarc

    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="long-1"))
    record.add_field(pymarc.Field(tag="020", indicators=[" ", " "],
                                  subfields=[pymarc.Subfield("a", "9780306406157")]))  # fmt: skip
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"],
                                  subfields=[pymarc.Subfield("a", "Reports" * 143)]))  # fmt: skip
    path = tmp_path / "long.mrc"
    path.write_bytes(record.as_marc())
    second = holder_with_isil("DE-2", country="DE")
    for institution in (holder, second):
        run = load(institution, path)
        assert run.status == RunStatus.DONE, run.error_code
    (cluster,) = Cluster.objects.all()
    assert cluster.record_count == 2 and len(cluster.title) == 1000


def test_a_title_held_everywhere_stays_one_cluster(holder, tmp_path, monkeypatch):
    """More holders of one title than a block may hold: each new holding is compared with
    a few members of the existing cluster, so it joins it instead of starting its own."""
    import pymarc

    from bibliobridge.catalog import clusters

    monkeypatch.setattr(clusters, "MAX_CANDIDATES", 4)
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="popular-1"))
    record.add_field(pymarc.Field(tag="020", indicators=[" ", " "],
                                  subfields=[pymarc.Subfield("a", "9780306406157")]))  # fmt: skip
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"],
                                  subfields=[pymarc.Subfield("a", "A popular book")]))  # fmt: skip
    path = tmp_path / "popular.mrc"
    path.write_bytes(record.as_marc())
    holders = [holder] + [holder_with_isil(f"DE-P{n}", country="DE") for n in range(7)]
    for institution in holders:
        assert load(institution, path).status == RunStatus.DONE
    (cluster,) = Cluster.objects.all()
    assert (cluster.record_count, cluster.holder_count) == (8, 8)


@pytest.mark.django_db
def test_the_terms_staged_are_those_the_stored_record_gives(holder, shared_file):
    """The workers compute a record's search terms while reading it (StagedRecord.terms),
    and the index takes them for the records a run writes: they must be the terms its
    stored columns give, as the index reads every other record."""
    from bibliobridge.catalog import prepare
    from bibliobridge.catalog.marc.read import read_records
    from bibliobridge.catalog.terms import DESCRIPTION, description_terms
    from bibliobridge.catalog.terms import split as split_terms

    files = [shared_file(name) for name in (
        LOC, "marc/evergreen/hebrew.marc", "marc/evergreen/badisbns.xml",
        "marc/marc4j/chinese_mangled_multibyte.mrc", "marc/marc4j/cyrillic_capital_e.mrc",
        "marc/evergreen/nepali.marc", "marc/openlibrary/ol_marc_tests_xml_input_collection.xml",
    )]  # fmt: skip
    staged = {}
    for path in files:
        with path.open("rb") as stream:
            for kind, value in map(prepare.prepare, read_records(stream)):
                if kind == prepare.ROW:
                    staged[value[3 + prepare.RECORD_FIELDS.index("local_id")]] = value[2]
    load(holder, *files)
    stored = Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE)
    assert stored.count() == len(staged) > 4000
    for local_id, *values in stored.values_list("local_id", *DESCRIPTION):
        assert split_terms(staged[local_id]) == description_terms(tuple(values)), local_id


def test_terms_with_a_line_break_are_not_staged():
    from bibliobridge.catalog import prepare
    from bibliobridge.catalog.marc.record import Isbn, NormalisedRecord

    record = NormalisedRecord(local_id="1", flavour="marc21", kind="bibliographic", title="A",
                              isbns=[Isbn(value="12\n34", valid=False, qualifier="")])  # fmt: skip
    assert prepare.prepare(record)[1][2] is None
    record.isbns = []
    assert prepare.prepare(record)[1][2] == "a:a\nt:a"


def test_an_unchanged_record_gets_no_terms_staged():
    """A record the holder already has, byte for byte, is not indexed for itself: the
    workers skip its terms (the index reads a stored record's own if its cluster is)."""
    from bibliobridge.catalog import prepare
    from bibliobridge.catalog.marc.record import NormalisedRecord

    record = NormalisedRecord(local_id="1", flavour="marc21", kind="bibliographic", title="A",
                              raw=b"00026nam a2200025 a 4500\x1e\x1d")  # fmt: skip
    kind, row = prepare.prepare(record)
    checksum = row[3 + prepare.RECORD_FIELDS.index("checksum")]
    assert row[2] == "a:a\nt:a"
    assert prepare.prepare(record, known=frozenset({checksum}))[1][2] is None
    assert prepare.prepare(record, known=frozenset({"another"}))[1][2] == "a:a\nt:a"


@pytest.mark.django_db
def test_a_reload_with_some_records_changed_indexes_them_all(holder, shared_file, tmp_path):
    """Unchanged records get no staged terms; a changed one does, and the clusters are
    indexed from the stored records and the staged terms alike."""
    from bibliobridge.catalog import search

    path = first_records(shared_file(LOC), 40, tmp_path / "forty.mrc")
    load(holder, path)
    data = path.read_bytes()
    first = Record.objects.filter(holder=holder).order_by("pk").first()
    word = max(first.title.split(), key=len).strip(".,:;/")
    assert len(word) > 3 and data.count(word.encode()) >= 1
    renamed = "zq" + word[2:]  # as many bytes: the record's directory stays right
    changed = tmp_path / "changed.mrc"
    changed.write_bytes(data.replace(word.encode(), renamed.encode(), 1))
    run = load(holder, changed)
    assert (run.status, run.updated, run.unchanged) == (RunStatus.DONE, 1, 39)
    assert search.search(search.Term("t", renamed), page_size=1000).doc_ids
    for record in Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE):
        word = max(record.title.split(), key=len).strip(".,:;/")
        found = search.search(search.Term("t", word), page_size=1000).doc_ids
        assert record.cluster.doc_id in found, record.local_id


def test_on_postgresql_no_vacuum_runs_on_what_a_replace_writes_until_it_ends(
    holder, shared_file, tmp_path
):
    """A VACUUM beside an uncommitted replace would record its tables as empty, and the
    clustering's joins would be planned as over empty tables (a hundred seconds for a
    load of ten)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs no VACUUM beside a transaction")
    import psycopg

    run = load(holder, first_records(shared_file(LOC), 50, tmp_path / "sample.mrc"))
    assert run.status == RunStatus.DONE
    # The test's transaction is still open, and with it the replace's.
    params = connection.get_connection_params()
    dsn = {k: params[k] for k in ("dbname", "user", "host", "port", "password") if params.get(k)}
    with psycopg.connect(**dsn, autocommit=True) as other:
        other.execute("SET lock_timeout = '100ms'")
        for model in imports.STILL_TABLES:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(f"VACUUM {model._meta.db_table}")
    # The staged rows were counted when the replace began.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [StagedRecord._meta.db_table]
        )
        assert cursor.fetchone()[0] >= 50
