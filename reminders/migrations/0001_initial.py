import django.core.validators
import django.db.models.deletion
import reminders.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReminderSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reminders_enabled', models.BooleanField(default=True, help_text='Remind customers of their bookings on the channel they booked on.')),
                ('hours_before', models.PositiveSmallIntegerField(default=24, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(168)], verbose_name='reminder (hours before)')),
                ('second_hours_before', models.PositiveSmallIntegerField(blank=True, help_text='Optional, e.g. 2; must be fewer hours than the first reminder.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(168)], verbose_name='second reminder (hours before)')),
                ('quiet_hours_start', models.TimeField(blank=True, help_text="Start of the quiet hours, in the business's time zone (e.g. 22:00): no reminder is sent from then...", null=True)),
                ('quiet_hours_end', models.TimeField(blank=True, help_text='...until this time (e.g. 08:00). A reminder due in between goes out when they end.', null=True)),
                ('notify_staff_changes', models.BooleanField(default=True, help_text='When staff book, move or cancel a booking for a customer, the customer gets a message.', verbose_name='tell customers about staff changes')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('tenant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_settings', to='tenants.tenant')),
            ],
            options={
                'verbose_name': 'reminders and templates',
                'verbose_name_plural': 'reminders and templates',
                'db_table': 'lyo_reminder_settings',
            },
        ),
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('reminder', 'Reminder'), ('staff_booked', 'Booking confirmed by staff'), ('staff_moved', 'Booking changed by staff'), ('staff_cancelled', 'Booking cancelled by staff')], max_length=20)),
                ('name', models.CharField(help_text="The template's name as approved in WhatsApp Manager, e.g. booking_reminder.", max_length=512, validators=[django.core.validators.RegexValidator('^[a-z0-9_]+$', 'Template names have lowercase letters, digits and _ only.')])),
                ('language', models.CharField(help_text="The code of the approved translation (it, en, en_US...). Customers get the template in their language when there is one, otherwise in the business's language.", max_length=15, validators=[django.core.validators.RegexValidator('^[a-z]{2,3}(_[A-Z]{2})?$', 'A language code as Meta writes it: it, en, en_US.')])),
                ('parameters', models.CharField(blank=True, default='customer_name,date,time,party_or_service,reference', help_text='What fills {{1}}, {{2}}, ... in order, comma-separated, from: customer_name, date, time, party_or_service, reference. Empty: the template has none.', max_length=200, validators=[reminders.models.validate_parameters])),
                ('confirm_cancel_buttons', models.BooleanField(default=False, help_text="Reminders: the template has two quick-reply buttons, Confirm first and Cancel second. Lyo then gives each the booking's code, so a tap acts on that very booking.", verbose_name='Confirm / Cancel buttons')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='tenants.tenant')),
            ],
            options={
                'db_table': 'lyo_message_templates',
                'ordering': ['purpose', 'language'],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'purpose', 'language'), name='uniq_template_purpose_language')],
            },
        ),
    ]
