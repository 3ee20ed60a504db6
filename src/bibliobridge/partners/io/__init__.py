"""Import and export of the partner directory: spreadsheets, JSON directory entries, ROR dumps.

- `tabular`: an uploaded CSV or XLSX file → rows of header → text.
- `rows`: those rows → a checked plan → applied through the partner services.
- `export`: institutions → CSV or XLSX with the same columns, so an export re-imports.
- `directory`: one institution's self-description as a JSON directory entry, both ways.
- `ror`: seed institutions from a ROR data dump (schema v2).
"""
