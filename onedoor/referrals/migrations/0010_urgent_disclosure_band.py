"""Three bands in the triage queue: a referral that discloses a risk to life and has not been
screened goes above red referrals a clinician has not reviewed (`referrals/bands.py`), and the
queue orders by arrival within a deadline. Existing rows get their band again: red
unreviewed 0 -> 1, everything else 1 -> 2, and an unscreened disclosure of suicidal
thoughts, self-harm or harm to others -> 0."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, Q, Value, When

URGENT = Q(self_harm=True) | Q(suicidal_thoughts=True) | Q(harm_to_others=True)


def three_bands(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Referral.objects.update(
        queue_band=Case(
            When(URGENT & Q(risk_rating=""), then=Value(0)),
            When(queue_band=0, then=Value(1)),
            default=Value(2),
        )
    )


def two_bands(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Referral.objects.update(queue_band=Case(When(queue_band=1, then=Value(0)), default=Value(1)))


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0006_urgent_screening_hours"),
        ("children", "0005_created_by_the_clock"),
        ("referrals", "0009_signposted_in_sight"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="referral",
            name="triage_queue_order",
        ),
        migrations.AlterField(
            model_name="referral",
            name="queue_band",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                fields=["queue_band", "triage_due_at", "received_at", "id"],
                name="triage_queue_order",
            ),
        ),
        migrations.RunPython(three_bands, two_bands),
    ]
