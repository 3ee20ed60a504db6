# Cluster.held_by lists a cluster's holders (catalog.clusters.refresh keeps it); here it is
# filled for the clusters already loaded, a range of cluster ids at a time.

import json

from django.db import migrations, models

BATCH = 2000


def fill_held_by(apps, schema_editor):
    Cluster = apps.get_model("catalog", "Cluster")
    Record = apps.get_model("catalog", "Record")
    cluster_table, record_table = Cluster._meta.db_table, Record._meta.db_table
    last = Cluster.objects.aggregate(last=models.Max("id"))["last"] or 0
    with schema_editor.connection.cursor() as cursor:
        for low in range(0, last, BATCH):
            cursor.execute(
                f"SELECT cluster_id, holder_id, MIN(id) FROM {record_table} "  # noqa: S608
                "WHERE cluster_id > %s AND cluster_id <= %s AND status = 'active' "
                "GROUP BY cluster_id, holder_id",
                [low, low + BATCH],
            )
            held: dict[int, list[tuple[int, int]]] = {}
            for cluster_id, holder_id, first in cursor.fetchall():
                held.setdefault(cluster_id, []).append((holder_id, first))
            cursor.executemany(
                f"UPDATE {cluster_table} SET held_by = %s WHERE id = %s",  # noqa: S608
                [(_text(pairs), pk) for pk, pairs in held.items()],
            )


def _text(pairs):
    # As catalog.clusters.held_by_text writes it.
    return json.dumps(sorted(pairs, key=lambda pair: pair[1]), separators=(",", ":"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_search_term_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="cluster",
            name="held_by",
            field=models.TextField(default="[]", editable=False),
        ),
        migrations.RunPython(fill_held_by, migrations.RunPython.noop),
    ]
