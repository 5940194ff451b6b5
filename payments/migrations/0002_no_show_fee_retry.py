# A no-show fee the card refused may be tried again: only a fee that is not a failure is unique per booking.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_payment_policy"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="payment",
            name="uniq_payment_no_show_fee",
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "no_show_fee"), models.Q(("status", "failed"), _negated=True)),
                fields=("appointment",),
                name="uniq_payment_no_show_fee",
            ),
        ),
    ]
