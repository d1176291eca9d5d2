"""Settings from the environment: safe defaults, production passes check --deploy."""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from multitrack.env import ConfigurationError, envbool, envint, envlist, envsecret, envstr
from multitrack.web.checks import check_content_security_policy

# Production requires the keys that encrypt sensitive fields (tests/test_encryption_at_rest.py).
FIELD_KEYS = "k1:" + base64.b64encode(bytes(range(32))).decode()


def run_multitrack(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "-m", "multitrack", *args],
        env={**clean, "MULTITRACK_FIELD_KEYS": FIELD_KEYS, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    result = run_multitrack(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "MULTITRACK_PRODUCTION": "1",
            "SECRET_KEY": "x" * 64 + "-a-long-random-production-key",
            "ALLOWED_HOSTS": "dialogue.example.org",
            "MULTITRACK_VAR_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_multitrack(
        "check",
        env={
            "MULTITRACK_PRODUCTION": "1",
            "ALLOWED_HOSTS": "x.example.org",
            "MULTITRACK_VAR_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_development_generates_a_secret_key_once_and_keeps_it_private(tmp_path: Path) -> None:
    first = envsecret("MULTITRACK_TEST_UNSET_SECRET", keep_in=tmp_path / "secret_key")
    second = envsecret("MULTITRACK_TEST_UNSET_SECRET", keep_in=tmp_path / "secret_key")
    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_debug_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEBUG", raising=False)
    assert envbool("DEBUG", default=False) is False
    monkeypatch.setenv("DEBUG", "yes")
    assert envbool("DEBUG", default=False) is True


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_an_unclear_yes_or_no_is_an_error_not_a_guess(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MULTITRACK_TEST_FLAG", value)
    with pytest.raises(ConfigurationError, match="MULTITRACK_TEST_FLAG"):
        envbool("MULTITRACK_TEST_FLAG", default=False)


def test_numbers_and_lists_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MULTITRACK_TEST_NUMBER", "42")
    monkeypatch.setenv("MULTITRACK_TEST_LIST", "a.example, b.example,,")
    assert envint("MULTITRACK_TEST_NUMBER", default=1) == 42
    assert envlist("MULTITRACK_TEST_LIST", default=[]) == ["a.example", "b.example"]
    monkeypatch.setenv("MULTITRACK_TEST_NUMBER", "forty")
    with pytest.raises(ConfigurationError):
        envint("MULTITRACK_TEST_NUMBER", default=1)


def test_a_setting_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("MULTITRACK_TEST_KEY_FILE", str(secret_file))
    assert envstr("MULTITRACK_TEST_KEY") == "from-a-file"


@pytest.mark.parametrize(
    ("overrides", "warning_id"),
    [
        ({"SESSION_COOKIE_AGE": "1209600"}, "multitrack.W001"),
    ],
)
def test_our_own_deploy_checks_catch_what_django_misses(
    tmp_path: Path, overrides: dict[str, str], warning_id: str
) -> None:
    result = run_multitrack(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "MULTITRACK_PRODUCTION": "1",
            "SECRET_KEY": "x" * 64 + "-a-long-random-production-key",
            "ALLOWED_HOSTS": "dialogue.example.org",
            "MULTITRACK_VAR_DIR": str(tmp_path),
            **overrides,
        },
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert warning_id in result.stderr + result.stdout


def test_development_cookies_are_flagged_by_the_deploy_checks(tmp_path: Path) -> None:
    result = run_multitrack(
        "check", "--deploy", env={"MULTITRACK_VAR_DIR": str(tmp_path)}, cwd=tmp_path
    )
    assert "multitrack.W002" in result.stderr + result.stdout


def csp_warnings(settings: Any) -> list[str]:
    return [warning.id for warning in check_content_security_policy(None)]


def test_the_content_security_policy_passes_our_deploy_check(settings: Any) -> None:
    assert csp_warnings(settings) == []


def test_a_missing_csp_middleware_is_flagged(settings: Any) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    assert csp_warnings(settings) == ["multitrack.W004"]


def test_a_missing_policy_is_flagged(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = None
    assert csp_warnings(settings) == ["multitrack.W004"]


@pytest.mark.parametrize(
    ("script_sources", "warning_ids"),
    [
        (["'self'", "'unsafe-inline'"], ["multitrack.W004"]),
        (["'self'", "'unsafe-eval'"], ["multitrack.W004"]),
        (["'self'", "https:"], ["multitrack.W004", "multitrack.W005"]),
        (["'self'", "cdn.jsdelivr.net"], ["multitrack.W005"]),
        (["'self'", "'sha256-abc='"], []),
    ],
)
def test_unsafe_or_foreign_script_sources_are_flagged(
    settings: Any, script_sources: list[str], warning_ids: list[str]
) -> None:
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"] = script_sources
    settings.CONTENT_SECURITY_POLICY = policy
    assert csp_warnings(settings) == warning_ids


@pytest.mark.parametrize(
    ("directive", "source"),
    [
        ("style-src", "https://fonts.googleapis.com"),
        ("font-src", "fonts.gstatic.com"),
        ("img-src", "*"),
        ("connect-src", "wss://example.org"),
        ("report-uri", "https://reports.example.org/csp"),
    ],
)
def test_a_foreign_host_in_any_directive_is_flagged(
    settings: Any, directive: str, source: str
) -> None:
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"].setdefault(directive, ["'self'"]).append(source)
    settings.CONTENT_SECURITY_POLICY = policy
    assert csp_warnings(settings) == ["multitrack.W005"]


def test_a_report_uri_on_this_host_is_not_foreign(settings: Any) -> None:
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["report-uri"] = ["/csp-reports/"]
    policy["DIRECTIVES"]["upgrade-insecure-requests"] = True
    settings.CONTENT_SECURITY_POLICY = policy
    assert csp_warnings(settings) == []


def test_production_without_a_csp_fails_check_deploy(tmp_path: Path) -> None:
    settings_module = tmp_path / "no_csp_settings.py"
    settings_module.write_text(
        "from multitrack.settings import *  # noqa: F403\n"
        "MIDDLEWARE.remove('csp.middleware.CSPMiddleware')  # noqa: F405\n"
    )
    result = run_multitrack(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "MULTITRACK_PRODUCTION": "1",
            "SECRET_KEY": "x" * 64 + "-a-long-random-production-key",
            "ALLOWED_HOSTS": "dialogue.example.org",
            "MULTITRACK_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "no_csp_settings",
            "PYTHONPATH": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "multitrack.W004" in result.stderr + result.stdout


def test_production_counts_limits_in_a_cache_every_process_shares(tmp_path: Path) -> None:
    result = run_multitrack(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        env={
            "MULTITRACK_PRODUCTION": "1",
            "SECRET_KEY": "x" * 64 + "-a-long-random-production-key",
            "ALLOWED_HOSTS": "dialogue.example.org",
            "MULTITRACK_VAR_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.db.DatabaseCache"


def test_an_unknown_cache_kind_is_refused(tmp_path: Path) -> None:
    result = run_multitrack(
        "check",
        env={"MULTITRACK_CACHE": "redis", "MULTITRACK_VAR_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "MULTITRACK_CACHE must be 'memory' or 'database'" in result.stderr
