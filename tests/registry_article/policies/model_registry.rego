package ai.model_registry

default allow := false

deny contains msg if {
	input.deployment.environment == "production"
	input.classification.data_sensitivity == "pii"
	not input.governance.impact_assessment_id
	msg := sprintf("model %q handles PII but has no impact assessment", [input.id])
}

deny contains msg if {
	input.deployment.environment == "production"
	input.classification.risk_tier == "high"
	not "dpo" in input.governance.approved_by
	msg := sprintf("high-risk model %q missing DPO approval", [input.id])
}

deny contains msg if {
	input.lifecycle.stage == "production"
	not input.governance.last_reviewed
	msg := sprintf("model %q has no review date", [input.id])
}

allow if {
	count(deny) == 0
}
