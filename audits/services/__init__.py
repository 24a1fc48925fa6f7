"""Write operations of the audits app.

Rules enforced here (on top of aims_portal.services: roles, optimistic locking, history):
- an audit lies within its programme's year and ends after it starts; its criteria (clause
  requirements and controls) each become one checklist line, kept in step with the criteria
  while the audit is open; a criterion whose line has a result, findings or evidence cannot
  be taken out; completed and cancelled audits are frozen;
- auditor independence: no one on the audit team may own what the audit looks at (see
  selectors.independence_conflicts); checked when the audit is planned, changed and started;
  audit team members need a role that may record audit results;
- only the audit team records checklist results and raises findings, and only while the
  audit is in progress; a nonconformity finding needs a nonconforming line, an observation
  an observed one; an audit completes only when every line is assessed, every nonconforming
  line has a nonconformity finding and the conclusion is written;
- a nonconformity finding closes only when its corrective actions are verified effective;
- corrective actions run open → in progress → implemented → verified effective → closed;
  implementing needs the action (and, for a finding, its root cause); the effectiveness
  check is made by someone other than the action's owner, and records who, when and what;
- a management review is edited only in preparation; completing it freezes the figures of
  the day into the review, so later changes to records never alter it;
- the certification cycle (services.certification): audits in order and dated in order,
  certificates after a recommending audit, external findings in the same findings flow;
- evidence: exactly one target; a file is refused above the size limit or outside the type
  allow-list before anything is stored, and kept with its SHA-256; a portal-record pointer
  must name a record the user may see;
- audit reports and review minutes (PDF or Word) need the export grant and are rendered by
  a background job (aims_portal.jobs), never in the request; only a failed one is retried.
"""

from .actions import (
    corrective_action_create,
    corrective_action_transition,
    corrective_action_update,
    corrective_action_verify,
    review_complete,
    review_create,
    review_transition,
    review_update,
)
from .audits import (
    audit_create,
    audit_transition,
    audit_update,
    checklist_line_create,
    checklist_line_update,
    checklist_results_record,
    checklist_sync,
    finding_raise,
    finding_transition,
    finding_update,
    programme_create,
    programme_update,
)
from .certification import (
    certificate_create,
    certificate_update,
    certification_audit_create,
    certification_audit_update,
    certification_body_create,
    certification_body_retire,
    certification_body_update,
    certification_finding_raise,
)
from .evidence import (
    check_upload,
    evidence_add,
    evidence_create,
    evidence_may_add,
    evidence_retire,
    evidence_update,
    file_digest,
    resolve_portal_record,
    upload_limits,
)
from .reports import report_request, report_retry

__all__ = [
    "audit_create",
    "audit_transition",
    "audit_update",
    "certificate_create",
    "certificate_update",
    "certification_audit_create",
    "certification_audit_update",
    "certification_body_create",
    "certification_body_retire",
    "certification_body_update",
    "certification_finding_raise",
    "check_upload",
    "checklist_line_create",
    "checklist_line_update",
    "checklist_results_record",
    "checklist_sync",
    "corrective_action_create",
    "corrective_action_transition",
    "corrective_action_update",
    "corrective_action_verify",
    "evidence_add",
    "evidence_create",
    "evidence_may_add",
    "evidence_retire",
    "evidence_update",
    "file_digest",
    "finding_raise",
    "finding_transition",
    "finding_update",
    "programme_create",
    "programme_update",
    "report_request",
    "report_retry",
    "resolve_portal_record",
    "review_complete",
    "review_create",
    "review_transition",
    "review_update",
    "upload_limits",
]
