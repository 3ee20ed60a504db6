"""Grouping records of the same manifestation into clusters, and keeping staff's decisions.

A record just added or changed is compared (``matching.compare``) with the records that
share one of its match keys; it joins the cluster of the best match, or starts its own.
Staff decisions (``ClusterDecision``: these two are / are not the same) win over the
comparison and survive re-imports, because a re-imported record keeps its row.
"""

import json
from collections import OrderedDict
from collections.abc import Iterable
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import log_activity

from . import searching
from .enums import RecordStatus
from .marc.record import Isbn, NormalisedRecord
from .matching import Profile, compare_profiles, profile
from .models import Cluster, ClusterDecision, MatchKey, Record
from .queries import stored_json

BATCH = 500
# A key shared across more than this many candidates — the run's records sharing it and
# PER_CLUSTER records of each other cluster holding it (a series ISSN, a bad ISBN) —
# is too weak to block on: it finds no pairs.
MAX_CANDIDATES = 200
PER_CLUSTER = 3
# What the matcher reads of a stored record (matching.profile): not the original bytes,
# nor what only the pages and the index read.
PROFILE_FIELDS = ("title", "title_vernacular", "title_romanised", "names", "names_vernacular",
                  "publisher", "year", "edition", "languages", "isbns", "issns", "oclc_numbers",
                  "lccn", "material_type")  # fmt: skip


_JSON_FIELDS = frozenset(("names", "names_vernacular", "languages", "isbns", "issns",
                          "oclc_numbers"))  # fmt: skip


# Profiles kept by the process, by description: the PROFILE_FIELDS values as stored
# (JSON as text). Holders of a title mostly describe it alike (copy cataloguing: at 100k
# records, the 24,188 records of the clusters over 50 gave 1,668 descriptions), so a
# new holding and the records it is compared with often share one profile; and the few
# records of a popular title that new holdings are compared with (_representatives) are
# the same at every load. A profile costs some 80 µs to make and 3 KB to keep.
PROFILES_KEPT = 10_000
_profiles: OrderedDict[tuple, Profile] = OrderedDict()


class Stored(NamedTuple):
    """A stored record as clustering reads it: its cluster and its PROFILE_FIELDS as
    stored (JSON as text: decoded only for a description not profiled yet)."""

    pk: int
    cluster_id: int | None
    stored: tuple

    @property
    def described(self) -> dict[str, Any]:
        return {
            name: stored_json(value) if name in _JSON_FIELDS else value
            for name, value in zip(PROFILE_FIELDS, self.stored, strict=True)
        }

    def profile(self) -> Profile:
        found = _profiles.get(self.stored)
        if found is not None:
            _profiles.move_to_end(self.stored)
            return found
        described = self.described
        values = {**described, "isbns": [Isbn(**i) for i in described["isbns"]]}
        made = _profiles[self.stored] = profile(
            NormalisedRecord(local_id="", flavour="", kind="bibliographic", **values)
        )
        if len(_profiles) > PROFILES_KEPT:
            _profiles.popitem(last=False)
        return made


def assign(run_id: int) -> set[int]:
    """(Re)cluster the records an import run touched; call inside its transaction.

    Set-based where it can be: a record that shares no match key with another (most of a
    first load) gets a cluster of its own without being compared; only records in a
    shared block are loaded and compared. Returns the clusters that changed and remain.
    """
    record_table = Record._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT cluster_id FROM {record_table} "  # noqa: S608
            "WHERE run_id = %s AND cluster_id IS NOT NULL",
            [run_id],
        )
        old = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            f"UPDATE {record_table} SET cluster_id = NULL WHERE run_id = %s",  # noqa: S608
            [run_id],
        )
        pairs = _candidate_pairs(cursor, run_id)
    joined = _cluster_paired(pairs, run_id)
    _found_clusters(run_id)  # the records that share no key, or matched nothing
    refresh(old | joined)
    now = set(
        Record.objects.filter(run_id=run_id, cluster__isnull=False)
        .values_list("cluster_id", flat=True)
        .distinct()
    )
    return _existing(old | now)


