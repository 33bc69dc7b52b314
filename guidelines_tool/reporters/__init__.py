"""Output formats: one `Reporter` subclass per format (`base.py`), one registry per command named
`<COMMAND>_REPORTERS`, whose keys are the command's `--format` choices.

- `findings`: `VALIDATE_REPORTERS` — text, json, github, sarif, junit, gitlab, markdown
- `history`: `LOG_REPORTERS`, `DIFF_REPORTERS`, `CHANGELOG_REPORTERS` — text, json, md; `release_text`
- `agreement`: `AGREEMENT_REPORTERS` — text, json, csv, md
- `impact`: `IMPACT_REPORTERS`, `HOTSPOTS_REPORTERS` — text, json, md
- `quiz`: `QUIZ_SCORE_REPORTERS` — text, json, md
- `output`: what every format needs at the output boundary: `json_text`, `printable`, `md_cell`

The core returns data; only these classes turn it into text, and only `cli/` prints it. Importing
a reporter module stays cheap (no numpy, no git): the CLI builds its options from the registries.
"""
