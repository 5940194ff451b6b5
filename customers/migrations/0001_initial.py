# Customer moves from conversations to customers: the table (lyo_users) stays as it is,
# only Django's record of which app owns the model changes (state only, no SQL).

import django.db.models.deletion
from django.db import migrations, models


def content_type_move(apps, schema_editor, *, old: str, new: str) -> None:
    """Keep the admin's history and any permissions attached to the customer model."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="customer").exists():
        ContentType.objects.using(db).filter(app_label=old, model="customer").update(app_label=new)


def forwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old="conversations", new="customers")


def backwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old="customers", new="conversations")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('tenants', '0007_drop_plaintext_api_tokens'),
        ('conversations', '0005_conversation_handoff_reason'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Customer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('whatsapp', 'WhatsApp'), ('instagram', 'Instagram'), ('chatwoot', 'Chatwoot'), ('test', 'Test')], max_length=16, verbose_name='channel')),
                        ('channel_user_id', models.CharField(blank=True, max_length=128, null=True, verbose_name='channel user id')),
                        ('phone', models.CharField(blank=True, max_length=32, null=True, verbose_name='phone')),
                        ('display_name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                        ('language', models.CharField(blank=True, choices=[('it', 'Italiano'), ('en', 'English')], help_text='The language the customer writes in; empty until known.', max_length=2, verbose_name='language')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='tenants.tenant', verbose_name='tenant')),
                    ],
                    options={
                        'verbose_name': 'customer',
                        'verbose_name_plural': 'customers',
                        'db_table': 'lyo_users',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('channel_user_id__isnull', False)), fields=('tenant', 'channel', 'channel_user_id'), name='uniq_customer_channel_user_id'), models.UniqueConstraint(condition=models.Q(('phone__isnull', False)), fields=('tenant', 'channel', 'phone'), name='uniq_customer_channel_phone'), models.CheckConstraint(condition=models.Q(('channel_user_id__isnull', False), ('phone__isnull', False), _connector='OR'), name='customer_has_an_identity')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
