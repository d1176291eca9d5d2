"""Synthetic Pol.is exports: latent opinion groups plus noise, in the votes.csv format.

Each participant belongs to one of ``n_groups`` latent groups; each group leans agree,
disagree or pass on each statement; a participant votes on a random subset of statements and
follows the group's leaning with probability ``fidelity``, otherwise votes at random.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

CHUNK = 1_000_000


def generate(
    folder: Path,
    *,
    n_participants: int,
    n_statements: int,
    n_votes: int,
    n_groups: int = 3,
    fidelity: float = 0.8,
    seed: int = 0,
) -> None:
    """Write votes.csv, comments.csv and truth.npy (latent group of participant i) to folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n_participants)
    leaning = rng.choice(
        np.array([-1, 0, 1], dtype=np.int8), p=[0.4, 0.2, 0.4], size=(n_groups, n_statements)
    )
    np.save(folder / "truth.npy", groups)
    written = 0
    with (folder / "votes.csv").open("w") as handle:
        handle.write("timestamp,datetime,comment-id,voter-id,vote\n")
        while written < n_votes:
            size = min(CHUNK, n_votes - written)
            # Votes are spread evenly over participants (so each gets about the same number).
            participant = (np.arange(written, written + size) % n_participants).astype(np.int64)
            statement = rng.integers(0, n_statements, size)
            follow = rng.random(size) < fidelity
            vote = np.where(
                follow, leaning[groups[participant], statement], rng.integers(-1, 2, size)
            )
            time = 1_600_000_000_000 + np.arange(written, written + size)
            handle.write(
                "".join(
                    f"{t},,{s},{p},{v}\n"
                    for t, s, p, v in zip(
                        time.tolist(),
                        statement.tolist(),
                        participant.tolist(),
                        vote.tolist(),
                        strict=True,
                    )
                )
            )
            written += size
    with (folder / "comments.csv").open("w") as handle:
        handle.write(
            "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        )
        for statement in range(n_statements):
            moderated = -1 if statement % 50 == 49 else 1
            handle.write(f"0,,{statement},0,0,0,{moderated},Statement {statement}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--participants", type=int, required=True)
    parser.add_argument("--statements", type=int, required=True)
    parser.add_argument("--votes", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(
        args.folder,
        n_participants=args.participants,
        n_statements=args.statements,
        n_votes=args.votes,
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
