"""One child, one waiting place: a referral confirmed to be about a child with an open
referral joins it (status "joined", `joined_to`), and the child record a confirmed match
retires is kept (`RetiredChild`) so that the match can be undone."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0007_gp_practice_file"),
        ("children", "0005_created_by_the_clock"),
        ("referrals", "0011_gp_practice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="joined_to",
            field=models.ForeignKey(
                blank=True,
                help_text="The child's open referral this one joined (status joined).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="joined",
                to="referrals.referral",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="status",
            field=models.CharField(
                choices=[
                    ("awaiting_triage", "Awaiting triage"),
                    ("more_information", "More information needed"),
                    ("awaiting_sign_off", "Awaiting clinical lead sign-off"),
                    ("allocated", "Allocated to a partner"),
                    ("waiting", "Waiting (Waiting Well)"),
                    ("in_intervention", "In intervention"),
                    ("in_transition", "In transition"),
                    ("signposted", "Advice and signposting"),
                    ("stepped_up", "Stepped up"),
                    ("safeguarding_referral", "Referred to children's social care"),
                    ("not_accepted", "Not accepted"),
                    ("discharged", "Discharged"),
                    ("joined", "Joined the child's open referral"),
                ],
                db_index=True,
                default="awaiting_triage",
                max_length=30,
            ),
        ),
        migrations.CreateModel(
            name="RetiredChild",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("child_uuid", models.UUIDField()),
                (
                    "record",
                    models.JSONField(
                        help_text="The child's row as `django.core.serializers` wrote it."
                    ),
                ),
                ("confirmed_at", models.DateTimeField()),
                (
                    "carers",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="children.carercontact"
                    ),
                ),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "events",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="children.timelineevent"
                    ),
                ),
                (
                    "groups_added",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The priority groups the known child gained with the match.",
                        related_name="+",
                        to="alliance.prioritygroup",
                    ),
                ),
                (
                    "referral",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="retired_child",
                        to="referrals.referral",
                    ),
                ),
            ],
        ),
    ]
