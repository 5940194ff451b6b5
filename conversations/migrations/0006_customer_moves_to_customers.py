# Customer moved to the customers app: the table (lyo_users), its constraints and the
# foreign keys to it stay as they are; only Django's state changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0005_conversation_handoff_reason'),
        ('customers', '0001_initial'),
        ('bookings', '0006_appointment_customer_in_customers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='conversation',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conversations', to='customers.customer', verbose_name='customer'),
                ),
                migrations.DeleteModel(name='Customer'),
            ],
            database_operations=[],
        ),
    ]
