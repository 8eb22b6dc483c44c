"""Where there is no PostgreSQL, its tier is skipped with one clear line; under CI=true that
is a failure, so a CI run can never pass without the PostgreSQL tier."""

from __future__ import annotations

import pytest

from onedoor.testing import postgres


def _without_binaries(env: object) -> postgres.Binaries:
    raise postgres.Unavailable("no PostgreSQL server binaries found")


def test_without_postgresql_the_tier_is_skipped_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(postgres, "find_binaries", _without_binaries)
    assert postgres.main(["--", "false"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("PostgreSQL tier skipped: no PostgreSQL server binaries found\n", "")


def test_without_postgresql_under_ci_the_tier_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(postgres, "find_binaries", _without_binaries)
    assert postgres.main(["--", "true"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    reason = "no PostgreSQL server binaries found"
    assert err == f"PostgreSQL tier failed: {reason} (CI=true requires PostgreSQL)\n"
