"""On PostgreSQL: pg_trgm and a trigram index on family names for matching. Nothing on
SQLite, where onedoor.referrals.candidates computes the same similarity in Python."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS children_child_family_trgm "
    "ON children_child USING gin (match_family_name gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS children_child_family_trgm"]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("children", "0002_child_address_line_1_child_address_line_2_and_more")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
