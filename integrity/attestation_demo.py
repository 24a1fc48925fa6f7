"""Demo attestations: the support assistant's gateway has a token and has attested a few
days of answers, across its two model versions. Idempotent: does nothing once the system
has a token. Called from the integrity app's demo loader, after the registry's has made the
systems and their lineage."""

import datetime
import hashlib

from django.utils import timezone

from aims_portal import roles
from registry.models import AISystem

from . import attestations as services
from .models import AttestationToken

SYSTEM = "support-assistant"
# What the demo gateway decided, in proportions a support assistant might see.
DECISIONS = ["allowed"] * 14 + ["modified"] * 3 + ["escalated"] * 2 + ["blocked"]


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def load(users):
    system = AISystem.objects.filter(slug=SYSTEM).first()
    if system is None or AttestationToken.objects.filter(system=system).exists():
        return
    versions = list(system.model_versions.order_by("deployed_at"))
    if not versions:
        return
    token, _ = services.attestation_token_create(
        actor=users[roles.ADMIN], system=system, name="Support gateway (EU)"
    )
    now = timezone.now()
    items = []
    for n in range(120):
        moment = now - datetime.timedelta(hours=2 * n + 1)
        version = next((v for v in reversed(versions) if v.deployed_at <= moment), versions[0])
        if version.deployed_at > moment:
            continue
        items.append(
            {
                "system": SYSTEM,
                "model_version": version.pk,
                "input_sha256": _sha(f"demo ticket {n}"),
                "output_sha256": _sha(f"demo suggested reply {n}"),
                "decision": DECISIONS[n % len(DECISIONS)],
                "metadata": {"channel": "email" if n % 3 else "chat", "ticket": f"T-{4100 + n}"},
                "occurred_at": moment.isoformat(),
            }
        )
    services.attestations_register(token=token, items=items[::-1])
