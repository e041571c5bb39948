"""The control plane under ``/_emulator/`` (like moto's ``/moto-api/``), for tests and benchmarks.

It needs no key and is never reachable under ``/slm/``:

- ``GET  /_emulator/health``        -> ``{"ok": true}``
- ``GET  /_emulator/info``          -> workspace, project, ObjectIDs, data file, settings
- ``GET  /_emulator/stats``         -> request counts: total, by method, by route, faults,
  conflicts (writes refused because another write to the same object overlapped them)
- ``POST /_emulator/stats/reset``   -> counts back to zero
- ``POST /_emulator/reset``         -> data wiped and seeded again as at start, counts zeroed
- ``GET|POST /_emulator/config``    -> read or change latency_ms, jitter_ms, fault_rate,
  fault_seed (changing them restarts the fault sequence)
- ``POST /_emulator/seed``          -> bulk stories: ``{"stories": N, "epics": E,
  "tasks_per_story": T, "predecessors": P, "seed": S, "age_days": D}``, or ``{"demo": true}``
- ``POST /_emulator/users``         -> ``{"email", "display_name", "api_key"}``: one more
  user, whose key then authenticates as them
- ``GET|POST /_emulator/workspace`` -> read or change how the workspace behaves:
  ``date_precision`` (ms, second, day), ``task_rollup``, ``state_before``, ``state_after``,
  ``max_length`` (``{"c_Field": N}``), ``conflict_text``, ``task_touch``, ``link_touch``
  (``workspace.py``)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from pantheon_git.rally.emulator import seed
from pantheon_git.rally.emulator.backlog import demo_backlog
from pantheon_git.rally.emulator.values import rally_time
from pantheon_git.rally.emulator.wire import Request, Response, json_reply
from pantheon_git.rally.emulator.workspace import BadSetting

if TYPE_CHECKING:
    from pantheon_git.rally.emulator.app import Emulator


class _Bad(Exception):
    pass


def _body(request: Request) -> dict[str, Any]:
    try:
        doc = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Bad(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _Bad("body must be a JSON object")
    return doc


def _int(doc: dict[str, Any], key: str, default: int = 0, *, low: int = 0) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _Bad(f"{key} must be an integer >= {low}")
    return value


def _number(doc: dict[str, Any], key: str) -> float:
    value = doc.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _Bad(f"{key} must be a number >= 0")
    return float(value)


def info(emulator: Emulator) -> dict[str, Any]:
    place = emulator.place
    return {
        "workspace": emulator.workspace,
        "project": emulator.project,
        "workspace_oid": place.workspace,
        "project_oid": place.project,
        "subscription_oid": place.subscription,
        "data": emulator.store.path,
        "users": sorted(set(emulator.keys.values())),
        "config": asdict(emulator.faults.settings),
        "workspace_settings": emulator.options.settings.as_dict(),
    }


def _config(emulator: Emulator, request: Request) -> dict[str, Any]:
    if request.method == "POST":
        doc = _body(request)
        current = emulator.faults.settings
        changes: dict[str, Any] = {}
        for key in ("latency_ms", "jitter_ms", "fault_rate"):
            if key in doc:
                value = doc[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise _Bad(f"{key} must be a number >= 0")
                changes[key] = float(value)
        if changes.get("fault_rate", 0) > 1:
            raise _Bad("fault_rate must be between 0 and 1")
        if "fault_seed" in doc:
            value = doc["fault_seed"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise _Bad("fault_seed must be an integer or null")
            changes["fault_seed"] = value
        emulator.faults.configure(replace(current, **changes))
    return asdict(emulator.faults.settings)


def _seed(emulator: Emulator, request: Request) -> dict[str, Any]:
    doc = _body(request)
    moment = emulator.clock()
    with emulator.store.write() as tx:
        if doc.get("demo"):
            try:
                precision = emulator.options.settings.date_precision
                return seed.seed_demo(tx, emulator.place, moment, demo_backlog(), precision)
            except ValueError as exc:
                raise _Bad(str(exc)) from None
        return seed.seed_bulk(
            tx,
            emulator.place,
            moment,
            stories=_int(doc, "stories", 0),
            epics=_int(doc, "epics", 0),
            tasks_per_story=_int(doc, "tasks_per_story", 0),
            predecessors=_int(doc, "predecessors", 0),
            seed=_int(doc, "seed", 0),
            age_days=_number(doc, "age_days"),
        )


def _users(emulator: Emulator, request: Request) -> dict[str, Any]:
    doc = _body(request)
    email = doc.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise _Bad("email is required")
    key = doc.get("api_key")
    if key is not None and not isinstance(key, str):
        raise _Bad("api_key must be a string")
    display = str(doc.get("display_name") or email.split("@")[0])
    oid = emulator.add_user(email, display, key)
    return {"ObjectID": oid, "email": email, "created": rally_time(emulator.clock())}


def _workspace(emulator: Emulator, request: Request) -> dict[str, Any]:
    if request.method == "POST":
        try:
            settings = emulator.options.settings.changed(_body(request))
        except BadSetting as exc:
            raise _Bad(str(exc)) from None
        emulator.configure_workspace(settings)
    return emulator.options.settings.as_dict()


def _reset(emulator: Emulator, request: Request) -> dict[str, Any]:
    emulator.reset()
    return {"ok": True}


def _stats(emulator: Emulator, request: Request) -> dict[str, Any]:
    return emulator.stats.as_dict()


def _reset_stats(emulator: Emulator, request: Request) -> dict[str, Any]:
    emulator.reset_stats()
    return {"ok": True}


ROUTES: dict[tuple[str, str], Callable[[Emulator, Request], dict[str, Any]]] = {
    ("GET", "/_emulator/health"): lambda emulator, request: {"ok": True},
    ("GET", "/_emulator/info"): lambda emulator, request: info(emulator),
    ("GET", "/_emulator/stats"): _stats,
    ("POST", "/_emulator/stats/reset"): _reset_stats,
    ("POST", "/_emulator/reset"): _reset,
    ("GET", "/_emulator/config"): _config,
    ("POST", "/_emulator/config"): _config,
    ("POST", "/_emulator/seed"): _seed,
    ("POST", "/_emulator/users"): _users,
    ("GET", "/_emulator/workspace"): _workspace,
    ("POST", "/_emulator/workspace"): _workspace,
}


def control(emulator: Emulator, request: Request) -> Response:
    route = ROUTES.get((request.method, request.path.rstrip("/")))
    if route is None:
        return json_reply(
            {"error": f"no such control route: {request.method} {request.path}"}, status=404
        )
    try:
        return json_reply(route(emulator, request))
    except _Bad as exc:
        return json_reply({"error": str(exc)}, status=400)
