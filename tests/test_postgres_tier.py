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


def test_make_run_postgres_without_postgresql_fails_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # --required (scripts/run-postgres) is never skipped, with or without CI, and never
    # borrows the test tier's TEST_DATABASE_URL: with it, `true` would have run and passed.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TEST_DATABASE_URL", "postgres://onedoor@127.0.0.1:9/onedoor")
    monkeypatch.setattr(postgres, "find_binaries", _without_binaries)
    assert postgres.main(["--required", "--", "true"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "Cannot start PostgreSQL: no PostgreSQL server binaries found. Install the PostgreSQL "
        "server (15 or later), or set ONEDOOR_PG_BINDIR to the folder that holds its initdb.\n",
    )
