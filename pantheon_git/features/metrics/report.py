"""The ``pantheon metrics`` report: the seed's six metrics, each with its target and a mark."""

from __future__ import annotations

from collections.abc import Sequence

from pantheon_git.features.metrics import MISS, PASS, Metric

RULE = "━" * 47
MARKS = {PASS: "✅", MISS: "❌", "unknown": "❔"}


def shown_value(metric: Metric) -> str:
    if metric.value is None:
        return "not known"
    if metric.unit == "%":
        prefix = "σ " if metric.key == "lane_balance" else ""
        return f"{prefix}{metric.value:.1f}%"
    return f"{metric.value:.2f} {metric.unit}"


def render_metrics(
    metrics: Sequence[Metric], *, sources: Sequence[str], since: str | None, how: bool = False
) -> str:
    lines = ["Success Metrics", RULE]
    lines.append(f"Since: {since}" if since else "Since: the start of the records")
    for i, source in enumerate(sources):
        lines.append(("From:  " if i == 0 else "       ") + source)
    lines.append("")
    width = max(len(m.name) for m in metrics)
    column = max(len(shown_value(m)) for m in metrics)
    for m in metrics:
        value = shown_value(m)
        lines.append(f"{MARKS[m.status]} {m.name:<{width}}  {value:<{column}}  target {m.target}")
        lines.append(f"   {m.detail}")
        if how:
            lines.append(f"   How: {m.how}")
    passed = sum(1 for m in metrics if m.status == PASS)
    missed = sum(1 for m in metrics if m.status == MISS)
    unknown = len(metrics) - passed - missed
    lines.append("")
    lines.append(f"{passed} on target, {missed} missed, {unknown} not known yet.")
    if not how:
        lines.append("Run `pantheon metrics -v` to see how each is measured.")
    return "\n".join(lines)
