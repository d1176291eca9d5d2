"""``multitrack opinion``: analyse a Pol.is export folder from the command line.

Runs without Django. ``multitrack opinion analyze PATH [--json] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from multitrack.opinion.io import Comment, ExportFormatError, read_export
from multitrack.opinion.model import OpinionMap

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multitrack opinion", description="Pol.is-style opinion maps."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser(
        "analyze", help="map a Pol.is export folder (votes.csv or participants-votes.csv)"
    )
    analyze.add_argument("path", type=Path, help="folder holding the export")
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    analyze.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    return parser


def report(model: OpinionMap) -> dict[str, Any]:
    """The JSON-ready result of a fitted model, as printed by ``analyze --json``.

    Parameters
    ----------
    model : OpinionMap
        Fitted.

    Returns
    -------
    dict
        ``participants``, ``groups``, ``consensus``, ``bridging`` and ``statements``.
    """
    sizes = np.bincount(model.labels_[model.labels_ >= 0], minlength=model.n_groups_)
    participants = [
        {
            "id": str(pid),
            "group": int(label) if label >= 0 else None,
            "x": float(x),
            "y": float(y),
            "included": bool(included),
        }
        for pid, label, (x, y), included in zip(
            model.participant_ids_.tolist(),
            model.labels_.tolist(),
            model.positions_.tolist(),
            model.is_included_.tolist(),
            strict=True,
        )
    ]
    groups = [
        {
            "id": group,
            "size": int(sizes[group]),
            "representative": [
                {
                    "statement": str(r.statement),
                    "direction": r.direction,
                    "agree_share": r.n_agree / r.n_trials if r.n_trials else 0.0,
                    "ratio": r.ratio,
                    "z": r.z,
                }
                for r in model.representative_[group]
            ],
        }
        for group in range(model.n_groups_)
    ]
    bridging_order = np.argsort(-model.group_aware_consensus_, kind="stable")
    bridging = [
        {
            "statement": str(model.statement_ids_[j]),
            "group_aware_consensus": float(model.group_aware_consensus_[j]),
        }
        for j in bridging_order
        if not model.is_meta_[j]
    ]
    return {
        "participants": participants,
        "groups": groups,
        "consensus": {
            "agree": [str(s) for s in model.consensus_agree_.tolist()],
            "disagree": [str(s) for s in model.consensus_disagree_.tolist()],
        },
        "bridging": bridging,
        "statements": [
            {"id": str(sid), "priority": float(p), "extremity": float(e)}
            for sid, p, e in zip(
                model.statement_ids_.tolist(),
                model.priority_.tolist(),
                model.extremity_.tolist(),
                strict=True,
            )
        ],
    }


def _text(model: OpinionMap, comments: list[Comment]) -> str:
    """A readable report."""
    texts = {str(c.id): " ".join(c.text.split()) for c in comments}

    def label(statement: Any) -> str:
        text = texts.get(str(statement), "")
        return f"[{statement}] {text[:90]}" if text else f"[{statement}]"

    data = report(model)
    lines = [
        f"Opinion map ({model.engine_version_}, seed {model.random_state})",
        f"{len(data['participants'])} participants, {int(model.is_included_.sum())} clustered, "
        f"{len(data['statements'])} statements, {model.n_groups_} opinion groups",
        "",
    ]
    for group in data["groups"]:
        lines.append(f"Group {group['id']} ({group['size']} participants) stands for:")
        for rep in group["representative"]:
            lines.append(
                f"  {rep['direction']:>8}  {label(rep['statement'])}"
                f"  (agree {rep['agree_share']:.0%}, z {rep['z']:.2f})"
            )
        lines.append("")
    for direction in ("agree", "disagree"):
        lines.append(f"Most {direction} (consensus):")
        lines.extend(f"  {label(s)}" for s in data["consensus"][direction]) if data["consensus"][
            direction
        ] else lines.append("  (none)")
        lines.append("")
    lines.append("Bridging statements (group-aware consensus):")
    lines.extend(
        f"  {b['group_aware_consensus']:.3f}  {label(b['statement'])}" for b in data["bridging"][:5]
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the command; returns the exit status (2 for unreadable input)."""
    args = _parser().parse_args(argv)
    if args.command != "analyze":  # pragma: no cover - argparse enforces the choice
        return EXIT_BAD_INPUT
    if not args.path.is_dir():
        print(f"error: {args.path}: not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        export = read_export(args.path)
    except ExportFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    model = OpinionMap(random_state=args.seed).fit(
        export.votes, rejected=export.rejected, meta=export.meta
    )
    # Build the whole output before printing so that a failure never leaves partial output.
    output = (
        json.dumps(report(model), allow_nan=False) if args.json else _text(model, export.comments)
    )
    sys.stdout.write(output + "\n")
    return 0
