"""`make bench`: the benchmarks of issue 17 on a seeded database, as a table and as JSON.

    python -m onedoor.bench [--postgres] [--only B1,B5|module,...] [--skip B7|module,...]

It migrates a database, loads the demo's alliance, seeds `BENCH_CHILDREN` synthetic children
(100,000 by default) with the demo's accounts and months of snapshots, then runs each module
of `onedoor.bench.MODULES` (`run(context) -> list[Row]`), prints every row (benchmark, what,
value, unit, goal, holds) and writes them with the run's facts to `BENCH_OUTPUT`
(var/bench/results.json). A module not written yet is skipped with one line; a module that
fails is reported and the others still run (the exit code is then 1).

- SQLite by default: a scratch file, or the file `BENCH_DATABASE` names, which is kept, so a
  second run only tops up the seeding (100,000 children take the best part of 15 minutes).
- `--postgres`: the same on a throwaway PostgreSQL cluster (`onedoor.testing.postgres`), or on
  the cluster kept in the folder `BENCH_PGDATA` names; `ANALYZE` runs after the seeding.
- `BENCH_REPEAT` scales how many times each measurement is repeated (1 by default).

Compare runs on the same machine: the goals are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from onedoor.bench import BENCHMARKS, MODULES
from onedoor.bench.harness import REPEAT, Context
from onedoor.bench.measure import Row, table

CHILDREN = 100_000
OUTPUT = Path("var") / "bench" / "results.json"
PASSWORD = "bench-password-1"  # noqa: S105 (the scratch database's demo accounts)
# Set by the outer run for the one inside the PostgreSQL cluster.
IN_CLUSTER = "--in-cluster"


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def chosen_modules(only: str, skip: str) -> list[str]:
    """The modules to run, in `MODULES`' order: those named (or measuring the benchmarks
    named) in `only`, all when it is empty, less those in `skip`."""
    known = set(MODULES)

    def modules(text: str) -> set[str]:
        named = set()
        for name in _names(text):
            module = BENCHMARKS.get(name.upper(), name)
            if module not in known:
                raise SystemExit(f"bench: no benchmark or module {name!r} (see onedoor.bench)")
            named.add(module)
        return named

    wanted = modules(only) if only.strip() else known
    return [name for name in MODULES if name in wanted - modules(skip)]


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m onedoor.bench", description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--only", default="", help="benchmarks or modules, comma-separated")
    parser.add_argument("--skip", default="", help="benchmarks or modules, comma-separated")
    parser.add_argument(IN_CLUSTER, action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _arguments(argv)
    chosen = chosen_modules(args.only, args.skip)  # a wrong name fails before any seeding
    if args.postgres and not args.in_cluster:
        from onedoor.testing.postgres import run_on_cluster

        kept = os.environ.get("BENCH_PGDATA", "").strip()
        command = [sys.executable, "-m", "onedoor.bench", *argv, IN_CLUSTER]
        return run_on_cluster(command, required=True, keep=Path(kept) if kept else None)
    return _run(chosen, on_cluster=args.in_cluster)


def _environment(on_cluster: bool) -> Path | None:
    """Django's settings for the run; the SQLite file, or None on the PostgreSQL cluster
    (`DATABASE_URL`, which the cluster sets; any other is never used: the bench migrates and
    seeds the database it runs on)."""
    database = None
    if not on_cluster:
        os.environ.pop("DATABASE_URL", None)
        kept = os.environ.get("BENCH_DATABASE", "").strip()
        if kept:
            database = Path(kept)
        else:
            database = Path(tempfile.mkdtemp(prefix="onedoor-bench-")) / "bench.sqlite3"
        os.environ["SQLITE_PATH"] = str(database)
    os.environ.update(
        {
            "ONEDOOR_TESTING": "1",
            "OTP_REQUIRED": "false",
            "DJANGO_SETTINGS_MODULE": "onedoor.settings",
            "ALLOWED_HOSTS": "testserver",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    return database


def _say(text: str) -> None:
    print(text, flush=True)


class _Seeding:
    """The seeding's progress, a line each tenth (100,000 children take minutes)."""

    def __init__(self) -> None:
        self.said = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth != self.said:
            self.said = tenth
            _say(f"bench: seeding, {done:,} of {total:,} children")


def load_module(name: str) -> ModuleType | None:
    """The benchmark module `name`; None, after one line, when it is not written yet."""
    try:
        return importlib.import_module(f"onedoor.bench.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"onedoor.bench.{name}":
            raise
    _say(f"bench: {name}: not written yet, skipped")
    return None


def _run(chosen: list[str], *, on_cluster: bool) -> int:
    children = int(os.environ.get("BENCH_CHILDREN", str(CHILDREN)))
    scale = float(os.environ.get("BENCH_REPEAT", "1"))
    output = Path(os.environ.get("BENCH_OUTPUT", "") or OUTPUT)
    sqlite_file = _environment(on_cluster)
    # WhiteNoise looks for collected static files, which the test client does not need.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from onedoor import clock
    from onedoor.alliance.loader import DEFAULT_FILE, load
    from onedoor.children.models import Child
    from onedoor.demo.history import seed_snapshot_history
    from onedoor.demo.population import ensure_demo_accounts, seed_population
    from onedoor.insights.models import StateSnapshot

    started = clock.now()
    where = sqlite_file or "PostgreSQL"
    _say(f"bench: {children:,} children on {connection.vendor} ({where})")
    call_command("migrate", verbosity=0)
    alliance = load(DEFAULT_FILE)
    ensure_demo_accounts(alliance, PASSWORD)
    start = time.perf_counter()
    if Child.objects.filter(alliance=alliance).count() < children:
        seed_population(alliance, children, progress=_Seeding())
    if not StateSnapshot.objects.exists():
        seed_snapshot_history(alliance)
    seeded = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    present = Child.objects.filter(alliance=alliance).count()
    _say(f"bench: seeded in {seeded:.1f} s; {present:,} children in the database")

    context = Context(
        children=present,
        vendor=connection.vendor,
        repeat=max(3, round(REPEAT * scale)),
        database=connection.settings_dict,
        scale=scale,
        alliance=alliance,
    )
    rows: list[Row] = []
    ran, missing, failed = [], [], []
    for name in chosen:
        module = load_module(name)
        if module is None:
            missing.append(name)
            continue
        _say(f"bench: {name} ...")
        start = time.perf_counter()
        context.beat()
        try:
            measured = module.run(context)
        except Exception:
            traceback.print_exc()
            _say(f"bench: {name} failed")
            failed.append(name)
            continue
        _say(f"bench: {name} took {time.perf_counter() - start:.1f} s")
        rows.extend(measured)
        ran.append(name)

    _say("")
    _say(table(rows))
    facts = {
        "children": present,
        "vendor": connection.vendor,
        "started": started.isoformat(),
        "finished": clock.now().isoformat(),
        "seconds_seeding": round(seeded, 1),
        "repeat": context.repeat,
        "scale": scale,
        "modules": ran,
        "not_written": missing,
        "failed": failed,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    results = {"run": facts, "rows": [row.as_json() for row in rows]}
    output.write_text(json.dumps(results, indent=2) + "\n")
    _say(f"\nbench: written to {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
