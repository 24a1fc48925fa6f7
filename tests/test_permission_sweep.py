"""Every URL pattern, every role and every HTTP method, held against the permission matrix.

``RULES`` below is the sweep's own statement of what each URL needs: its area in
roles.yaml and, per HTTP method, the matrix action (or a rule of its own). A URL that has no
entry fails ``test_every_url_has_a_rule`` with its name, so a new page or API operation
cannot land without someone saying who may use it.

For each (URL, role, method) the sweep sends one request with the Django test client, on
demo data (``seed_demo``) so that detail URLs point at records that exist, and checks:
- allowed by the matrix: answered (not 401/403/404/405, not a 5xx, not sent to login);
- refused: 403 or 405 (anonymous users: the login page, or 401/403 from the API; an
  auditor whose access window has ended: logged out to the login page, 401 with a token);
- a write that is refused, or a method the URL does not serve, changes nothing: the row
  counts of every table of the portal (history included) are the same before and after.
Each request runs in a savepoint that is rolled back, so allowed writes do not change the
data the next check sees. PDF rendering is stubbed: this sweep is about who may, not how.
"""

import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from aims_portal import roles
from aims_portal.api_tokens import api_token_create
from aims_portal.records import record_type_for

from . import factories

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ADMIN_SITE_METHODS = ("GET", "POST")  # Django's own admin: reads and form posts
ANONYMOUS, EXPIRED = "anonymous", "expired_auditor"
ROLES = (
    roles.ADMIN,
    roles.GOVERNANCE_LEAD,
    roles.SYSTEM_OWNER,
    roles.EXECUTIVE,
    roles.AUDITOR,
    ANONYMOUS,
    EXPIRED,
)
# Tables whose rows a request may add without changing anything: the auditors' access log,
# sessions, login-throttle bookkeeping.
UNTRACKED_TABLES = {"aims_portal_accesslog"}
WATCHED_APPS = {
    "aims_portal",
    "registry",
    "assessments",
    "controls",
    "governance",
    "audits",
    "integrity",
    "auth",
}


# --- the rules ------------------------------------------------------------------------------


def anyone(user, record):
    return True


def logged_in(user, record):
    return user is not None and user.is_authenticated


def nobody(user, record):
    """Only an attestation token (not a user) may: every user and session is refused."""
    return False


def staff(user, record):
    return user is not None and user.is_active and user.is_staff


def export_owner_or_approver(user, record):
    # SoA exports are personal; controls approvers (executives, admins) see everyone's.
    return roles.can(user, "export", "controls") and (
        record.requested_by_id == user.pk or roles.can(user, "approve", "controls")
    )


def report_owner_or_approver(user, record):
    # Audit reports and minutes are personal too; audits approvers see everyone's.
    return roles.can(user, "export", "audits") and (
        record.requested_by_id == user.pk or roles.can(user, "approve", "audits")
    )


def governance_owner_or_approver(user, record):
    # Governance PDFs are personal too; governance approvers see everyone's.
    return roles.can(user, "export", "governance") and (
        record.requested_by_id == user.pk or roles.can(user, "approve", "governance")
    )


def document_owner_or_approver(user, record):
    # Impact assessment documents are personal too; assessments approvers see everyone's.
    return roles.can(user, "export", "assessments") and (
        record.requested_by_id == user.pk or roles.can(user, "approve", "assessments")
    )


def holds_responsibility(user, record):
    from registry.golive import holds
    from registry.models.governance import Responsibility

    return any(holds(user, held) for held in Responsibility.values)


def may_recheck(user, record):
    return roles.can(user, "change", "inventory", record.system) or roles.can(
        user, "approve", "inventory"
    )


def records_results(user, record):
    # An audit's results page: its team only (a member sees the audit page again when the
    # audit is not in progress).
    from audits.selectors import on_team

    return roles.can(user, "change", "audits") and on_team(record, user)


def acknowledges(user, record):
    # Staff acknowledge the AI policy for themselves; auditors read it from outside the AIMS.
    return roles.can(user, "view", "governance") and bool(roles.user_roles(user) - {roles.AUDITOR})


def own_bundle(user, record):
    return roles.can(user, "export", "ledger") and record.requested_by_id == user.pk


@dataclass(frozen=True)
class StepChoice:
    name: str
    action: str
    movable: bool  # False: no sample record can take any step (all closed)


STEP = "step"  # the matrix action of the workflow step the sweep takes (see _step)


@dataclass(frozen=True)
class Rule:
    """What a URL needs: ``methods`` maps an HTTP method to a matrix action in ``area`` (or
    to a predicate ``(user, record) -> bool``). HEAD and OPTIONS follow GET unless listed;
    on the API, OPTIONS is "view". A method not listed must not be served: 405, a refusal,
    or (pages only) the GET page again, and nothing may change."""

    area: str | None
    methods: dict = field(default_factory=dict)
    model: str = ""  # the record a function view's <pk> names, "app_label.ModelName"
    api: bool = False
    sample: tuple = ()  # (lookup, value) pairs the sample record must match, e.g. a file
    hides_others: bool = False  # others' records answer 404 (personal exports, bundles)
    ends_session: bool = False  # success is the login page (logout)
    admin_site: bool = False  # Django's admin: staff only, then its own model permissions


def page(area, get="view", post=None, model="", **options):
    methods = {"GET": get} if get else {}
    if post:
        methods["POST"] = post
    methods |= {k: options.pop(k) for k in list(options) if k in METHODS}
    return Rule(area, methods, model=model, **options)


def post_only(area, action, model=""):
    return Rule(area, {"POST": action}, model=model)


def record_pages(ns, name, area, *, retire=False, steps=False, create=True):
    """The generic pages of one record type (aims_portal.records)."""
    rules = {
        f"{ns}:{name}-list": page(area),
        f"{ns}:{name}-detail": page(area),
        f"{ns}:{name}-edit": page(area, get="change", post="change"),
    }
    if create:
        rules[f"{ns}:{name}-create"] = page(area, get="create", post="create")
    if retire:
        rules[f"{ns}:{name}-retire"] = page(area, get="delete", post="delete")
    if steps:
        rules[f"{ns}:{name}-transition"] = post_only(area, STEP)
    return rules


def api(area, hides_others=False, **methods):
    return Rule(area, methods, api=True, hides_others=hides_others)


def record_api(basename, area, *, retire=True, steps=False, create=True, extra=None):
    """The routes of one RecordViewSet: list/create, read/update (no DELETE), retire. A
    viewset without POST (records made elsewhere) still has a retire route, not served."""
    rules = {
        f"{basename}-list": api(area, GET="view", POST="create")
        if create
        else api(area, GET="view"),
        f"{basename}-detail": api(area, GET="view", PUT="change", PATCH="change"),
        f"{basename}-retire": api(area, POST="delete") if retire and create else api(area),
        # The record's versions: whoever may read the record (aims_portal.api).
        f"{basename}-history": api(area, GET="view"),
    }
    if steps:
        rules[f"{basename}-step"] = api(area, POST=STEP)
    return {**rules, **(extra or {})}


