"""Tables of the catalogue's inverted index: terms, segments of roaring-bitmap postings, state.

See ``docs/search-index.md``. Nothing here is a domain object: rows are written and read
only by ``catalog.search`` through SQL of its own, so the foreign keys carry no database
constraint (a constraint check per posting row would double the cost of a bulk load, and
the rows are only ever deleted a segment at a time, by the code that wrote them).
"""

from django.db import models

__all__ = ["SearchPosting", "SearchSegment", "SearchState", "SearchTerm"]


class SearchState(models.Model):
    """The index's one row: what readers check before trusting their cache."""

    id = models.PositiveSmallIntegerField(primary_key=True)  # always 1
    # Random, drawn anew when the row is created and on rebuild(): a cache from another
    # database (or from before a rebuild, or a test's rolled-back rows) never matches.
    epoch = models.BigIntegerField()
    # Bumped first thing by every write, which also makes it the writers' lock.
    generation = models.BigIntegerField(default=0)
    # Segment ids are handed out from here and never reused.
    last_segment = models.BigIntegerField(default=0)
    # The newest segment holding new documents (not a merge): a cached term that has seen
    # every segment up to this one needs nothing more from the database.
    last_fresh = models.BigIntegerField(default=0)
    live = models.BinaryField()  # serialised BitMap of the searchable documents
    retired = models.BinaryField()  # documents once indexed and retired: never indexed again

    def __str__(self) -> str:
        return f"generation {self.generation}"


class SearchSegment(models.Model):
    """One indexing batch (or a merge of several), written once and never changed."""

    id = models.BigIntegerField(primary_key=True)  # from SearchState.last_segment
    # For a batch, its own id; for a merge, the newest batch it holds.
    newest = models.BigIntegerField()
    doc_count = models.PositiveIntegerField()
    docs = models.BinaryField()  # serialised BitMap of the documents it holds
    term_count = models.PositiveIntegerField()
    blob_bytes = models.PositiveBigIntegerField()
    merged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"segment {self.id} ({self.doc_count} documents)"


class SearchTerm(models.Model):
    """The text of a term in a listed namespace (facets, year ranges), under its id.

    Every term's id is its hash (``query.term_id``); postings carry it. Only the values
    a reader lists are kept here as text.
    """

    id = models.BigIntegerField(primary_key=True)
    term = models.CharField(max_length=255, unique=True)
    # What comes before the first ":"; lists a facet's values whatever the collation.
    namespace = models.CharField(max_length=32)

    class Meta:
        indexes = [
            # A facet's values (reader.values_of).
            models.Index(fields=["namespace"], name="searchterm_namespace"),
        ]

    def __str__(self) -> str:
        return self.term


class SearchPosting(models.Model):
    """The documents of one segment that carry one term."""

    pk = models.CompositePrimaryKey("term", "segment")
    term = models.ForeignKey(
        SearchTerm,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the primary key and Meta.indexes cover both
        related_name="+",
    )
    segment = models.ForeignKey(
        SearchSegment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the primary key and Meta.indexes cover both
        related_name="+",
    )
    n = models.PositiveIntegerField()
    docs = models.BinaryField()  # serialised BitMap

    class Meta:
        indexes = [
            # Merges read a segment in term order; merges and rebuild delete by segment.
            models.Index(fields=["segment", "term"], name="searchposting_segment_term"),
        ]

    def __str__(self) -> str:
        return f"{self.term_id} in segment {self.segment_id}"
