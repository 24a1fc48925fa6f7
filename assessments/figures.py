"""Figures of an impact assessment shared by its page and its PDF."""

from aims_portal import charts

from .selectors import heat_cells


def impact_rows(impacts, method) -> list[dict]:
    """Each impact with the scoring method's level of its score before and after mitigation."""
    return [
        {
            "impact": impact,
            "level": method.level_for(impact.score),
            "residual_level": method.level_for(impact.residual_score),
        }
        for impact in impacts
    ]


def impact_heat_maps(impacts, method) -> list:
    """Heat maps (SVG) of the impacts before and after mitigation, for the page and the PDF."""
    inherent, residual = {}, {}
    for impact in impacts:
        if impact.likelihood and impact.severity:
            key = (impact.likelihood, impact.severity)
            inherent[key] = inherent.get(key, 0) + 1
        if impact.residual_likelihood and impact.residual_severity:
            key = (impact.residual_likelihood, impact.residual_severity)
            residual[key] = residual.get(key, 0) + 1
    size = method.matrix_size
    return [
        charts.heat_map(
            heat_cells(counts, method),
            size=size,
            title=title,
            x_label="Severity",
            y_label="Likelihood",
            cell=44,
        )
        for title, counts in (("Before mitigation", inherent), ("After mitigation", residual))
    ]