RULES = {
    # --- the shell and accounts
    "home": page("dashboard"),
    "readiness": page("dashboard"),
    "health": Rule(None, {"GET": anyone}),
    "favicon": Rule(None, {"GET": anyone}),
    # Django's form views answer PUT as POST.
    "login": Rule(None, {"GET": anyone, "POST": anyone, "PUT": anyone}),
    "logout": Rule(None, {"POST": logged_in}, ends_session=True),
    "password_change": Rule(None, {"GET": logged_in, "POST": logged_in, "PUT": logged_in}),
    "password_change_done": Rule(None, {"GET": logged_in}),
    "two-factor": Rule(None, {"GET": logged_in, "POST": logged_in}),
    "notifications": Rule(None, {"GET": logged_in}),
    # Personal API tokens: every logged-in user manages their own.
    "api-token": Rule(None, {"GET": logged_in, "POST": logged_in}),
    "api-token-self": Rule(
        None, {"GET": logged_in, "POST": logged_in, "DELETE": logged_in}, api=True
    ),
    # History pages check "view" in the area of the record's model (here an AI system).
    "record-history": page("inventory", model="registry.AISystem"),
    # Searchable filter choices check "view" in the area of the record type (here AI systems).
    "record-lookup": page("inventory"),
    # Filters on a person search the active users' names: lists show them to anyone.
    "people-lookup": Rule(None, {"GET": logged_in}),
    "record-history-diff": page(
        "inventory", model="registry.AISystem", sample=(("version__gte", 2),)
    ),
    # --- registry
    **record_pages("registry", "aisystem", "inventory"),
    "registry:aisystem-yaml": page("inventory", get="export", model="registry.AISystem"),
    "registry:aisystem-yaml-all": page("inventory", get="export"),
    "registry:aisystem-import": page("inventory", get="create", post="create", PUT="create"),
    "registry:aisystem-lookup": page("inventory"),
    **record_pages("registry", "supplier", "inventory", retire=True),
    **record_pages("registry", "datasource", "inventory", retire=True),
    **record_pages("registry", "modelversion", "inventory"),
    **record_pages("registry", "incident", "inventory", steps=True),
    **record_pages("registry", "change", "inventory", steps=True),
    "registry:change-create-for": page("inventory", get="create", post="create"),
    "registry:aisystem-sign-off": post_only("inventory", holds_responsibility, "registry.AISystem"),
    "registry:aisystem-sync": post_only("inventory", "change", "registry.AISystem"),
    "registry:change-recheck": post_only("inventory", may_recheck, "registry.ChangeRequest"),
    "registry:change-override": post_only("inventory", "approve", "registry.ChangeRequest"),
    **record_pages("registry", "policy", "inventory", retire=True),
    "attestations:aisystem-attestations": page("inventory", model="registry.AISystem"),
    "attestations:attestation-detail": page("inventory", model="integrity.Attestation"),
    "attestations:attestation-receipt": page("inventory", model="integrity.Attestation"),
    "attestations:attestation-search": page("inventory"),
    "attestations:receipt-verifier": page("inventory"),
    # Attestation tokens are administration: admins only.
    "attestations:attestation-tokens": page(
        "administration", get="view", post="create", model="registry.AISystem"
    ),
    "attestations:attestation-token-revoke": post_only(
        "administration", "delete", model="integrity.AttestationToken"
    ),
    # --- assessments
    **record_pages("assessments", "assessment", "assessments", steps=True),
    "assessments:assessment-document": post_only(
        "assessments", "export", model="assessments.ImpactAssessment"
    ),
    "assessments:export-detail": page(
        "assessments", get=document_owner_or_approver, model="assessments.AssessmentExport"
    ),
    "assessments:export-download": page(
        "assessments",
        get=document_owner_or_approver,
        model="assessments.AssessmentExport",
        sample=(("status", "done"),),
    ),
    "assessments:export-retry": page(
        "assessments",
        get=None,
        post=document_owner_or_approver,
        model="assessments.AssessmentExport",
    ),
    "assessments:assessment-revise": post_only(
        "assessments", "create", model="assessments.ImpactAssessment"
    ),
    **record_pages("assessments", "risk", "risks", steps=True),
    **record_pages("assessments", "scoringmethod", "administration"),
    # --- controls
    "controls:soa": page("controls"),
    "controls:soa-edit": page("controls", get="change", post="change"),
    # Opens an entry's edit form with a link added (from a risk's page): no change itself.
    "controls:soa-entry-link": page("controls", get="change"),
    "controls:soa-transition": post_only("controls", STEP),
    # GET shows the read-only row again (a cancelled inline edit); POST saves it.
    # Every other method is taken as a save (and needs "change").
    "controls:soa-entry-inline": page(
        "controls",
        get="view",
        post="change",
        model="controls.SoAEntry",
        HEAD="change",
        OPTIONS="change",
        PUT="change",
        PATCH="change",
        DELETE="change",
    ),
    "controls:document-settings": page("administration", get="change", post="change"),
    "controls:soa-revisions": page("controls"),
    "controls:soa-compare": page("controls"),
    "controls:soa-revision": page("controls"),
    "controls:soa-export": post_only("controls", "export"),
    "controls:export-detail": page(
        "controls", get=export_owner_or_approver, model="controls.DocumentExport"
    ),
    "controls:export-download": page(
        "controls",
        get=export_owner_or_approver,
        model="controls.DocumentExport",
        sample=(("status", "done"),),
    ),
    "controls:export-retry": page(
        "controls", get=None, post=export_owner_or_approver, model="controls.DocumentExport"
    ),
    "controls:document-file": page(
        "controls", get="change", post="change", model="controls.ControlledDocument"
    ),
    "controls:document-file-download": page(
        "controls", model="controls.ControlledDocument", sample=(("file__gt", ""),)
    ),
    **record_pages("controls", "soaentry", "controls"),
    **record_pages("controls", "control", "controls"),
    **record_pages("controls", "requirement", "controls"),
    **record_pages("controls", "document", "controls", steps=True),
    "controls:documented-information": page("controls"),
    "controls:documented-information-export": post_only("controls", "export"),
    "controls:information-export-detail": page(
        "controls", get=export_owner_or_approver, model="controls.InformationListExport"
    ),
    "controls:information-export-download": page(
        "controls",
        get=export_owner_or_approver,
        model="controls.InformationListExport",
        sample=(("status", "done"),),
    ),
    "controls:information-export-retry": page(
        "controls",
        get=None,
        post=export_owner_or_approver,
        model="controls.InformationListExport",
    ),
    # --- audits
    **record_pages("audits", "programme", "audits"),
    **record_pages("audits", "audit", "audits", steps=True),
    **record_pages("audits", "checklistline", "audits"),
    **record_pages("audits", "finding", "audits", steps=True),
    **record_pages("audits", "action", "audits", steps=True),
    **record_pages("audits", "review", "audits", steps=True),
    **record_pages("audits", "evidence", "audits", retire=True),
    "audits:evidence-file": page("audits", model="audits.EvidenceItem", sample=(("file__gt", ""),)),
    "audits:audit-report": post_only("audits", "export", model="audits.Audit"),
    "audits:audit-results": page(
        "audits", get=records_results, post=records_results, model="audits.Audit"
    ),
    "audits:review-minutes": post_only("audits", "export", model="audits.ManagementReview"),
    "audits:report-detail": page(
        "audits", get=report_owner_or_approver, model="audits.ReportExport"
    ),
    "audits:report-download": page(
        "audits",
        get=report_owner_or_approver,
        model="audits.ReportExport",
        sample=(("status", "done"),),
    ),
    "audits:report-retry": page(
        "audits", get=None, post=report_owner_or_approver, model="audits.ReportExport"
    ),
    # --- governance (management system registers)
    **record_pages("governance", "issue", "governance"),
    **record_pages("governance", "party", "governance"),
    **record_pages("governance", "scope", "governance", steps=True),
    **record_pages("governance", "acknowledgement", "governance"),
    "governance:acknowledgement-status": page("governance", post=acknowledges),
    **record_pages("governance", "raci", "governance"),
    "governance:raci-matrix": page("governance"),
    **record_pages("governance", "objective", "governance"),
    **record_pages("governance", "measurement", "governance"),
    **record_pages("governance", "competence", "governance"),
    **record_pages("governance", "training", "governance"),
    "governance:training-matrix": page("governance"),
    "governance:document-export": post_only("governance", "export"),
    "governance:document-export-detail": page(
        "governance", get=governance_owner_or_approver, model="governance.DocumentExport"
    ),
    "governance:document-export-download": page(
        "governance",
        get=governance_owner_or_approver,
        model="governance.DocumentExport",
        sample=(("status", "done"),),
    ),
    "governance:document-export-retry": page(
        "governance",
        get=None,
        post=governance_owner_or_approver,
        model="governance.DocumentExport",
    ),
    "governance:training-evidence": page(
        "governance", get="change", post="change", model="governance.TrainingRecord"
    ),
    "governance:training-evidence-download": page(
        "governance", model="governance.TrainingRecord", sample=(("evidence__gt", ""),)
    ),
    **record_pages("governance", "communication", "governance"),
    **record_pages("audits", "certbody", "audits", retire=True),
    **record_pages("audits", "certaudit", "audits"),
    **record_pages("audits", "certificate", "audits"),
    "audits:certaudit-finding": page(
        "audits", get="create", post="create", model="audits.CertificationAudit"
    ),
    # --- integrity ledger
    "ledger:integrity": page("ledger"),
    "ledger:verify": post_only("ledger", "view"),
    "ledger:checkpoint": post_only("ledger", "create"),
    # The log's published side: anyone, signed in or not (README, Verifying integrity).
    "ledger:public-key": Rule(None, {"GET": anyone}),
    "ledger:verifier-key": Rule(None, {"GET": anyone}),
    "ledger:latest-checkpoint": Rule(None, {"GET": anyone}),
    "ledger:checkpoint-text": Rule(None, {"GET": anyone}, model="integrity.Checkpoint"),
    "api-checkpoints": Rule(None, {"GET": anyone}, api=True),
    "api-inclusion-proof": Rule(None, {"GET": anyone}, api=True),
    "api-consistency-proof": Rule(None, {"GET": anyone}, api=True),
    # Taking a checkpoint away, or bringing one, is kept as the user's: view on the ledger.
    "ledger:checkpoint-download": page("ledger", model="integrity.Checkpoint"),
    "ledger:checkpoint-check": post_only("ledger", "view"),
    "ledger:entries": page("ledger"),
    "ledger:bundle-create": post_only("ledger", "export"),
    "ledger:bundle": page(
        "ledger", get=own_bundle, model="integrity.EvidenceBundle", hides_others=True
    ),
    "ledger:bundle-download": page(
        "ledger",
        get=own_bundle,
        model="integrity.EvidenceBundle",
        hides_others=True,
        sample=(("status", "ready"),),
    ),
    "ledger:bundle-retry": page(
        "ledger",
        get=None,
        post=own_bundle,
        model="integrity.EvidenceBundle",
        hides_others=True,
    ),
    # --- API
    "api-root": Rule(None, {"GET": logged_in}, api=True),
    "api-schema": Rule(None, {"GET": logged_in}, api=True),
    "api-docs": Rule(None, {"GET": logged_in}, api=True),
    **record_api(
        "aisystem",
        "inventory",
        extra={
            "aisystem-denials": api("inventory", GET="view"),
            "aisystem-yaml": api("inventory", GET="export"),
            "aisystem-sign-off": api("inventory", POST=holds_responsibility),
        },
    ),
    **record_api("supplier", "inventory"),
    **record_api("datasource", "inventory"),
    **record_api("modelversion", "inventory"),
    **record_api("incident", "inventory", steps=True),
    **record_api(
        "changerequest",
        "inventory",
        steps=True,
        extra={
            "changerequest-recheck": api("inventory", POST=may_recheck),
            "changerequest-override": api("inventory", POST="approve"),
        },
    ),
    **record_api("registrypolicy", "inventory"),
    "registry-yaml-validate": api("inventory", POST="view"),
    "registry-yaml-import-files": api("inventory", POST="create"),
    "registry-yaml-export": api("inventory", GET="export"),
    # Registering attestations needs a system's attestation token, never a user.
    "attestation-list": api("inventory", GET="view", POST=nobody),
    "attestation-batch": api("inventory", POST=nobody),
    "attestation-detail": api("inventory", GET="view"),
    # Users who may read attestations (and the system's own token, tested elsewhere).
    "attestation-proof": api("inventory", GET="view"),
    "attestationtoken-list": api("administration", GET="view", POST="create"),
    "attestationtoken-detail": api("administration", GET="view"),
    "attestationtoken-revoke": api("administration", POST="delete"),
    **record_api(
        "impactassessment",
        "assessments",
        steps=True,
        extra={"impactassessment-revise": api("assessments", POST="create")},
    ),
    **record_api("risk", "risks", steps=True),
    **record_api("scoringmethod", "administration", create=False),
    **record_api("control", "controls"),
    **record_api("requirement", "controls"),
    **record_api("soaentry", "controls", create=False),
    "soa-list": api("controls", GET="view"),
    "soa-detail": api("controls", GET="view", PUT="change", PATCH="change"),
    "soa-step": api("controls", POST=STEP),
    "soa-named-step": api("controls", POST=STEP),
    "soarevision-list": api("controls", GET="view"),
    "soarevision-compare": api("controls", GET="view"),
    "soarevision-detail": api("controls", GET="view"),
    "documentexport-list": api("controls", POST="export"),
    "documentexport-detail": api("controls", GET=export_owner_or_approver, hides_others=True),
    "documentexport-retry": api("controls", POST=export_owner_or_approver, hides_others=True),
    "documentexport-download": api("controls", GET=export_owner_or_approver, hides_others=True),
    **record_api(
        "document",
        "controls",
        steps=True,
        extra={
            "document-named-step": api("controls", POST=STEP),
            "document-attach": api("controls", POST="change"),
            "document-download": api("controls", GET="view"),
        },
    ),
    **record_api("contextissue", "governance"),
    **record_api("interestedparty", "governance"),
    **record_api("scopestatement", "governance", steps=True),
    **record_api(
        "policyacknowledgement",
        "governance",
        extra={
            "policyacknowledgement-list": api("governance", GET="view", POST=acknowledges),
            "policyacknowledgement-detail": api("governance", GET="view"),
        },
    ),
    **record_api("raciassignment", "governance"),
    **record_api("objective", "governance"),
    **record_api("measurement", "governance"),
    **record_api("competence", "governance"),
    **record_api("trainingrecord", "governance"),
    **record_api("communication", "governance"),
    **record_api("auditprogramme", "audits"),
    **record_api("audit", "audits", steps=True),
    **record_api("checklistline", "audits", create=False),
    **record_api("finding", "audits", steps=True),
    **record_api("correctiveaction", "audits", steps=True),
    **record_api("managementreview", "audits", steps=True),
    "reportexport-list": api("audits", POST="export"),
    "reportexport-detail": api("audits", GET=report_owner_or_approver, hides_others=True),
    "reportexport-retry": api("audits", POST=report_owner_or_approver, hides_others=True),
    "reportexport-download": api("audits", GET=report_owner_or_approver, hides_others=True),
    **record_api("evidenceitem", "audits"),
    # --- working together: my work, notifications, search, comments, webhooks
    "my-work": Rule(None, {"GET": logged_in}),
    "header-badges": Rule(None, {"GET": logged_in}),
    "search": Rule(None, {"GET": logged_in}),
    "notification-settings": Rule(None, {"GET": logged_in, "POST": logged_in}),
    # Whoever may view a record may comment on it (here an AI system: inventory).
    "comment-add": post_only("inventory", "view", model="registry.AISystem"),
    "webhook-list": page("administration"),
    "webhook-create": page("administration", get="create", post="create"),
    "webhook-deliveries": page("administration"),
    "webhook-detail": page("administration", model="aims_portal.WebhookEndpoint"),
    "webhook-edit": page(
        "administration", get="change", post="change", model="aims_portal.WebhookEndpoint"
    ),
    "webhook-rotate": post_only("administration", "change", model="aims_portal.WebhookEndpoint"),
    "webhook-delete": post_only("administration", "delete", model="aims_portal.WebhookEndpoint"),
    "api-notifications": Rule(None, {"GET": logged_in}, api=True),
    "api-notifications-read": Rule(None, {"POST": logged_in}, api=True),
    "api-my-work": Rule(None, {"GET": logged_in}, api=True),
    "api-search": Rule(None, {"GET": logged_in}, api=True),
    "api-comments": Rule(
        "inventory", {"GET": "view", "POST": "view"}, api=True, model="registry.AISystem"
    ),
    # --- identity: sign-on, user management, group mappings, scopes
    # Without a provider both send everyone to the login page (with a message).
    "sso-start": Rule(None, {"GET": anyone}, ends_session=True),
    "sso-callback": Rule(None, {"GET": anyone}, ends_session=True),
    "two-factor-verify": Rule(None, {"GET": logged_in, "POST": logged_in}),
    "identity:user-list": page("administration"),
    "identity:user-invite": page("administration", get="create", post="create"),
    "identity:user-detail": page("administration", post="change", model="aims_portal.User"),
    "identity:set-password": Rule(None, {"GET": anyone, "POST": anyone, "PUT": anyone}),
    **record_pages("identity", "groupmapping", "administration", retire=True),
    **record_api("groupmapping", "administration"),
    "accessscope-list": api("administration", GET="view"),
    "accessscope-detail": api("administration", GET="view"),
    "identity-user-list": api("administration", GET="view"),
    "identity-user-detail": api("administration", GET="view"),
    "identity-user-invite": api("administration", POST="create"),
    "identity-user-roles": api("administration", POST="change"),
    "identity-user-access-window": api("administration", POST="change"),
    "identity-user-scope": api("administration", POST="change"),
    "identity-user-deactivate": api("administration", POST="change"),
    "identity-user-reactivate": api("administration", POST="change"),
    **record_api("certbody", "audits"),
    **record_api("certificationaudit", "audits"),
    **record_api("certificate", "audits"),
    "documented-information-list": api("controls", GET="view"),
}
# Django's admin site: administrators (staff) only, every page of it.
ADMIN_SITE_RULE = Rule(None, {"GET": staff, "POST": staff}, admin_site=True)
ADMIN_LOGOUT_RULE = Rule(None, {"GET": staff, "POST": staff}, admin_site=True, ends_session=True)


