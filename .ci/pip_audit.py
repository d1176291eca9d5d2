"""`make audit`: every installed dependency checked against a vulnerability database, or a failure.

Asks PyPI's vulnerability data first, then OSV (``pip-audit -s osv``). pip-audit alone prints
"No known vulnerabilities found" and exits 0 when it could audit nothing at all (PyPI answering
404 for every package), so this wrapper counts what was actually audited: if any dependency was
skipped by both services, it fails with "could not reach vulnerability data". A vulnerability
fails the run unless its id is listed in .ci/pip-audit-accepted.txt with a reason (and in
docs/security-findings.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCEPTED = HERE / "pip-audit-accepted.txt"
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
UNREACHABLE = 3


def accepted_ids() -> dict[str, str]:
    """Vulnerability ids we accept, each with its reason (``ID  reason`` per line)."""
    if not ACCEPTED.exists():
        return {}
    accepted = {}
    for line in ACCEPTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            vuln_id, _, reason = line.strip().partition(" ")
            if not reason.strip():
                sys.exit(f"{ACCEPTED.name}: {vuln_id} has no reason; say why it is acceptable.")
            accepted[vuln_id] = reason.strip()
    return accepted


def audit(service: str) -> tuple[list[dict], list[str]] | None:
    """(dependencies with their vulnerabilities, skipped names), or None if unreachable."""
    command = [str(PIP_AUDIT), "--local", "--skip-editable", "--progress-spinner", "off"]
    command += ["--vulnerability-service", service, "--format", "json", "--desc", "off"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit -s {service}: no report ({last[:200]})", file=sys.stderr)
        return None
    dependencies = report.get("dependencies", [])
    skipped = [d["name"] for d in dependencies if d.get("skip_reason")]
    if dependencies and len(skipped) == len(dependencies):
        print(
            f"pip-audit -s {service}: every one of {len(dependencies)} dependencies was skipped "
            f"({dependencies[0]['skip_reason']})",
            file=sys.stderr,
        )
        return None
    return dependencies, skipped


def main() -> int:
    accepted = accepted_ids()
    for service in ("pypi", "osv"):
        result = audit(service)
        if result is None:
            continue
        dependencies, skipped = result
        if skipped:
            print(f"pip-audit -s {service}: could not audit {', '.join(skipped)}", file=sys.stderr)
            continue
        found = [
            (dependency["name"], dependency["version"], vuln)
            for dependency in dependencies
            for vuln in dependency.get("vulns", [])
            if vuln["id"] not in accepted and not set(vuln.get("aliases", [])) & set(accepted)
        ]
        for name, version, vuln in found:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            print(f"{name} {version}: {vuln['id']} (fixed in {fixed})")
        print(
            f"pip-audit -s {service}: {len(dependencies)} dependencies audited, "
            f"{len(found)} vulnerabilities not accepted in {ACCEPTED.name}."
        )
        return 1 if found else 0
    print(
        "make audit: could not reach vulnerability data (neither PyPI's nor OSV's). "
        "Nothing was audited: this is a failure, not a pass.",
        file=sys.stderr,
    )
    return UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
