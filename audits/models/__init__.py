"""Audit programme, internal audits and checklists, findings, corrective actions, management
reviews and evidence items."""

from .audits import Audit, AuditProgramme, ChecklistLine
from .evidence import EvidenceItem
from .findings import CorrectiveAction, Finding
from .reviews import ManagementReview

__all__ = [
    "Audit",
    "AuditProgramme",
    "ChecklistLine",
    "CorrectiveAction",
    "EvidenceItem",
    "Finding",
    "ManagementReview",
]