def rule_for(name):
    if name == "admin:logout":
        return ADMIN_LOGOUT_RULE
    if name.startswith("admin:"):
        return ADMIN_SITE_RULE
    return RULES.get(name)


# --- the URLs -------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    pattern: URLPattern
    kwarg_names: tuple


def _kwarg_names(pattern):
    regex = pattern.pattern.regex
    return tuple(regex.groupindex)


def every_route(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            for route in every_route(pattern, ns):
                route.kwarg_names = _kwarg_names(pattern) + route.kwarg_names
                yield route
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            name = f"{namespace}:{name}" if namespace else name
            yield Route(name, pattern, _kwarg_names(pattern))


def sweep_routes():
    """One route per URL name; DRF's format-suffix twins (``….json``) serve the same views."""
    seen = {}
    for route in every_route():
        if "format" in route.kwarg_names or route.name in seen:
            continue
        seen[route.name] = route
    return list(seen.values())


def _model_of(route, rule):
    if rule and rule.model:
        return apps.get_model(rule.model)
    callback = route.pattern.callback
    initkwargs = getattr(callback, "view_initkwargs", None) or {}
    if initkwargs.get("record_type") is not None:
        return initkwargs["record_type"].model
    view_class = getattr(callback, "cls", None)
    if view_class is not None:
        if getattr(view_class, "record_type", None) is not None:
            return view_class.record_type.model
        queryset = getattr(view_class, "queryset", None)
        if queryset is not None:
            return queryset.model
        serializer = getattr(view_class, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        if meta is not None and getattr(meta, "model", None):
            return meta.model
    model_admin = getattr(callback, "model_admin", None)
    if model_admin:
        return model_admin.model
    if route.name.startswith("admin:"):
        # A model admin's own extra pages (e.g. an authenticator's QR code) are named
        # admin:<app>_<model>_<page>: they take an id of that model, not of any record.
        from django.contrib import admin

        for model in admin.site._registry:
            if route.name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
                return model
    return None


def _workflow_of(route, model):
    record_type = record_type_for(model) if model else None
    if record_type and record_type.workflow:
        return record_type.workflow
    view_class = getattr(route.pattern.callback, "cls", None)
    record_type = getattr(view_class, "record_type", None)
    return record_type.workflow if record_type else None


def _can_move(workflow, record):
    return any(workflow.status(record) in t.source for t in workflow.transitions)


def _step(workflow, record):
    """A step the record can take from its current status (so that a refusal is about the
    role, not the state), else the first step of the workflow."""
    status = workflow.status(record)
    for transition in workflow.transitions:
        if status in transition.source:
            return transition
    return workflow.transitions[0]


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class Check:
    route: str
    path: str
    role: str
    method: str
    expected: str  # allowed / refused / not-served
    status: int


def _fingerprint():
    """Row counts of every table of the portal in one query (history tables included, so an
    update shows as a new history row)."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in WATCHED_APPS
        and model._meta.db_table not in UNTRACKED_TABLES
        and not model._meta.proxy
        and model._meta.managed
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _changed(before, after):
    return sorted(t for t in before if before[t] != after[t])


def _stub_pdf(*args, **kwargs):
    return b"%PDF-1.7\n% stub from the permission sweep\n%%EOF\n"


class PermissionSweep(TestCase):
    """One database (demo data) for the whole sweep; one test per role."""

    _files: list = []

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        cls.users = {
            roles.ADMIN: user_model.objects.get(username="admin"),
            roles.GOVERNANCE_LEAD: user_model.objects.get(username="lead"),
            roles.SYSTEM_OWNER: user_model.objects.get(username="owner"),
            roles.EXECUTIVE: user_model.objects.get(username="exec"),
            roles.AUDITOR: user_model.objects.get(username="auditor"),
        }
        expired = factories.UserFactory(role=roles.AUDITOR, username="expired-auditor")
        expired.access_until = timezone.now() - timedelta(days=1)
        expired.save()
        cls.users[EXPIRED] = expired
        cls.tokens = {role: api_token_create(u).key for role, u in cls.users.items()}
        cls._extra_samples(cls.users)

    @classmethod
    def _extra_samples(cls, users):
        """Records the demo data may not hold but some URLs name."""
        from controls.models import DocumentExport
        from integrity import attestations, bundles
        from integrity.models import Attestation, AttestationToken, EvidenceBundle
        from registry.models import AISystem, Team

        lead, admin = users[roles.GOVERNANCE_LEAD], users[roles.ADMIN]
        if not Team.objects.exists():
            Team.objects.create(
                slug="team-sweep", name="Sweep team", contact="team@example.test", lead=lead
            )
        system = AISystem.objects.filter(model_versions__isnull=False).order_by("pk").first()
        if not AttestationToken.objects.exists():
            attestations.attestation_token_create(actor=admin, system=system, name="gateway")
        if not Attestation.objects.exists():
            token = (
                AttestationToken.objects.filter(system=system).first()
                or (
                    attestations.attestation_token_create(actor=admin, system=system, name="job")[0]
                )
            )
            version = system.model_versions.order_by("pk").first()
            attestations.attestation_register(
                token=token,
                data={
                    "system": token.system.slug,
                    "model_version": version.pk if version else None,
                    "input_sha256": "a" * 64,
                    "output_sha256": "b" * 64,
                    "decision": Attestation.Decision.ALLOWED,
                    "occurred_at": timezone.now().isoformat(),
                },
            )
        from aims_portal.models import WebhookEndpoint

        if not WebhookEndpoint.objects.exists():
            WebhookEndpoint.objects.create(
                name="Sweep hook", url="https://hooks.example.test/aims", events=["mentioned"]
            )
        if not EvidenceBundle.objects.exists():
            EvidenceBundle.objects.create(requested_by=lead)
        if not DocumentExport.objects.exists():
            DocumentExport.objects.create(requested_by=lead, format=DocumentExport.Format.CSV)
        from audits.models import Audit, ReportExport

        if not ReportExport.objects.exists():
            ReportExport.objects.create(
                requested_by=lead,
                document=ReportExport.Document.AUDIT_REPORT,
                audit=Audit.objects.order_by("pk").first(),
                format=ReportExport.Format.PDF,
            )
        from assessments.models import AssessmentExport, ImpactAssessment

        if not AssessmentExport.objects.exists():
            AssessmentExport.objects.create(
                requested_by=lead,
                assessment=ImpactAssessment.objects.order_by("pk").first(),
                format=AssessmentExport.Format.PDF,
            )
        from controls.models import InformationListExport

        if not InformationListExport.objects.exists():
            InformationListExport.objects.create(
                requested_by=lead, format=InformationListExport.Format.PDF
            )
        from governance.models import DocumentExport as GovernanceExport

        if not GovernanceExport.objects.exists():
            GovernanceExport.objects.create(
                requested_by=lead,
                document=GovernanceExport.Document.TRAINING_MATRIX,
                format=GovernanceExport.Format.PDF,
            )
        # Identity: a group mapping and a user limited to one AI system.
        from identity import services as identity

        identity.group_mapping_create(
            actor=admin, data={"group": "sweep-auditors", "role": roles.AUDITOR}
        )
        identity.access_scope_set(
            factories.UserFactory(role=roles.AUDITOR, username="sweep-scoped"),
            actor=admin,
            teams=[],
            systems=[system],
            reason="Engaged for one system",
        )
        # The admin's authenticator pages need a device to show.
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.get_or_create(user=admin, name="sweep", defaults={"confirmed": False})
        # Downloads need a stored file; the demo data has none.
        from audits.models import EvidenceItem
        from controls.models import ControlledDocument

        export = DocumentExport.objects.order_by("pk").first()
        cls._attach(DocumentExport, export, "exports/sweep-sample.csv", status="done")
        report = ReportExport.objects.order_by("pk").first()
        cls._attach(ReportExport, report, "reports/sweep-sample.pdf", status="done")
        document = AssessmentExport.objects.order_by("pk").first()
        cls._attach(AssessmentExport, document, "assessments/sweep-sample.pdf", status="done")
        from controls.models import InformationListExport

        listing = InformationListExport.objects.order_by("pk").first()
        cls._attach(InformationListExport, listing, "information/sweep-sample.pdf", status="done")
        from governance.models import DocumentExport as GovernanceExport

        governance_pdf = GovernanceExport.objects.order_by("pk").first()
        cls._attach(GovernanceExport, governance_pdf, "governance/sweep-sample.pdf", status="done")
        cls._attach(ControlledDocument, None, "documents/sweep-sample.txt")
        cls._attach(EvidenceItem, None, "evidence/sweep-sample.txt", kind="file")
        from governance.models import TrainingRecord

        training = TrainingRecord.objects.order_by("pk").first()
        storage = TrainingRecord._meta.get_field("evidence").storage
        stored = storage.save("training/sweep-sample.txt", ContentFile(b"sample evidence\n"))
        cls._files.append(Path(storage.path(stored)))
        TrainingRecord.objects.filter(pk=training.pk).update(evidence=stored)
        bundle = EvidenceBundle.objects.order_by("pk").first()
        path = bundles.bundle_dir() / "sweep-sample-bundle.zip"
        path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        cls._files.append(path)
        EvidenceBundle.objects.filter(pk=bundle.pk).update(status="ready", file_name=path.name)

    @classmethod
    def _attach(cls, model, record, name, **fields):
        record = record or model.objects.order_by("pk").first()
        storage = model._meta.get_field("file").storage
        stored = storage.save(name, ContentFile(b"sample file of the permission sweep\n"))
        cls._files.append(Path(storage.path(stored)))
        if hasattr(record, "file_name"):
            fields["file_name"] = Path(stored).name
        model.objects.filter(pk=record.pk).update(file=stored, **fields)

    @classmethod
    def setUpClass(cls):
        # Evidence bundles live under MEDIA_ROOT: a folder of our own, so that no other
        # test run on this machine removes the sample bundle mid-sweep.
        cls._media = tempfile.TemporaryDirectory(prefix="aims-sweep-")
        cls._media_settings = override_settings(MEDIA_ROOT=cls._media.name)
        cls._media_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for path in cls._files:
            path.unlink(missing_ok=True)
        cls._media_settings.disable()
        cls._media.cleanup()

    def setUp(self):
        # Who may ask for a PDF or a background job is checked; rendering and queueing are
        # other tests' business (and queued jobs would outlive the rolled-back request).
        for target, stub in (
            ("weasyprint.HTML.write_pdf", _stub_pdf),
            ("celery.app.task.Task.apply_async", mock.MagicMock()),
        ):
            patcher = mock.patch(target, stub)
            patcher.start()
            self.addCleanup(patcher.stop)

    # --- building one request

    def sample(self, model, lookups=(), workflow=None):
        records = model._default_manager.filter(**dict(lookups)).order_by("pk")
        record = records.first()
        if workflow is not None:
            # A record that can take some step now, so that a refusal is about the role.
            record = next((r for r in records if _can_move(workflow, r)), record)
        if record is None:
            self.fail(f"the sweep has no sample {model._meta.label}: add one in _extra_samples")
        return record

    def kwargs_for(self, route, rule, model):
        from controls.models import SoARevision
        from registry.models import AISystem

        kwargs, record, step = {}, None, None
        for name in route.kwarg_names:
            if name == "object_id" and route.pattern.name is None:
                kwargs[name] = "1"
            elif name in ("pk", "object_id", "id"):
                if model is None and route.name.startswith("admin:"):
                    model = AISystem  # view_on_site: any record will do
                if model is None:
                    self.fail(f"{route.name}: which record does <{name}> name? set Rule.model")
                if route.name.startswith("admin:"):
                    # The admin answers an unknown id itself; most of its tables have rows.
                    record = model._default_manager.order_by("pk").first()
                    kwargs[name] = record.pk if record else 1
                    continue
                workflow = self._workflow(route, model) if STEP in rule.methods.values() else None
                record = self.sample(model, rule.sample, workflow)
                kwargs[name] = record.pk
            elif name == "app_label":
                kwargs[name] = "registry"
            elif name == "model_name":
                kwargs[name] = "aisystem"
            elif name == "system":
                kwargs[name] = self.sample(AISystem).pk
            elif name == "number":
                revision = SoARevision.objects.order_by("number").first()
                kwargs[name] = revision.number if revision else 1
            elif name == "content_type_id":
                from django.contrib.contenttypes.models import ContentType

                kwargs[name] = ContentType.objects.get_for_model(AISystem).pk
            elif name == "url":
                kwargs[name] = "no-such-page/"
            elif name == "step":
                kwargs[name] = "submit"
            elif name in ("uidb64", "token"):  # an invitation link (here not a valid one)
                kwargs[name] = "MQ" if name == "uidb64" else "no-such-token"
            else:
                self.fail(f"{route.name}: no sample value for <{name}>; extend kwargs_for")
        if rule and STEP in rule.methods.values():
            workflow = self._workflow(route, model)
            if record is None:
                record = self._soa_document()
            step = _step(workflow, record)
            kwargs["step"] = step.name
            step = StepChoice(step.name, step.action, _can_move(workflow, record))
        query = ""
        if route.name == "record-history-diff":
            versions = list(record.history.order_by("history_id").values_list("history_id"))
            query = f"?from={versions[0][0]}&to={versions[1][0]}"
        return kwargs, record, step, query

    def _workflow(self, route, model):
        if route.name in ("controls:soa-transition", "soa-step", "soa-named-step"):
            from controls.workflows import SOA_WORKFLOW

            return SOA_WORKFLOW
        workflow = _workflow_of(route, model)
        if workflow is None:
            self.fail(f"{route.name}: a step rule but no workflow found")
        return workflow

    def _soa_document(self):
        from controls.catalogue import soa_document

        return soa_document()

    def expectation(self, rule, method, role, record, step):
        action = rule.methods.get(method)
        if action is None and method in ("HEAD", "OPTIONS"):
            action = "view" if (rule.api and method == "OPTIONS" and rule.area) else None
            action = action or rule.methods.get("GET")
            if rule.api and method == "OPTIONS" and rule.area is None:
                action = rule.methods.get("GET") or logged_in
        if action is None:
            return "not-served"
        user = self.users.get(role)
        if role in (ANONYMOUS, EXPIRED) and action is not anyone:
            return "refused"
        if role == EXPIRED and rule.api:
            return "refused"  # a credential sent is checked even where none is needed
        if action == STEP:
            action = step.action
        if callable(action):
            return "allowed" if action(user, record) else "refused"
        return "allowed" if roles.can(user, action, rule.area, record) else "refused"

    def client_for(self, role, is_api):
        key = (role, is_api)
        client = self._clients.get(key)
        if client is None or (not is_api and role in self.users and not client.session.session_key):
            client = Client(raise_request_exception=False)
            if role in self.users:
                if is_api:
                    client.defaults["HTTP_AUTHORIZATION"] = f"Token {self.tokens[role]}"
                else:
                    client.force_login(self.users[role])
            self._clients[key] = client
        return client

    def request(self, client, method, path):
        data = "{}" if method in WRITES else None
        kwargs = {"content_type": "application/json"} if method in WRITES else {}
        if method == "POST" and not path.startswith("/api/"):
            kwargs, data = {}, {}
        call = getattr(client, method.lower())
        return call(path, data, **kwargs) if data is not None else call(path)

    def judge(self, rule, role, method, expected, response, changed, record, step):
        status = response.status_code
        location = response.headers.get("Location", "")
        to_login = status == 302 and location.startswith(LOGIN_PATH)
        if status >= 500:
            exc = getattr(response, "exc_info", None)
            return f"server error {status}" + (f": {exc[1]!r}" if exc else "")
        if role == EXPIRED and not rule.api:
            # Their session ends on the first request, whatever the page.
            return None if to_login else f"expected the login page, got {status} {location}"
        if rule.admin_site and expected == "allowed":
            # Django's admin applies its own model permissions (records are read-only there).
            ok = not to_login or rule.ends_session
            return None if ok else "the admin sent an administrator to log in"
        if expected == "allowed":
            if rule.ends_session and to_login:
                return None
            if status == 405 and (method == "OPTIONS" or (method == "HEAD" and not rule.api)):
                return None  # a view may serve GET alone
            if status == 403 and STEP in rule.methods.values():
                return None  # four-eyes, audit-team and similar workflow rules may refuse
            if status in (401, 403, 404, 405) or to_login:
                return f"allowed by the matrix but answered {status} {location}".strip()
            return None
        if changed:
            return f"{expected} but changed {', '.join(changed)} (answered {status})"
        if role == ANONYMOUS and rule.methods.get("GET") is not anyone:
            if rule.api:
                return None if status in (401, 403) else f"anonymous API answered {status}"
            if rule.admin_site and status == 302:
                return None  # the admin's login hands over to the portal's
            return None if to_login else f"expected the login page, got {status} {location}"
        if role == EXPIRED:
            return None if status == 401 else f"expired token answered {status}, not 401"
        if status in (403, 405) or (status == 404 and rule.hides_others):
            return None
        if method == "OPTIONS" and status == 200 and not response.content and not rule.api:
            return None  # Django's OPTIONS answer: the Allow header, no data
        if step is not None and not step.movable and status in (302, 400):
            return None  # no sample record can take a step now: refused for its state
        if rule.admin_site and (to_login or location.startswith("/admin/")):
            return None  # the admin sends non-staff to its login, which refuses them
        if expected == "not-served" and method not in WRITES:
            return None if status < 400 else f"answered {status}"
        if expected == "not-served" and not rule.api:
            # A function view that answers PUT/DELETE with its GET page: no write happened
            # (checked above); allowed only where the role may read the page.
            get_expected = self.expectation(rule, "GET", role, record, None)
            if get_expected == "allowed" and status in (200, 302):
                return None
        return f"{expected} but answered {status} {location}".strip()

    def sweep(self, role):
        self._clients = {}
        failures, checks = [], Counter()
        for route in sweep_routes():
            rule = rule_for(route.name)
            if rule is None:
                continue  # test_every_url_has_a_rule names it
            model = _model_of(route, rule)
            kwargs, record, step, query = self.kwargs_for(route, rule, model)
            if route.pattern.name is None:
                # The admin's unnamed catch-alls: an unknown admin page, an object shortcut.
                path = "/admin/no-such-page/" if "url" in kwargs else "/admin/registry/aisystem/1/"
            else:
                regex = route.pattern.pattern.regex
                positional = regex.groups - len(regex.groupindex)
                if positional:  # simple-history's admin: (object id, history id)
                    record = self.sample(model) if model else None
                    args = [record.pk if record else 1, *[1] * (positional - 1)]
                    path = reverse(route.name, args=args)
                else:
                    path = reverse(route.name, kwargs=kwargs) + query
            served = resolve(path.partition("?")[0])
            if served.url_name != route.pattern.name and served.func is not (
                route.pattern.callback
            ):
                continue  # shadowed by an earlier pattern with the same path
            methods = ADMIN_SITE_METHODS if rule.admin_site else METHODS
            for method in methods:
                expected = self.expectation(rule, method, role, record, step)
                client = self.client_for(role, rule.api)
                check_writes = expected != "allowed" and method in WRITES
                with transaction.atomic():
                    before = _fingerprint() if check_writes else None
                    response = self.request(client, method, path)
                    after = _fingerprint() if check_writes else None
                    transaction.set_rollback(True)
                changed = _changed(before, after) if check_writes else []
                problem = self.judge(rule, role, method, expected, response, changed, record, step)
                checks[expected] += 1
                if problem:
                    failures.append(f"{method} {path} [{route.name}] as {role}: {problem}")
                if not rule.api and role in self.users and not client.session.session_key:
                    # A view that logged the user out (logout, window closed) ended the session.
                    self._clients.pop((role, False), None)
        _record_counts(role, checks)
        assert not failures, f"{len(failures)} permission failures:\n" + "\n".join(failures)
        assert sum(checks.values()) > 100

    def test_admin(self):
        self.sweep(roles.ADMIN)

    def test_governance_lead(self):
        self.sweep(roles.GOVERNANCE_LEAD)

    def test_system_owner(self):
        self.sweep(roles.SYSTEM_OWNER)

    def test_executive(self):
        self.sweep(roles.EXECUTIVE)

    def test_auditor(self):
        self.sweep(roles.AUDITOR)

    def test_anonymous(self):
        self.sweep(ANONYMOUS)

    def test_auditor_whose_access_ended(self):
        self.sweep(EXPIRED)


LOGIN_PATH = "/accounts/login/"
COUNTS_FILE = Path(settings.BASE_DIR) / "test-artifacts" / "permission-sweep.json"


def _record_counts(role, checks):
    """Write how many checks each role's sweep made (test-artifacts/permission-sweep.json)."""
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(COUNTS_FILE.read_text()) if COUNTS_FILE.exists() else {}
    data[role] = {"checks": sum(checks.values()), **dict(checks)}
    data["urls"] = len([r for r in sweep_routes() if rule_for(r.name)])
    data["total_checks"] = sum(v["checks"] for k, v in data.items() if isinstance(v, dict))
    COUNTS_FILE.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(f"permission sweep, {role}: {sum(checks.values())} checks {dict(checks)}")


# --- the table itself -----------------------------------------------------------------------


def test_every_url_has_a_rule():
    missing = sorted(r.name for r in sweep_routes() if rule_for(r.name) is None)
    assert not missing, (
        "URLs without an entry in tests/test_permission_sweep.py RULES (say which area and "
        "action each method needs): " + ", ".join(missing)
    )


def test_every_rule_names_a_url():
    names = {r.name for r in sweep_routes()}
    stale = sorted(set(RULES) - names)
    assert not stale, f"RULES entries for URLs that no longer exist: {', '.join(stale)}"


def test_rules_use_the_matrix_vocabulary():
    matrix = roles.matrix()
    for name, rule in RULES.items():
        assert rule.area is None or rule.area in matrix.areas, name
        for method, action in rule.methods.items():
            assert method in METHODS, (name, method)
            assert callable(action) or action in (*matrix.actions, STEP), (name, action)


def test_the_sweep_covers_pages_api_and_admin():
    names = [r.name for r in sweep_routes()]
    assert len(names) > 150
    assert any(n.startswith("admin:") for n in names)
    assert any(n.endswith("-list") and ":" not in n for n in names)  # API routes
    assert re.search(r"registry:aisystem-detail", " ".join(names))


# --- scoped access ----------------------------------------------------------------------------


class ScopedSweep(TestCase):
    """A system owner limited to one business unit (an owning team) and an auditor engaged
    for one AI system, on demo data: for every record type that reaches an AI system, no
    record outside the scope shows through its list page, its CSV export, its API list, its
    detail page, its API detail or its history; the ledger's entries and evidence bundles,
    which cover every record, are refused."""

    OUTSIDE_SAMPLES = 3  # out-of-scope records opened one by one, per record type

    @classmethod
    def setUpTestData(cls):
        from identity import services as identity
        from registry.models import AISystem, Team

        call_command("seed_demo", stdout=StringIO())
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        admin = user_model.objects.get(username="admin")
        systems = list(AISystem.objects.order_by("pk"))
        cls.unit_system, cls.audited_system = systems[0], systems[1]
        team = Team.objects.create(
            slug="team-scope", name="Scope unit", contact="unit@example.test", lead=admin
        )
        AISystem.objects.filter(pk=cls.unit_system.pk).update(owner_team=team)
        cls.scoped = {
            "owner": factories.UserFactory(role=roles.SYSTEM_OWNER, username="unit-owner"),
            "auditor": factories.UserFactory(role=roles.AUDITOR, username="engaged-auditor"),
        }
        identity.access_scope_set(
            cls.scoped["owner"], actor=admin, teams=[team], systems=[], reason="Owns one unit"
        )
        identity.access_scope_set(
            cls.scoped["auditor"],
            actor=admin,
            teams=[],
            systems=[cls.audited_system],
            reason="Engaged for one system",
        )
        cls.tokens = {name: api_token_create(user).key for name, user in cls.scoped.items()}

    def inside_ids(self, model, system):
        from aims_portal.scopes import scope_path

        path = scope_path(model)
        paths = (path,) if isinstance(path, str) else path
        ids = set()
        for lookup in paths:
            if lookup == "pk":
                ids.add(system.pk)
            else:
                ids |= set(
                    model._base_manager.filter(**{lookup: system}).values_list("pk", flat=True)
                )
        return ids

    def check(self, name, system):
        from aims_portal.records import registered_types
        from aims_portal.scopes import scope_path

        user = self.scoped[name]
        page = Client()
        page.force_login(user)
        api_client = Client(HTTP_AUTHORIZATION=f"Token {self.tokens[name]}")
        failures, checked = [], 0
        for rt in registered_types():
            model = rt.model
            if scope_path(model) is None or not roles.can(user, "view", rt.area):
                continue
            inside = self.inside_ids(model, system)
            outside = list(
                model._base_manager.exclude(pk__in=inside).order_by("pk")[: self.OUTSIDE_SAMPLES]
            )
            if not outside:
                continue
            listing = page.get(rt.list_url, {"status": "all", "per_page": 100})
            for record in outside:
                detail = rt.object_urls(record)["detail"]
                if f'href="{detail}"' in listing.content.decode():
                    failures.append(f"{rt.list_url} lists {detail}")
                if page.get(detail).status_code != 404:
                    failures.append(f"{detail} answered, not 404")
                checked += 2
            csv = page.get(rt.list_url, {"status": "all", "_export": "csv"})
            rows = max(len(csv.content.decode().strip().splitlines()) - 1, 0)
            if csv.status_code == 200 and rows > len(inside):
                failures.append(f"{rt.list_url} CSV has {rows} rows, {len(inside)} in scope")
            checked += 1
            history = reverse(
                "record-history",
                args=[model._meta.app_label, model._meta.model_name, outside[0].pk],
            )
            if page.get(history).status_code != 404:
                failures.append(f"{history} answered, not 404")
            checked += 1
        for basename, model in self.api_routes():
            inside = self.inside_ids(model, system)
            listed = api_client.get(reverse(f"{basename}-list"), {"page_size": 500})
            if listed.status_code == 200:
                ids = {row["id"] for row in listed.json()["results"]}
                if ids - inside:
                    failures.append(f"API {basename} lists {sorted(ids - inside)[:5]}")
                checked += 1
            for record in model._base_manager.exclude(pk__in=inside)[: self.OUTSIDE_SAMPLES]:
                answer = api_client.get(reverse(f"{basename}-detail", args=[record.pk]))
                if answer.status_code not in (403, 404):
                    failures.append(f"API {basename} {record.pk} answered {answer.status_code}")
                checked += 1
        assert not failures, f"{len(failures)} records outside the scope:\n" + "\n".join(failures)
        assert checked > 50, checked
        return page

    def api_routes(self):
        from aims_portal.scopes import scope_path

        for route in sweep_routes():
            if not route.name.endswith("-detail") or ":" in route.name:
                continue
            model = _model_of(route, None)
            if model is None or getattr(model, "area", None) is None:
                continue
            if scope_path(model) is None:
                continue
            yield route.name.removesuffix("-detail"), model

    def test_scoped_owner_sees_only_their_unit(self):
        self.check("owner", self.unit_system)

    def test_scoped_auditor_sees_only_the_engaged_system(self):
        page = self.check("auditor", self.audited_system)
        assert page.get(reverse("ledger:entries")).status_code == 403
        assert page.post(reverse("ledger:bundle-create")).status_code == 403
