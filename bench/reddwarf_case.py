"""The same case run by red-dwarf 0.4.0 (in its own virtualenv), for comparison.

Reads votes.csv the way red-dwarf's own loader reads a Pol.is export (``Vote`` records, latest
vote per pair), then runs its Pol.is pipeline. Prints one JSON line like case.py.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

from reddwarf.data_loader import Loader
from reddwarf.implementations.polis import run_pipeline
from reddwarf.models import Vote


def main() -> None:
    folder = Path(sys.argv[1])
    start = time.perf_counter()
    with (folder / "votes.csv").open(newline="") as handle:
        votes = [Vote(**row).model_dump(mode="json") for row in csv.DictReader(handle)]
    loader = Loader.__new__(Loader)
    loader.votes_data, loader.skipped_dup_votes = votes, []
    loader.filter_duplicate_votes(keep="recent")
    with (folder / "comments.csv").open(newline="") as handle:
        rejected = [int(r["comment-id"]) for r in csv.DictReader(handle) if r["moderated"] == "-1"]
    read = time.perf_counter()
    result = run_pipeline(votes=loader.votes_data, mod_out_statement_ids=rejected, random_state=0)
    fitted = time.perf_counter()
    del result
    print(
        json.dumps(
            {
                "votes": len(loader.votes_data),
                "read": read - start,
                "fit": fitted - read,
                "total": fitted - start,
            }
        )
    )


if __name__ == "__main__":
    main()
