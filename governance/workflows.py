"""The approval workflow of the AIMS scope statement: the portal's one approval flow with
the scope's own precondition."""

from aims_portal.workflow import approval_workflow


def scope_ready(scope) -> list[str]:
    """What keeps a scope statement from being submitted for approval."""
    problems = []
    if not scope.systems_in.exists():
        problems.append("Name at least one AI system in scope.")
    if not scope.interfaces.strip():
        problems.append("Describe the interfaces with providers.")
    return problems


SCOPE_WORKFLOW = approval_workflow(
    guard=scope_ready, approve_label="Approve", redraft="revise", party_fields=("owner",)
)
