"""Annex A catalogue, clause 4-10 requirements, crosswalks, the SoA and controlled documents."""
