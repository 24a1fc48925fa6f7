"""Celery tasks of the assessments app: rendering impact assessment documents with progress
(aims_portal.document_jobs runs the job)."""

from celery import shared_task

from aims_portal.document_jobs import document_render

from . import exports
from .models import AssessmentExport, ImpactAssessment

WRITERS = {"pdf": exports.assessment_pdf, "docx": exports.assessment_docx}


def _render(job, progress):
    assessment = ImpactAssessment.objects.select_related(
        "system", "owner", "approver", "submitted_by", "previous"
    ).get(pk=job.assessment_id)
    progress(30)
    return WRITERS[job.format](assessment, job.requested_by)


@shared_task(name="assessments.render_document", ignore_result=True)
def render_document(job_id):
    return document_render(AssessmentExport, job_id, _render)
