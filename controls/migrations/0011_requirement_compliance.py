"""Requirement compliance (status, owner, evidence, notes, last review), the documented-
information item a controlled document provides. A new database loads the catalogue in
0011, once these columns exist."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('controls', '0010_inclusion_reasons_document_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='controlleddocument',
            name='information',
            field=models.CharField(blank=True, help_text="The item of the certification's documented-information list this document provides, if any (once approved).", max_length=40, verbose_name='documented information'),
        ),
        migrations.AddField(
            model_name='historicalcontrolleddocument',
            name='information',
            field=models.CharField(blank=True, help_text="The item of the certification's documented-information list this document provides, if any (once approved).", max_length=40, verbose_name='documented information'),
        ),
        migrations.AddField(
            model_name='historicalrequirement',
            name='evidence',
            field=models.JSONField(blank=True, default=list, help_text='Where the proof lives: document IDs, portal pages or URLs.', verbose_name='evidence references'),
        ),
        migrations.AddField(
            model_name='historicalrequirement',
            name='last_reviewed',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalrequirement',
            name='notes',
            field=models.TextField(blank=True, help_text='How the organisation meets the requirement, and what is left.'),
        ),
        migrations.AddField(
            model_name='historicalrequirement',
            name='owner',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Who answers for meeting this requirement.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalrequirement',
            name='status',
            field=models.CharField(choices=[('not_started', 'Not started'), ('planned', 'Planned'), ('partial', 'Partially met'), ('met', 'Met')], default='not_started', max_length=12, verbose_name='compliance status'),
        ),
        migrations.AddField(
            model_name='requirement',
            name='evidence',
            field=models.JSONField(blank=True, default=list, help_text='Where the proof lives: document IDs, portal pages or URLs.', verbose_name='evidence references'),
        ),
        migrations.AddField(
            model_name='requirement',
            name='last_reviewed',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='requirement',
            name='notes',
            field=models.TextField(blank=True, help_text='How the organisation meets the requirement, and what is left.'),
        ),
        migrations.AddField(
            model_name='requirement',
            name='owner',
            field=models.ForeignKey(blank=True, help_text='Who answers for meeting this requirement.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_requirements', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='requirement',
            name='status',
            field=models.CharField(choices=[('not_started', 'Not started'), ('planned', 'Planned'), ('partial', 'Partially met'), ('met', 'Met')], default='not_started', max_length=12, verbose_name='compliance status'),
        ),
        migrations.AddIndex(
            model_name='requirement',
            index=models.Index(fields=['status'], name='controls_re_status_685ba1_idx'),
        ),
        migrations.AddIndex(
            model_name='requirement',
            index=models.Index(fields=['last_reviewed'], name='controls_re_last_re_06bfac_idx'),
        ),
    ]
