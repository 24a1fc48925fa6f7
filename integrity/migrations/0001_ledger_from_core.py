"""The ledger's tables become the integrity app's models: state only, the tables keep their
names (``db_table``) and their indexes and constraints, so no SQL runs. The content types
follow the models."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from integrity.migration_state import content_types_step

MOVED = [
    "checkpoint",
    "evidencebundle",
    "heldcheckpoint",
    "ledgerentry",
    "retiredvalue",
    "verificationrun",
]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("aims_portal", "0013_history_version_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Checkpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sequence', models.BigIntegerField()),
                        ('head_hash', models.CharField(max_length=64)),
                        ('signed_at', models.DateTimeField()),
                        ('signature', models.CharField(blank=True, max_length=128)),
                        ('key_fingerprint', models.CharField(max_length=64)),
                        ('root_hash', models.CharField(blank=True, max_length=64)),
                        ('note', models.TextField(blank=True)),
                        ('tsa_token', models.BinaryField(blank=True, null=True)),
                        ('tsa_time', models.DateTimeField(blank=True, null=True)),
                        ('made_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'aims_portal_checkpoint',
                        'ordering': ['-sequence', '-signed_at'],
                        'get_latest_by': 'signed_at',
                    },
                ),
                migrations.CreateModel(
                    name='LedgerEntry',
                    fields=[
                        ('sequence', models.BigIntegerField(primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('history', 'Record version'), ('attestation', 'Attestation')], max_length=20)),
                        ('covered_model', models.CharField(help_text='app_label.model of the row', max_length=100)),
                        ('covered_id', models.BigIntegerField()),
                        ('content_hash', models.CharField(max_length=64)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('entry_hash', models.CharField(max_length=64)),
                        ('tree_nodes', models.BinaryField(default=b'')),
                    ],
                    options={
                        'verbose_name': 'ledger entry',
                        'verbose_name_plural': 'ledger entries',
                        'db_table': 'aims_portal_ledgerentry',
                        'ordering': ['sequence'],
                        'indexes': [models.Index(fields=['covered_model', 'covered_id'], name='ledger_covered')],
                    },
                ),
                migrations.CreateModel(
                    name='RetiredValue',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('covered_model', models.CharField(help_text='app_label.model of the row', max_length=100)),
                        ('covered_id', models.BigIntegerField()),
                        ('values', models.JSONField(help_text='attname -> canonical value')),
                    ],
                    options={
                        'db_table': 'aims_portal_retiredvalue',
                        'constraints': [models.UniqueConstraint(fields=('covered_model', 'covered_id'), name='retired_once')],
                    },
                ),
                migrations.CreateModel(
                    name='EvidenceBundle',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('deadline', models.DateTimeField(blank=True, editable=False, help_text='Marked failed when still unfinished at this time (see aims_portal.jobs).', null=True)),
                        ('area', models.CharField(blank=True, help_text='Blank: the whole AIMS', max_length=30)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('building', 'Building'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('progress', models.PositiveSmallIntegerField(default=0)),
                        ('entries', models.BigIntegerField(default=0)),
                        ('records', models.BigIntegerField(default=0)),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('size', models.BigIntegerField(default=0)),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('error', models.TextField(blank=True)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'aims_portal_evidencebundle',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(condition=models.Q(('status__in', ['queued', 'building'])), fields=['deadline'], name='bundle_unfinished')],
                    },
                ),
                migrations.CreateModel(
                    name='HeldCheckpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.TextField()),
                        ('tree_size', models.BigIntegerField()),
                        ('root_hash', models.CharField(max_length=64)),
                        ('source', models.CharField(choices=[('downloaded', 'Downloaded'), ('uploaded', 'Brought by the user')], max_length=12)),
                        ('held_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'aims_portal_heldcheckpoint',
                        'ordering': ['-held_at', '-pk'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'tree_size', 'root_hash'), name='held_once')],
                    },
                ),
                migrations.CreateModel(
                    name='VerificationRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('deadline', models.DateTimeField(blank=True, editable=False, help_text='Marked failed when still unfinished at this time (see aims_portal.jobs).', null=True)),
                        ('started_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('ok', 'Intact'), ('failed', 'Tampering detected'), ('error', 'Could not finish')], default='running', max_length=10)),
                        ('entries_checked', models.BigIntegerField(default=0)),
                        ('rows_checked', models.BigIntegerField(default=0)),
                        ('checkpoints_checked', models.IntegerField(default=0)),
                        ('records_checked', models.BigIntegerField(default=0)),
                        ('anchored_size', models.BigIntegerField(default=0)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('more_problems', models.BooleanField(default=False)),
                        ('error', models.TextField(blank=True)),
                        ('triggered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'aims_portal_verificationrun',
                        'ordering': ['-started_at', '-pk'],
                        'get_latest_by': 'started_at',
                        'indexes': [models.Index(condition=models.Q(('status__in', ['queued', 'running'])), fields=['deadline'], name='verification_unfinished')],
                    },
                ),
            ],
        ),
        content_types_step("aims_portal", "integrity", MOVED),
    ]
