"""Audit programme, internal audits, findings, corrective actions, management reviews."""
