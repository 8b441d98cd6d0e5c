"""Submission.fault: whose fault an ERROR is; earlier errors classified by their message."""

from django.db import migrations, models

# The two messages that said "our side" before the field existed (frozen copies).
OUR_FAULT_MESSAGES = (
    "We could not grade this submission because of a problem on our side, not in your code. "
    "It does not count as an attempt; please submit it again.",
    "This exercise cannot be graded right now: its own reference solution fails its tests. "
    "That is our mistake, not yours, and it does not count as an attempt.",
)


def classify_errors(apps, schema_editor):
    Submission = apps.get_model("exercises", "Submission")
    errors = Submission.objects.filter(status="error")
    errors.filter(message__in=OUR_FAULT_MESSAGES).update(fault="platform")
    errors.exclude(message__in=OUR_FAULT_MESSAGES).update(fault="submission")


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0002_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="fault",
            field=models.CharField(
                blank=True,
                choices=[
                    ("submission", "The submitted code could not be graded"),
                    ("platform", "Our side failed (not an attempt; regraded)"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.RunPython(classify_errors, migrations.RunPython.noop),
    ]
