"""Audit programme, internal audits and checklists, findings, corrective actions, management
reviews and evidence items."""

from .audits import Audit, AuditProgramme, ChecklistLine
from .certification import Certificate, CertificationAudit, CertificationBody
from .evidence import EvidenceItem
from .findings import CorrectiveAction, Finding
from .reports import ReportExport
from .reviews import ManagementReview

__all__ = [
    "Audit",
    "AuditProgramme",
    "Certificate",
    "CertificationAudit",
    "CertificationBody",
    "ChecklistLine",
    "CorrectiveAction",
    "EvidenceItem",
    "Finding",
    "ManagementReview",
    "ReportExport",
]
