"""Requesting the governance PDFs (scope statement, objectives report, training matrix) as
background jobs; the UI and the tests call these, the worker renders (governance.tasks).

Rules enforced here (on top of aims_portal.document_jobs: the export grant, queued after
commit, refused at once when the broker is down, failed past the deadline, files for the
requester and the area's approvers, only a failed job tried again):
- the document is one of the three, and a PDF;
- the scope statement's PDF names the version it prints; the objectives report and the
  training matrix name none (they print the registers as they stand when rendered).
"""

from django.core.exceptions import ValidationError

from aims_portal import document_jobs, roles

from .models import AREA, DocumentExport, ScopeStatement
from .tasks import render_document


def document_export_request(
    *, actor, document: str, scope: ScopeStatement | None = None, fmt: str = "pdf"
) -> DocumentExport:
    """Record a job rendering ``document`` as a PDF and start it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    roles.require(actor, "export", AREA)
    if document not in DocumentExport.Document.values:
        raise ValidationError({"document": f"Unknown governance document “{document}”."})
    if fmt != DocumentExport.Format.PDF:
        raise ValidationError(
            {"format": f"Unknown format “{fmt}”: the governance documents are PDFs."}
        )
    if document == DocumentExport.Document.SCOPE and scope is None:
        raise ValidationError({"scope": "Choose the scope statement to print."})
    if document != DocumentExport.Document.SCOPE and scope is not None:
        raise ValidationError({"scope": "Only the scope statement's PDF prints a scope."})
    job = DocumentExport(document=document, scope=scope, format=fmt)
    return document_jobs.document_request(job, actor=actor, task=render_document)


def document_export_retry(job: DocumentExport, *, actor) -> DocumentExport:
    """Request a failed document again, as a new job."""
    return document_jobs.document_retry(job, actor=actor, task=render_document)
