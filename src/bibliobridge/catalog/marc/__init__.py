"""Reading catalogue records: ISO 2709 and MARCXML, MARC 21 and UNIMARC / CNMARC / RUSMARC.

Pure Python, no Django models: bytes in, NormalisedRecord (or RecordProblem) out.
"""
