"""Benchmark of the opinion engine, CSV to JSON, against red-dwarf 0.4.0 where available.

Usage: ``.venv/bin/python bench/run.py [--quick]``. Each case runs in its own process; its peak
memory is that process's maximum resident set size (``os.wait4`` rusage), so cases do not
pollute each other. Synthetic data is generated once under ``bench/.data``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / ".data"
OPENDATA = REPO / ".." / "shared" / "data" / "polis-opendata"
REDDWARF_VENV = HERE / ".venv-reddwarf"
REDDWARF_VERSION = "0.4.0"

QUICK = [(2_000, 100, 60_000)]
FULL = [(20_000, 500, 1_000_000), (200_000, 2_000, 10_000_000), (1_000_000, 1_000, 10_000_000)]


def child_env() -> dict[str, str]:
    """The environment for cases: without the OpenBLAS core-type override that slows NumPy."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def measure(command: list[str]) -> tuple[dict | None, float, float, str]:
    """Run a command; its JSON output line, wall seconds, peak MiB and stderr tail.

    ``os.wait4`` returns the resource usage of exactly that child, so its ``ru_maxrss`` is
    the case's own peak (KiB on Linux).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=child_env(), text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if process.returncode == 0 and lines else None
    return result, wall, usage.ru_maxrss / 1024, (stderr.strip().splitlines() or [""])[-1]


def synthetic(n_participants: int, n_statements: int, n_votes: int) -> Path:
    folder = DATA / f"synthetic-{n_participants}x{n_statements}-{n_votes}"
    if not (folder / "comments.csv").exists():
        print(f"generating {folder.name} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "synth.py"),
                str(folder),
                "--participants",
                str(n_participants),
                "--statements",
                str(n_statements),
                "--votes",
                str(n_votes),
            ],
            check=True,
        )
    return folder


def reddwarf_ready() -> str | None:
    """None when red-dwarf can run, else why not."""
    python = REDDWARF_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REDDWARF_VENV)], check=False)
    check = subprocess.run([str(python), "-c", "import reddwarf"], capture_output=True, check=False)
    if check.returncode != 0:
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"red-dwarf=={REDDWARF_VERSION}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0:
            return "pip install failed: " + install.stderr.strip().splitlines()[-1]
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--no-reddwarf", action="store_true")
    args = parser.parse_args()
    sizes = QUICK if args.quick else QUICK + FULL
    cases: list[tuple[str, Path]] = []
    if OPENDATA.exists():
        cases += [(f"polis-opendata/{p.name}", p) for p in sorted(OPENDATA.iterdir()) if p.is_dir()]
    else:
        print(f"(polis-opendata not found at {OPENDATA}: skipped)")
    cases += [(f"synthetic {p:,} x {s:,}", synthetic(p, s, v)) for p, s, v in sizes]

    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; OPENBLAS_CORETYPE unset for cases"
    )
    header = (
        f"{'data':<52} {'votes':>11} {'read s':>7} {'fit s':>7} {'total s':>8} "
        f"{'peak MiB':>9} {'groups':>6} {'ARI':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, folder in cases:
        result, wall, peak, error = measure([sys.executable, str(HERE / "case.py"), str(folder)])
        if result is None:
            print(f"{name:<52} FAILED: {error}")
            continue
        ari = "" if result["ari"] is None else f"{result['ari']:.3f}"
        print(
            f"{name:<52} {result['votes']:>11,} {result['read']:>7.2f} {result['fit']:>7.2f} "
            f"{wall:>8.2f} {peak:>9.0f} {result['groups']:>6} {ari:>6}",
            flush=True,
        )

    if args.no_reddwarf:
        return 0
    target = synthetic(*(QUICK[0] if args.quick else FULL[0]))
    why_not = reddwarf_ready()
    if why_not:
        print(f"\nred-dwarf {REDDWARF_VERSION} could not be installed, so no comparison: {why_not}")
        return 0
    ours, ours_wall, ours_peak, _ = measure([sys.executable, str(HERE / "case.py"), str(target)])
    theirs, theirs_wall, theirs_peak, error = measure(
        [str(REDDWARF_VENV / "bin" / "python"), str(HERE / "reddwarf_case.py"), str(target)]
    )
    print(f"\nSame file ({target.name}), whole process CSV -> result:")
    print(f"  multitrack: {ours_wall:.2f} s wall ({ours['fit']:.2f} s fit), {ours_peak:.0f} MiB")
    if theirs is None:
        print(f"  red-dwarf {REDDWARF_VERSION}: FAILED: {error}")
    else:
        print(
            f"  red-dwarf {REDDWARF_VERSION}: {theirs_wall:.2f} s wall "
            f"({theirs['fit']:.2f} s fit), {theirs_peak:.0f} MiB"
        )
        print(
            f"  speed-up (wall): {theirs_wall / ours_wall:.1f}x; "
            f"(fit): {theirs['fit'] / ours['fit']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
