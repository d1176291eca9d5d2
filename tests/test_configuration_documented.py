"""Every environment variable the app reads is in the README's table, and the deployment files
name only variables the app reads: an operator never has to read the source to configure it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "src" / "multitrack"
ENV_READERS = {"envstr", "envbool", "envint", "envlist", "envsecret"}


def variables_the_app_reads() -> set[str]:
    """Names passed to the env helpers, and module constants named ``*_ENV`` (key variables)."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ENV_READERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("_ENV")
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                names.add(node.value.value)
    return names


def variables_in_the_readme_table() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }


def test_the_finder_sees_the_variables_we_know_of() -> None:
    read = variables_the_app_reads()
    assert {"DATABASE_URL", "SECRET_KEY", "MULTITRACK_FIELD_KEYS", "MULTITRACK_BACKUP_KEY"} <= read


def test_every_variable_the_app_reads_is_in_the_readme_table() -> None:
    missing = variables_the_app_reads() - variables_in_the_readme_table()
    assert not missing, f"add these to the README's Configuration table: {sorted(missing)}"


def test_the_readme_table_names_no_variable_the_app_ignores() -> None:
    stale = variables_in_the_readme_table() - variables_the_app_reads()
    assert not stale, f"the README documents variables nothing reads: {sorted(stale)}"


def test_the_deployment_environment_file_names_only_variables_the_app_reads() -> None:
    example = (REPO / "deploy" / "multitrack.env.example").read_text(encoding="utf-8")
    named = {
        line.split("=", 1)[0].removesuffix("_FILE")
        for line in example.splitlines()
        if line and not line.startswith("#")
    }
    assert named, "deploy/multitrack.env.example names no variable"
    unknown = named - variables_the_app_reads()
    assert not unknown, f"deploy/multitrack.env.example names unknown variables: {sorted(unknown)}"
