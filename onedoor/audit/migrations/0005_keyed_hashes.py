"""The audit chain's hashes become keyed (HMAC-SHA256 with `settings.AUDIT_KEY`, ADR 34): the
rows written before are re-hashed under the key, from the first, only if the whole unkeyed
chain verifies; a broken one stops the migration, to be looked into (`verify_audit` on the
code before this one says where)."""

from typing import Any

from django.conf import settings
from django.db import migrations


def key_the_chain(apps: Any, schema_editor: Any) -> None:
    from onedoor.audit.trail import key_the_chain as rehash

    rehash(
        apps.get_model("audit", "AuditEvent").objects,
        apps.get_model("audit", "AuditHead").objects,
        settings.AUDIT_KEY,
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_alter_auditevent_action")]

    operations = [migrations.RunPython(key_the_chain, migrations.RunPython.noop)]
