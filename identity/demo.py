"""Demo group mappings: what an organisation connecting its identity provider would set up,
one provider group per portal role and one for the data protection officer's sign-off.

``load(users)`` is called by ``manage.py seed_demo``; it adds the mappings only while there
are none, so it can run again.
"""

from aims_portal import roles

from . import services
from .models import GroupRoleMapping, Responsibility

MAPPINGS = (
    ("aims-governance", roles.GOVERNANCE_LEAD, "The AI governance office."),
    ("aims-system-owners", roles.SYSTEM_OWNER, "Product owners of AI systems."),
    ("aims-executives", roles.EXECUTIVE, "Executive committee members who approve."),
    ("aims-auditors", roles.AUDITOR, "Internal audit; external auditors get windows instead."),
    ("privacy-office", Responsibility.DPO, "Signs off go-live for systems using personal data."),
)


def load(users):
    if GroupRoleMapping.objects.exists():
        return
    admin = users[roles.ADMIN]
    for group, role, note in MAPPINGS:
        services.group_mapping_create(
            actor=admin, data={"group": group, "role": str(role), "note": note}
        )
