"""When and by whom each referral was signposted, and a triage lead's overrule of the
eligibility rules. Referrals already signposted get the moment it happened: on receipt when
the rules turned them away, else when the triage decision of advice took effect."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def signposted_when(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    TriageDecision = apps.get_model("triage", "TriageDecision")
    for referral in Referral.objects.filter(status="signposted", signposted_at__isnull=True):
        decision = (
            TriageDecision.objects.filter(referral=referral, outcome="advice")
            .order_by("-decided_at", "-pk")
            .first()
        )
        if referral.eligible and decision is not None:
            signed = decision.signed_off_at is not None
            referral.signposted_at = decision.signed_off_at if signed else decision.decided_at
            referral.signposted_by_id = (
                decision.signed_off_by_id if signed else decision.decided_by_id
            )
        else:
            referral.signposted_at = referral.received_at
        referral.save(update_fields=["signposted_at", "signposted_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0004_audit_criteria"),
        ("children", "0005_created_by_the_clock"),
        ("referrals", "0008_kpi_indexes"),
        ("triage", "0007_safeguarding_escalation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="eligibility_overrule_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="referral",
            name="eligibility_overruled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="referral",
            name="eligibility_overruled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="signposted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="referral",
            name="signposted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("signposted_at__isnull", False)),
                fields=["signposted_at", "id"],
                name="signposted_by_day",
            ),
        ),
        migrations.RunPython(signposted_when, migrations.RunPython.noop),
    ]
