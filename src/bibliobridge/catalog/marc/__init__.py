"""Reading catalogue records: ISO 2709 and MARCXML, MARC 21 and UNIMARC / CNMARC / RUSMARC.

Pure Python, no Django models: bytes in, NormalisedRecord (or RecordProblem) out.

    from bibliobridge.catalog.marc.read import read_records
    from bibliobridge.catalog.marc.record import FileProblem, NormalisedRecord, RecordProblem
    from bibliobridge.catalog.marc import problems

    try:
        for item in read_records(stream):             # stream: a binary file object
            if isinstance(item, RecordProblem):       # skipped; report problems.message(item.code, item.params)
                ...
            else:                                     # NormalisedRecord; item.warnings are kept-but-noteworthy
                ...                                   # problems.describe(warning) renders one
    except FileProblem as problem:                    # nothing (more) can be read
        problems.message(problem.code, problem.params)

Authority records are never returned as records: each one is a RecordProblem with code
``authority_record_skipped`` (and its local_id), so a report counts them. MARC 21
holdings records (MFHD) come back as NormalisedRecord with kind HOLDINGS and linked_id.
"""
