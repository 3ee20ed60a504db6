# Term ids become hashes of the terms (catalog.search.query.term_id): postings written
# before carry the old sequential ids, so the index is emptied here and every cluster is
# indexed again with `bibliobridge catalog_reindex`.

from django.db import migrations, models


def empty_the_index(apps, schema_editor):
    for model in ("SearchPosting", "SearchSegment", "SearchTerm", "SearchState"):
        apps.get_model("catalog", model).objects.all().delete()
    apps.get_model("catalog", "Cluster").objects.update(doc_id=None)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0005_harvest"),
    ]

    operations = [
        migrations.RunPython(empty_the_index, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="searchterm",
            name="id",
            field=models.BigIntegerField(primary_key=True, serialize=False),
        ),
    ]
