# Joins the three inbox branches made in parallel (triage, replies, sentiment); changes nothing itself.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0003_triage"),
        ("inbox", "0004_replies"),
        ("inbox", "0005_sentiment"),
    ]

    operations = []
