from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lti", "0001_lms_links_and_score_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoreoutbox",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="scoreoutbox",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
