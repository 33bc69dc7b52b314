"""Output formats, one class per format, chosen by name (`REPORTER_BY_NAME` dicts feed click.Choice).

- `findings`: validate's findings — text, json, github, sarif, junit, gitlab, markdown
- `history`: log, diff, changelog, release — text, json, md
- `agreement`: agreement reports — text, json, csv, md
- `impact`: impact and hotspots — text, json, md

The core returns data; only these classes turn it into text, and only `cli.py` prints it.
"""
