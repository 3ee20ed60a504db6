import factory

from bibliobridge.partners.enums import InstitutionKind
from bibliobridge.partners.models import Institution
from bibliobridge.partners.services import refresh_search_text


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    kind = InstitutionKind.UNIVERSITY_LIBRARY
    name = factory.Sequence(lambda n: f"Universitätsbibliothek {n}")
    name_en = factory.Sequence(lambda n: f"University Library {n}")
    name_zh = factory.Sequence(lambda n: f"大学图书馆{n}")
    country = "DE"
    time_zone = "Europe/Berlin"
    languages = factory.LazyFunction(lambda: ["de"])
    currencies = factory.LazyFunction(lambda: ["EUR"])

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):
        if create:
            refresh_search_text(obj)