def _candidate_pairs(cursor: Any, run_id: int) -> list[tuple[int, int]]:
    """(touched record, other active record) sharing a match key whose block is not huge."""
    key_table, record_table = MatchKey._meta.db_table, Record._meta.db_table
    cursor.execute(
        f"SELECT DISTINCT k.key FROM {key_table} k "  # noqa: S608
        f"JOIN {record_table} r ON r.id = k.record_id WHERE r.run_id = %s AND r.status = %s",
        [run_id, RecordStatus.ACTIVE],
    )
    keys = [row[0] for row in cursor.fetchall()]
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"SELECT k.key, k.record_id, r.run_id, r.cluster_id FROM {key_table} k "  # noqa: S608
            f"JOIN {record_table} r ON r.id = k.record_id "
            f"WHERE k.key IN ({marks}) AND r.status = %s ORDER BY k.record_id",
            [*chunk, RecordStatus.ACTIVE],
        )
        blocks: dict[str, list[tuple[int, int | None, int | None]]] = {}
        for key, record_id, record_run, cluster_id in cursor.fetchall():
            blocks.setdefault(key, []).append((record_id, record_run, cluster_id))
        for members in blocks.values():
            touched = [record_id for record_id, record_run, _c in members if record_run == run_id]
            if not touched:
                continue
            candidates = touched + _representatives(members, run_id)
            if not 2 <= len(candidates) <= MAX_CANDIDATES:
                continue
            for record_id in touched:
                pairs.update((record_id, other) for other in candidates if other != record_id)
    return sorted(pairs)


def _representatives(members: list[tuple[int, int | None, int | None]], run_id: int) -> list[int]:
    """Up to PER_CLUSTER of the block's records (the first) from each existing cluster.

    A title held by three hundred libraries is one cluster: a new holding is compared with
    its first few members, not with all of them (which grew with the square of holders).
    """
    chosen: dict[int, list[int]] = {}
    for record_id, record_run, cluster_id in members:
        if record_run != run_id and cluster_id is not None:
            kept = chosen.setdefault(cluster_id, [])
            if len(kept) < PER_CLUSTER:
                kept.append(record_id)
    return [record_id for kept in chosen.values() for record_id in kept]


def _found_clusters(run_id: int) -> None:
    """A cluster of its own for each of the run's active records still without one.

    Two statements whatever the number: clusters inserted from the records, each noting
    its founder, then each record pointed at the cluster it founded.
    """
    record_table, cluster_table = Record._meta.db_table, Cluster._meta.db_table
    active = RecordStatus.ACTIVE.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {cluster_table} "  # noqa: S608
            "(founder_id, title, year, record_count, holder_count, held_by, updated_at) "
            # held_by as refresh() writes it: [[holder id, record id]].
            f"SELECT id, SUBSTR(title, 1, 1000), year, 1, 1, "
            f"'[[' || holder_id || ',' || id || ']]', %s FROM {record_table} "
            "WHERE run_id = %s AND status = %s AND cluster_id IS NULL",
            [timezone.now(), run_id, active],
        )
        cursor.execute(
            f"UPDATE {record_table} SET cluster_id = "  # noqa: S608
            # MAX: a record that founded a cluster in an earlier load founds a new one now.
            f"(SELECT MAX(c.id) FROM {cluster_table} c WHERE c.founder_id = {record_table}.id) "
            "WHERE run_id = %s AND status = %s AND cluster_id IS NULL",
            [run_id, active],
        )


