"""The events people are told about, in-app, by e-mail and by webhook: type -> label."""

APPROVAL_REQUESTED = "approval.requested"
APPROVED = "approval.approved"
RETURNED = "approval.returned"
ASSIGNED = "assigned"
DUE = "due"
FINDING_RAISED = "finding.raised"
MENTIONED = "mentioned"

EVENT_TYPES = {
    APPROVAL_REQUESTED: "Approval requested",
    APPROVED: "Approved",
    RETURNED: "Returned or declined",
    ASSIGNED: "Assigned to someone",
    DUE: "Due or overdue",
    FINDING_RAISED: "Finding raised",
    MENTIONED: "Mentioned in a comment",
}
