# Quality monitoring: a system in production must name the data it is evaluated on.
package aims.registry.evaluation

import rego.v1

deny contains msg if {
	input.lifecycle.stage == "production"
	count(input.data.evaluation_sources) == 0
	msg := "in production without an evaluation data source (data.evaluation_sources)"
}
