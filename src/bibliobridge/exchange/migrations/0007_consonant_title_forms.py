"""Items in a language written in Hebrew or Arabic script are now also keyed by their
title's consonants (exchange.matching.title_forms): their stored forms are made again."""

from django.db import migrations
from django.db.models import Q

# ISO 639-1, 639-2/B and 639-2/T codes of those languages, as a list item may hold them.
LANGUAGES = "he heb yi yid lad ar ara fa per fas ur urd ps pus sd snd ug uig ku kur ota".split()


def forms_again(apps, schema_editor):
    from bibliobridge.exchange.matching import title_forms

    ListItem = apps.get_model("exchange", "ListItem")
    items = ListItem.objects.filter(
        Q(language__in=LANGUAGES) | Q(title__regex="[\u0590-\u06ff]")
    ).only("pk", "title", "language", "match_title")
    changed = []
    for item in items.iterator(chunk_size=2000):
        forms = title_forms(item.title, item.language)
        if forms != item.match_title:
            item.match_title = forms
            changed.append(item)
    ListItem.objects.bulk_update(changed, ["match_title"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0006_matching")]

    operations = [migrations.RunPython(forms_again, migrations.RunPython.noop)]