def _set_clusters(pairs: list[tuple[int | None, int]]) -> None:
    """(cluster id, record id) pairs; one statement per row beats Django's CASE for many rows."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Record._meta.db_table} SET cluster_id = %s WHERE id = %s",  # noqa: S608
            pairs,
        )


def _cluster_paired(pairs: list[tuple[int, int]], run_id: int) -> set[int]:
    """Cluster the touched records that share a block with others; the clusters changed.

    In record order, batch by batch (memory and SQL parameters stay bounded): each joins
    the cluster of its best match among records already placed, or starts one.
    """
    others: dict[int, set[int]] = {}
    for a, b in pairs:
        others.setdefault(a, set()).add(b)
    touched_ids = sorted(others)
    placed: dict[int, int] = {}  # touched record → its cluster, as they are placed
    same, different = _decisions(run_id)
    for start in range(0, len(touched_ids), BATCH):
        chunk = touched_ids[start : start + BATCH]
        wanted = set(chunk)
        for pk in chunk:
            wanted |= others[pk] | same.get(pk, set())
        records = _records(wanted)
        for pk in chunk:
            best: tuple[float, int] | None = None
            for other_id in sorted((others[pk] | same.get(pk, set())) - {pk}):
                other = records.get(other_id)
                cluster_id = placed.get(other_id, other.cluster_id if other else None)
                if other is None or cluster_id is None or other_id in different.get(pk, set()):
                    continue  # a touched record not placed yet compares with this one later
                if other_id in same.get(pk, set()):
                    score = 2.0
                else:
                    match = compare_profiles(records[pk].profile(), other.profile())
                    if not match.same:
                        continue
                    score = match.score
                if best is None or score > best[0]:
                    best = (score, cluster_id)
            if best is not None:
                placed[pk] = best[1]
            elif any(other in others for other in others[pk]):
                # Other records of this run may join it: found its cluster now.
                described = records[pk].described
                placed[pk] = Cluster.objects.create(
                    founder_id=pk, title=described["title"][:1000], year=described["year"]
                ).pk
    _set_clusters([(cluster_id, pk) for pk, cluster_id in placed.items()])
    return set(placed.values())


def _existing(ids: Iterable[int], **filters: Any) -> set[int]:
    """Those of ids that are clusters (matching filters), asked in chunks SQLite accepts."""
    ordered = sorted(ids)
    found: set[int] = set()
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        found.update(Cluster.objects.filter(pk__in=chunk, **filters).values_list("pk", flat=True))
    return found


def _records(ids: set[int]) -> dict[int, Stored]:
    """Active records by id, as the matcher reads them, in chunks SQLite accepts.

    Our own SQL, JSON decoded here (text on both databases): the ORM's converters took a
    third of the time a load comparing every record spent reading them.
    """
    ordered = sorted(ids)
    found: dict[int, Stored] = {}
    columns = ", ".join(PROFILE_FIELDS)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 5000):
            chunk = ordered[start : start + 5000]
            cursor.execute(
                f"SELECT id, cluster_id, {columns} FROM {Record._meta.db_table} "  # noqa: S608
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) AND status = %s",
                [*chunk, RecordStatus.ACTIVE.value],
            )
            for pk, cluster_id, *values in cursor.fetchall():
                found[pk] = Stored(pk, cluster_id, tuple(values))
    return found


def _decisions(run_id: int) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Staff's decisions on the run's records: (same, different), each pair both ways.

    Two joins on the run, not the ORM's IN over each batch of records: building those
    lists was some 4 % of a load comparing every record (py-spy), with no decision at all.
    """
    same: dict[int, set[int]] = {}
    different: dict[int, set[int]] = {}
    decision_table, record_table = ClusterDecision._meta.db_table, Record._meta.db_table
    with connection.cursor() as cursor:
        for side in ("record_id", "other_id"):
            cursor.execute(
                f"SELECT d.record_id, d.other_id, d.same FROM {decision_table} d "  # noqa: S608
                f"JOIN {record_table} r ON r.id = d.{side} WHERE r.run_id = %s",
                [run_id],
            )
            for a, b, is_same in cursor.fetchall():
                table = same if is_same else different
                table.setdefault(a, set()).add(b)
                table.setdefault(b, set()).add(a)
    return same, different


