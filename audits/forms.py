from django import forms
from django.contrib.auth import get_user_model

from aims_portal.records.forms import ModelForm
from assessments.models import ImpactAssessment
from controls.models import Control, Requirement, SoAEntry
from registry.models import AISystem

from .models import (
    Audit,
    AuditProgramme,
    Certificate,
    CertificationAudit,
    CertificationBody,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class ProgrammeForm(ModelForm):
    class Meta:
        model = AuditProgramme
        fields = ["year", "title", "objectives", "owner"]
        widgets = {"objectives": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


class AuditForm(ModelForm):
    class Meta:
        model = Audit
        fields = [
            "programme",
            "title",
            "scope",
            "systems",
            "requirements",
            "controls",
            "lead_auditor",
            "auditors",
            "planned_start",
            "planned_end",
            "conclusion",
        ]
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "conclusion": forms.Textarea(attrs={"rows": 3}),
            "planned_start": DATE,
            "planned_end": DATE,
            "systems": forms.SelectMultiple(attrs={"size": 6}),
            "requirements": forms.SelectMultiple(attrs={"size": 8}),
            "controls": forms.SelectMultiple(attrs={"size": 8}),
            "auditors": forms.SelectMultiple(attrs={"size": 5}),
        }
        help_texts = {
            "auditors": "No one on the team may own a record the audit looks at.",
            "lead_auditor": "Leads the audit and signs its report; must be independent of "
            "the scope.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_auditor"].queryset = _people()
        self.fields["auditors"].queryset = _people()
        self.fields["systems"].queryset = AISystem.objects.order_by("name")
        self.fields["requirements"].queryset = Requirement.objects.order_by("sort_key")
        self.fields["controls"].queryset = Control.objects.order_by("sort_key")


class ChecklistLineForm(ModelForm):
    class Meta:
        model = ChecklistLine
        fields = ["result", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


class FindingForm(ModelForm):
    class Meta:
        model = Finding
        fields = ["checklist_line", "kind", "title", "description", "evidence_summary"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "evidence_summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        line = self.fields.get("checklist_line")
        if line is not None:
            # Lines of audits in progress that have a result: where findings can be raised.
            line.queryset = (
                ChecklistLine.objects.filter(audit__status=Audit.Status.IN_PROGRESS)
                .exclude(result=ChecklistLine.Result.NOT_ASSESSED)
                .select_related("audit")
                .order_by("audit__reference", "sort_key")
            )
            if self.instance.pk:
                del self.fields["checklist_line"]


class CorrectiveActionForm(ModelForm):
    class Meta:
        model = CorrectiveAction
        fields = [
            "finding",
            "review",
            "title",
            "root_cause",
            "correction",
            "action",
            "owner",
            "due_date",
        ]
        widgets = {
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "correction": forms.Textarea(attrs={"rows": 2}),
            "action": forms.Textarea(attrs={"rows": 3}),
            "due_date": DATE,
        }
        help_texts = {
            "finding": "The finding this action answers (or choose a management review).",
            "review": "The management review that decided this action.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()
        if self.instance.pk:
            del self.fields["finding"], self.fields["review"]
        else:
            self.fields["finding"].queryset = Finding.objects.filter(
                status=Finding.Status.OPEN
            ).order_by("-reference")
            self.fields["review"].queryset = ManagementReview.objects.order_by("-meeting_date")


class ManagementReviewForm(ModelForm):
    class Meta:
        model = ManagementReview
        fields = [
            "title",
            "meeting_date",
            "chair",
            "attendees",
            "other_attendees",
            "changes_in_issues",
            "interested_parties_feedback",
            "objectives_performance",
            "improvement_opportunities",
            "decisions",
        ]
        widgets = {
            "meeting_date": DATE,
            "attendees": forms.SelectMultiple(attrs={"size": 5}),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "changes_in_issues",
                    "interested_parties_feedback",
                    "objectives_performance",
                    "improvement_opportunities",
                    "decisions",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _people()
        self.fields["attendees"].queryset = _people()


class EvidenceEditForm(ModelForm):
    """Editing keeps what the evidence is; only its description (and a link) can change."""

    url = forms.URLField(label="Link", required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = EvidenceItem
        fields = ["title", "description", "url"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind != EvidenceItem.Kind.LINK:
            del self.fields["url"]


class EvidenceForm(forms.Form):
    """Add evidence: a file, a link or a portal record, attached to one record."""

    kind = forms.ChoiceField(
        label="Evidence is", choices=EvidenceItem.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    upload = forms.FileField(label="File", required=False)
    url = forms.URLField(
        label="Link",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="For a link: where the evidence lives, e.g. a ticket or a wiki page.",
    )
    record_link = forms.CharField(
        label="Portal record",
        required=False,
        max_length=500,
        help_text="For a portal record: the address of its page here, e.g. /inventory/systems/3/.",
    )
    checklist_line = forms.ModelChoiceField(
        queryset=ChecklistLine.objects.none(), required=False, widget=forms.HiddenInput
    )
    finding = forms.ModelChoiceField(
        queryset=Finding.objects.order_by("-reference"), required=False
    )
    corrective_action = forms.ModelChoiceField(
        queryset=CorrectiveAction.objects.order_by("-reference"), required=False
    )
    soa_entry = forms.ModelChoiceField(
        label="SoA entry",
        queryset=SoAEntry.objects.select_related("control").order_by("control__sort_key"),
        required=False,
    )
    assessment = forms.ModelChoiceField(
        label="Impact assessment",
        queryset=ImpactAssessment.objects.order_by("-reference", "-revision"),
        required=False,
    )

    requirement = forms.ModelChoiceField(
        label="Clause requirement",
        queryset=Requirement.objects.order_by("sort_key"),
        required=False,
    )

    TARGET_FIELDS = (
        "checklist_line",
        "finding",
        "corrective_action",
        "soa_entry",
        "assessment",
        "requirement",
    )

    def __init__(self, *args, fixed_target=None, **kwargs):
        from .services import upload_limits

        super().__init__(*args, **kwargs)
        self.fixed_target = fixed_target
        max_bytes, types = upload_limits()
        self.fields["upload"].help_text = (
            f"For an uploaded file: at most {max_bytes / 1048576:.0f} MB, of type "
            f"{', '.join(sorted(types))}. Its SHA-256 is kept with it."
        )
        self.fields["checklist_line"].queryset = ChecklistLine.objects.select_related("audit")
        if fixed_target:
            # Opened from a record's page: the target is known, so only it is sent.
            for name in self.TARGET_FIELDS:
                self.fields[name].widget = forms.HiddenInput()

    def clean_upload(self):
        from .services import check_upload

        upload = self.cleaned_data.get("upload")
        if upload and self.data.get("kind") == EvidenceItem.Kind.FILE:
            try:
                check_upload(upload)
            except forms.ValidationError as error:
                raise forms.ValidationError(error.message_dict["file"]) from None
        return upload


class CertificationBodyForm(ModelForm):
    class Meta:
        model = CertificationBody
        fields = ["name", "accreditation", "contact_name", "contact_email", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CertificationAuditForm(ModelForm):
    class Meta:
        model = CertificationAudit
        fields = [
            "body",
            "kind",
            "cycle",
            "planned_start",
            "planned_end",
            "lead_auditor",
            "audit_team",
            "scope",
            "owner",
            "status",
            "completed_on",
            "outcome",
            "report_summary",
        ]
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "completed_on": DATE,
            "audit_team": forms.Textarea(attrs={"rows": 2}),
            "scope": forms.Textarea(attrs={"rows": 3}),
            "report_summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = _people()
        if "body" in self.fields:
            self.fields["body"].queryset = CertificationBody.objects.filter(retired_at=None)


class CertificateForm(ModelForm):
    class Meta:
        model = Certificate
        fields = ["number", "granted_by", "scope", "issued_on", "expires_on", "status", "owner"]
        widgets = {
            "issued_on": DATE,
            "expires_on": DATE,
            "scope": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = _people()
        if "granted_by" in self.fields:
            self.fields["granted_by"].queryset = CertificationAudit.objects.filter(
                kind__in=("stage2", "recertification"), status="completed"
            ).select_related("body")


class CertificationFindingForm(forms.Form):
    """A finding from the certification body's report."""

    kind = forms.ChoiceField(label="Type", choices=Finding.Kind.choices)
    requirement = forms.ModelChoiceField(
        label="Clause requirement",
        queryset=Requirement.objects.order_by("sort_key"),
        required=False,
    )
    control = forms.ModelChoiceField(
        label="or Annex A control",
        queryset=Control.objects.order_by("sort_key"),
        required=False,
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the body found missing or wrong, against which criterion.",
    )
    evidence_summary = forms.CharField(
        label="Objective evidence",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the external auditors saw that shows it.",
    )
