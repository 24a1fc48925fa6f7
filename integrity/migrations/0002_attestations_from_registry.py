"""Attestations and their tokens (with the tokens' history) become the integrity app's
models: state only, the registry's tables keep their names, indexes and constraints, so no
SQL runs. The content types follow the models; the ledger keeps calling their rows by their
registry labels (integrity.labels)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import aims_portal.models
import registry.models.lineage
from integrity.migration_state import content_types_step

MOVED = [
    "attestation",
    "attestationidempotencykey",
    "attestationtoken",
    "historicalattestationtoken",
]


class Migration(migrations.Migration):

    dependencies = [
        ('integrity', '0001_ledger_from_core'),
        ('registry', '0011_history_version_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AttestationToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('name', models.CharField(help_text='Which gateway or job uses it.', max_length=100)),
                        ('key_prefix', models.CharField(help_text='The start of the key, to recognise it in logs.', max_length=16)),
                        ('key_hash', models.CharField(max_length=64, unique=True)),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoke_reason', models.CharField(blank=True, editable=False, max_length=500)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('revoked_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('system', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attestation_tokens', to='registry.aisystem', verbose_name='AI system')),
                    ],
                    options={
                        'verbose_name': 'attestation API token',
                        'db_table': 'registry_attestationtoken',
                        'ordering': ['-created_at', '-id'],
                    },
                    bases=(registry.models.lineage.SystemOwned, aims_portal.models.AtomicSaveMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='AttestationIdempotencyKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(help_text='SHA-256 of the endpoint and the canonical request body.', max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('response', models.TextField(help_text='The JSON answer, exactly as first sent.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('token', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='idempotency_keys', to='integrity.attestationtoken')),
                    ],
                    options={
                        'db_table': 'registry_attestationidempotencykey',
                        'constraints': [models.UniqueConstraint(fields=('token', 'key'), name='attestation_idempotency_key')],
                    },
                ),
                migrations.CreateModel(
                    name='Attestation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('input_sha256', models.CharField(max_length=64, verbose_name='input SHA-256')),
                        ('output_sha256', models.CharField(max_length=64, verbose_name='output SHA-256')),
                        ('decision', models.CharField(choices=[('allowed', 'Delivered as produced'), ('modified', 'Delivered after modification'), ('blocked', 'Withheld'), ('escalated', 'Sent for human review'), ('overridden', 'Replaced by a human decision')], max_length=12)),
                        ('metadata', models.JSONField(blank=True, default=dict)),
                        ('occurred_at', models.DateTimeField(help_text="When the output was produced (the gateway's clock).", verbose_name='produced at')),
                        ('recorded_at', models.DateTimeField(help_text="The portal's clock.", verbose_name='registered at')),
                        ('model_version', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='attestations', to='registry.modelversion')),
                        ('system', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='attestations', to='registry.aisystem', verbose_name='AI system')),
                        ('token', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attestations', to='integrity.attestationtoken')),
                    ],
                    options={
                        'db_table': 'registry_attestation',
                        'ordering': ['-id'],
                        'indexes': [models.Index(fields=['system', '-id'], name='attestation_system'), models.Index(fields=['model_version', '-id'], name='attestation_version'), models.Index(fields=['output_sha256'], name='attestation_output'), models.Index(fields=['input_sha256'], name='attestation_input')],
                    },
                    bases=(registry.models.lineage.SystemOwned, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalAttestationToken',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('version', models.PositiveIntegerField(default=1, editable=False)),
                        ('name', models.CharField(help_text='Which gateway or job uses it.', max_length=100)),
                        ('key_prefix', models.CharField(help_text='The start of the key, to recognise it in logs.', max_length=16)),
                        ('key_hash', models.CharField(db_index=True, max_length=64)),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoke_reason', models.CharField(blank=True, editable=False, max_length=500)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('revoked_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('system', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='registry.aisystem', verbose_name='AI system')),
                    ],
                    options={
                        'verbose_name': 'historical attestation API token',
                        'verbose_name_plural': 'historical attestation API tokens',
                        'db_table': 'registry_historicalattestationtoken',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                        'indexes': [models.Index(fields=['id', 'history_id'], name='registry_hi_id_d32c68_idx')],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
        ),
        content_types_step("registry", "integrity", MOVED),
    ]
