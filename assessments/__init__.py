"""AI impact assessments, the risk register and the risk scoring method."""