def refresh(cluster_ids: Iterable[int]) -> None:
    """Recount clusters' members and holders, list the holders, retitle clusters from
    their first member, and delete those left empty."""
    ids = sorted(pk for pk in set(cluster_ids) if pk)
    record_table, cluster_table = Record._meta.db_table, Cluster._meta.db_table
    members = f"FROM {record_table} r WHERE r.cluster_id = {cluster_table}.id AND r.status = %s"

    def first(column: str) -> str:
        return f"(SELECT r.{column} {members} ORDER BY r.id LIMIT 1)"

    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            active = RecordStatus.ACTIVE.value
            cursor.execute(
                f"UPDATE {cluster_table} SET "  # noqa: S608
                f"record_count = (SELECT COUNT(*) {members}), "
                # Cut as Cluster.title is: PostgreSQL refuses a longer value, SQLite keeps it.
                f"title = COALESCE(SUBSTR({first('title')}, 1, 1000), title), "
                f"year = {first('year')}, updated_at = %s "
                f"WHERE id IN ({marks})",
                [active, active, active, now, *chunk],
            )
            _list_holders(cursor, chunk)
    # A cluster left without members is gone (withdrawn records belong to none).
    held = _existing(ids, record_count__gt=0)
    empty = [pk for pk in ids if pk not in held]
    searching.retire_clusters(empty)
    for start in range(0, len(empty), BATCH):
        Cluster.objects.filter(pk__in=empty[start : start + BATCH]).delete()


def _list_holders(cursor: Any, ids: list[int]) -> None:
    """Set Cluster.held_by, and holder_count with it, from the clusters' held records."""
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(
        f"SELECT cluster_id, holder_id, MIN(id) FROM {Record._meta.db_table} "  # noqa: S608
        f"WHERE cluster_id IN ({marks}) AND status = %s GROUP BY cluster_id, holder_id",
        [*ids, RecordStatus.ACTIVE.value],
    )
    held: dict[int, list[tuple[int, int]]] = {pk: [] for pk in ids}
    for cluster_id, holder_id, first in cursor.fetchall():
        held[cluster_id].append((holder_id, first))
    cursor.executemany(
        f"UPDATE {Cluster._meta.db_table} SET held_by = %s, holder_count = %s "  # noqa: S608
        "WHERE id = %s",
        [(held_by_text(pairs), len(pairs), pk) for pk, pairs in held.items()],
    )


def held_by_text(pairs: list[tuple[int, int]]) -> str:
    """Cluster.held_by's JSON for (holder id, record id) pairs: by record id, no spaces."""
    return json.dumps(sorted(pairs, key=itemgetter(1)), separators=(",", ":"))


@transaction.atomic
def split(actor: User | None, record: Record) -> Cluster:
    """Take a record out of its cluster into one of its own; it stays apart from the others."""
    old = record.cluster_id
    others = Record.objects.filter(cluster_id=old).exclude(pk=record.pk) if old else []
    for other in others:
        decide(actor, record, other, same=False)
    cluster = Cluster.objects.create(title=record.title[:1000], year=record.year)
    Record.objects.filter(pk=record.pk).update(cluster=cluster)
    record.cluster = cluster
    refresh([cluster.pk, old] if old else [cluster.pk])
    searching.reindex([cluster.pk, old] if old else [cluster.pk])
    log_activity(actor, Action.UPDATED, record, {"cluster": [old, cluster.pk]}, "split")
    return cluster


@transaction.atomic
def merge(actor: User | None, record: Record, into: Cluster) -> None:
    """Put a record (and the rest of its cluster) into another cluster, and remember it."""
    old = record.cluster_id
    if old == into.pk:
        return
    movers = list(
        Record.objects.filter(cluster_id=old) if old else Record.objects.filter(pk=record.pk)
    )
    member = Record.objects.filter(cluster=into).first()
    if member is not None:
        for mover in movers:
            decide(actor, mover, member, same=True)
    Record.objects.filter(pk__in=[m.pk for m in movers]).update(cluster=into)
    refresh([into.pk, old] if old else [into.pk])
    searching.reindex([into.pk])
    log_activity(actor, Action.UPDATED, record, {"cluster": [old, into.pk]}, "merge")


def decide(actor: User | None, record: Record, other: Record, same: bool) -> None:
    """Remember that two records are (or are not) the same manifestation."""
    a, b = sorted([record.pk, other.pk])
    ClusterDecision.objects.update_or_create(
        record_id=a,
        other_id=b,
        defaults={"same": same, "decided_by": actor if actor and actor.pk else None},
    )
