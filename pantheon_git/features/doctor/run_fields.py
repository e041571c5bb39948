"""``pantheon doctor``'s custom field check: the seed's ``c_`` fields exist on
HierarchicalRequirement with usable types, and ``--create-fields`` creates the missing ones
(Rally cannot retype or delete a field, so a wrong type is reported, never "fixed")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pantheon_git.errors import RallyError, redact
from pantheon_git.features.doctor import report as rules
from pantheon_git.features.doctor.report import FAIL, OK, WARN, Check
from pantheon_git.rally.schema import check_fields

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient
    from pantheon_git.rally.schema import AttributeDef


def fields_check(
    client: RallyClient, names: Mapping[str, str], *, create: bool, created: list[str]
) -> Check:
    """The custom fields on HierarchicalRequirement, under the names the config gives them;
    with ``create``, the missing ones are created (their names go to ``created``)."""
    title = "Custom fields"
    wanted = rules.wanted_fields(names)
    try:
        attributes = client.attributes()
    except RallyError as exc:
        return Check("fields", title, FAIL, first_line(exc.message), exc.hint)
    problems = _field_problems(attributes, wanted)
    failures: list[str] = []
    if create:
        failures = _create_missing(client, wanted, problems, created)
        if created:
            problems = _field_problems(client.attributes(), wanted)
    required = [w for w in wanted if w.required and w.element in problems]
    optional = [w for w in wanted if not w.required and w.element in problems]
    made = f"created {', '.join(created)}; " if created else ""
    if required:
        listed = _describe_problems([problems[w.element] for w in required])
        missing_only = all(problems[w.element].problem == "missing" for w in required)
        if failures:
            fix = (
                "A workspace administrator's key can create them: "
                f"`pantheon doctor --create-fields` ({'; '.join(failures)})"
            )
        elif missing_only:
            fix = "pantheon doctor --create-fields  (needs a workspace administrator's key)"
        else:
            fix = (
                "Rally cannot change a field's type: create fields with other names and map "
                "them under `fields:` in the config (e.g. locked_by: c_PantheonLockedBy)"
            )
        return Check(
            "fields",
            title,
            FAIL,
            f"{made}on HierarchicalRequirement, {listed}",
            fix,
            {
                "created": list(created),
                "problems": [problems[w.element].describe() for w in required],
            },
        )
    if optional:
        note = "; ".join(problems[w.element].describe() for w in optional)
        return Check(
            "fields",
            title,
            WARN,
            f"{made}the required ones are fine; optional {note} (acceptance criteria are read "
            "from the Description instead)",
            "pantheon doctor --create-fields",
            {"created": list(created)},
        )
    return Check(
        "fields",
        title,
        OK,
        f"{made}all {len(wanted)} exist on HierarchicalRequirement with the right types",
        data={"created": list(created), "fields": [w.element for w in wanted]},
    )


def _describe_problems(problems: list[Any]) -> str:
    missing = [p for p in problems if p.problem == "missing"]
    others = [p for p in problems if p.problem != "missing"]
    parts = []
    if missing:
        listed = ", ".join(f"{p.element_name} ({p.expected[0]})" for p in missing)
        parts.append(f"{len(missing)} missing: {listed}")
    parts.extend(p.describe() for p in others)
    return "; ".join(parts)


def _create_missing(
    client: RallyClient,
    wanted: list[rules.WantedField],
    problems: Mapping[str, Any],
    created: list[str],
) -> list[str]:
    """Create the missing fields; returns what could not be created, and why."""
    failures = []
    for want in wanted:
        problem = problems.get(want.element)
        if problem is None or problem.problem != "missing":
            continue
        if not want.element.startswith("c_"):
            failures.append(f"{want.element} is not a custom field name (c_...)")
            continue
        try:
            client.create_attribute(want.element, want.create_as)
        except RallyError as exc:
            failures.append(f"{want.element}: {first_line(exc.message)}")
            continue
        created.append(want.element)
    return failures


def _field_problems(
    attributes: list[AttributeDef], wanted: list[rules.WantedField]
) -> dict[str, Any]:

    found = check_fields(attributes, {w.element: w.types for w in wanted})
    return {p.element_name: p for p in found}


def first_line(text: str) -> str:
    return redact(text.strip().splitlines()[0] if text.strip() else text)
