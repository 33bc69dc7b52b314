"""Guideline experiments: a rule's proposed wording piloted on a random half of the work, at the
same time as the current one (issue 12).

- `assign`   the random split of items (or annotators) between the arms: deterministic from the
             seed and the ids, balanced within strata; the assignment file
- `plan`     `experiment plan`: the arms' commits, the rules the variant changes, the split, the
             batches to send out, the power, the experiment file (pre-registration)
- `power`    items per arm needed for a given power, from the task's past judgements
- `compare`  the arms compared: α per arm, B − A with items and annotators random, the verdict
- `analyse`  `experiment analyse`: annotation rows → arms, design checks, the comparison
- `conclude` `experiment conclude`: the winning wording onto the branch, the result recorded;
             the notes `log` and `changelog` show beside the revision it brought
- `site`     `docs build --experiment`: the pilot site, arm B's wording under a banner
- `data`     annotation rows as arrays: categories, the scale's distance, governed items

Nothing here prints or exits; `cli/experiment.py` does.
"""
