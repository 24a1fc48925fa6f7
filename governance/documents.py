"""The governance PDFs a certification body reads: the scope statement (one version, a
record), the objectives report and the training matrix (both computed from the registers
when rendered). Only the rendering task calls these (governance.tasks): a PDF longer than a
page is never rendered inside a request."""

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .models import DocumentExport, ScopeStatement


def _scope_context(scope_id):
    scope = ScopeStatement.objects.select_related("owner", "approved_by", "submitted_by").get(
        pk=scope_id
    )
    return {
        "scope": scope,
        "systems_in": list(scope.systems_in.order_by("name")),
        "systems_out": list(scope.systems_out.order_by("name")),
        "suppliers": list(scope.suppliers.order_by("name")),
    }


def _objectives_context(scope_id):
    readings = selectors.readings_by_objective()
    rows = [
        {
            "objective": o,
            "status": selectors.objective_status(o),
            "readings": readings.get(o.pk, [])[-6:],
        }
        for o in selectors.objectives().order_by("reference")
    ]
    return {"rows": rows}


def _training_matrix_context(scope_id):
    return {"matrix": selectors.training_matrix()}


DOCUMENTS = {
    DocumentExport.Document.SCOPE: ("governance/scope_pdf.html", _scope_context),
    DocumentExport.Document.OBJECTIVES: ("governance/objectives_pdf.html", _objectives_context),
    DocumentExport.Document.TRAINING_MATRIX: (
        "governance/training_matrix_pdf.html",
        _training_matrix_context,
    ),
}


def render_pdf(job: DocumentExport, progress=lambda percent: None) -> bytes:
    """The job's document as it stands now, as a PDF stamped with who asked for it."""
    from weasyprint import HTML

    template, build = DOCUMENTS[job.document]
    context = {
        **build(job.scope_id),
        "generated_at": timezone.now(),
        "generated_by": job.requested_by,
    }
    progress(30)
    html = render_to_string(template, context)
    progress(50)
    document = HTML(string=html, base_url=None).render()
    progress(80)
    return document.write_pdf()
