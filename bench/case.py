"""One benchmark case, run in its own process so that peak memory is its own.

Prints one JSON line: seconds to read, fit and write JSON, and the ARI against ground truth
(truth.npy for synthetic data, Pol.is's group-id for real exports) when there is one.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from multitrack.opinion import OpinionMap
from multitrack.opinion.cli import report
from multitrack.opinion.io import read_export
from multitrack.opinion.metrics import adjusted_rand_index


def main() -> None:
    folder = Path(sys.argv[1])
    start = time.perf_counter()
    export = read_export(folder)
    read = time.perf_counter()
    model = OpinionMap(random_state=0).fit(export.votes, rejected=export.rejected, meta=export.meta)
    fitted = time.perf_counter()
    text = json.dumps(report(model))
    written = time.perf_counter()
    ari = None
    clustered = model.labels_ >= 0
    if (folder / "truth.npy").exists():
        truth = np.load(folder / "truth.npy")[model.participant_ids_.astype(np.int64)]
        ari = adjusted_rand_index(model.labels_[clustered], truth[clustered])
    elif export.group_ids:
        pairs = [
            (label, export.group_ids.get(pid))
            for pid, label in zip(
                model.participant_ids_.tolist(), model.labels_.tolist(), strict=True
            )
            if label >= 0 and export.group_ids.get(pid) is not None
        ]
        ari = adjusted_rand_index([a for a, _ in pairs], [b for _, b in pairs])
    print(
        json.dumps(
            {
                "participants": model.participant_ids_.size,
                "statements": model.statement_ids_.size,
                "votes": export.votes.n_votes,
                "read": read - start,
                "fit": fitted - read,
                "json": written - fitted,
                "total": written - start,
                "ari": ari,
                "groups": model.n_groups_,
                "json_bytes": len(text),
            }
        )
    )


if __name__ == "__main__":
    main()
