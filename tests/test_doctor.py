"""``pantheon doctor`` against the emulator as a real server, in real repositories."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantheon_git.cache.store import Cache
from pantheon_git.main import main
from pantheon_git.rally.emulator.server import EmulatorHandle
from tests.support import cachefiles
from tests.support.gitrepo import GitRepo
from tests.support.rally import RallyProcess, Wsapi

SEED_FIELDS = [
    "c_LockedBy",
    "c_LockedAt",
    "c_LockExpiry",
    "c_LockToken",
    "c_Branch",
    "c_Coverage",
    "c_CommitSHA",
    "c_PantheonStatus",
]


def doctor(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo: GitRepo,
    env: dict[str, str],
    *args: str,
) -> tuple[int, dict[str, Any], str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(repo.path)
    code = main(["doctor", "--json", *args])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    return code, {c["name"]: c for c in doc["checks"]} | {"_ok": doc["ok"], "_doc": doc}, err


def install_plain_hooks(repo: GitRepo, stages: tuple[str, ...]) -> None:
    hooks = repo.path / ".git" / "hooks"
    for stage in stages:
        path = hooks / stage
        path.write_text(f'#!/bin/sh\nexec pantheon hook {stage} "$@"\n')
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def synced(repo: GitRepo, when: datetime) -> None:
    cachefiles.write_meta(Cache(repo.path), last_sync=when)


@pytest.fixture
def ready_repo(git_repo: GitRepo) -> GitRepo:
    """Config written by init, all four hooks, a cache synced a minute ago."""
    code = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "init"], cwd=git_repo.path, check=False
    ).returncode
    assert code == 0
    install_plain_hooks(git_repo, ("pre-commit", "commit-msg", "pre-push", "post-checkout"))
    synced(git_repo, datetime.now(UTC) - timedelta(minutes=1))
    return git_repo


def test_everything_ready_passes_every_check(
    ready_repo: GitRepo,
    rally_process: RallyProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, checks, _err = doctor(capsys, monkeypatch, ready_repo, rally_process.env())
    assert code == 0, checks
    assert [c["status"] for n, c in checks.items() if not n.startswith("_")] == ["ok"] * 10
    locks = checks["locks"]
    assert locks["detail"].startswith(
        "c_LockedBy STRING, c_LockedAt DATE, c_LockExpiry DATE, c_LockToken STRING; "
    )
    assert locks["data"]["precision"] == "day"  # the demo's seeded locks, in a day workspace
    assert checks["scope"]["data"]["project"] == "Demo Project"
    assert "Alice Example" in checks["identity"]["detail"]
    assert set(checks["hooks"]["data"]["installed"]) == {
        "pre-commit",
        "commit-msg",
        "pre-push",
        "post-checkout",
    }


def test_missing_fields_are_reported_then_created(
    ready_repo: GitRepo,
    rally_process_factory: Callable[..., RallyProcess],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = rally_process_factory(
        seed=None, no_custom_fields=True, extra_args=("--user", "alice@example.com")
    )
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, server.env())
    assert code == 1
    fields = checks["fields"]
    assert fields["status"] == "fail"
    assert "8 missing" in fields["detail"]
    assert "c_LockedAt (DATE)" in fields["detail"]
    assert "c_Coverage (QUANTITY)" in fields["detail"]
    assert fields["fix"].startswith("pantheon doctor --create-fields")

    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, server.env(), "--create-fields")
    assert code == 0, checks
    assert checks["_doc"]["created_fields"] == [*SEED_FIELDS, "c_AcceptanceCriteria"]
    assert checks["fields"]["status"] == "ok"

    # Rally itself now has them, with the right types
    wsapi = Wsapi(server)
    try:
        typedef = wsapi.get(
            "typedefinition", query='(TypePath = "HierarchicalRequirement")', fetch="ObjectID"
        )["QueryResult"]["Results"][0]
        attrs = wsapi.get(
            f"typedefinition/{typedef['ObjectID']}/Attributes",
            fetch="ElementName,AttributeType",
            pagesize=200,
        )["QueryResult"]["Results"]
    finally:
        wsapi.close()
    types = {a["ElementName"]: a["AttributeType"] for a in attrs}
    assert types["c_LockedBy"] == "STRING"
    assert types["c_LockExpiry"] == "DATE"
    assert types["c_Coverage"] == "QUANTITY"
    assert types["c_AcceptanceCriteria"] == "TEXT"

    # a second run creates nothing more
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, server.env(), "--create-fields")
    assert code == 0
    assert checks["_doc"]["created_fields"] == []


def test_fields_of_the_wrong_type_are_not_recreated(
    ready_repo: GitRepo,
    rally_thread_factory: Callable[..., EmulatorHandle],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fields = {
        "Locked By": "TEXT",
        "Locked At": "DATE",
        "Lock Expiry": "STRING",
        "Lock Token": "STRING",
        "Branch": "STRING",
        "Coverage": "QUANTITY",
        "Commit SHA": "STRING",
        "Pantheon Status": "STRING",
    }
    handle = rally_thread_factory(seed="demo", custom_fields=fields)
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, handle.env(), "--create-fields")
    assert code == 1
    detail = checks["fields"]["detail"]
    assert "c_LockedBy is TEXT, want STRING" in detail
    assert "c_LockExpiry is STRING, want DATE" in detail
    assert "fields:" in checks["fields"]["fix"]
    # only the missing optional field was created; nothing was retyped
    assert checks["_doc"]["created_fields"] == ["c_AcceptanceCriteria"]


def test_a_key_in_the_config_file_is_found_and_never_shown(
    ready_repo: GitRepo,
    rally_process: RallyProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = ready_repo.path / "_bmad" / "pantheon" / "config.yaml"
    text = config.read_text()
    config.write_text(text + "rally_mcp:\n  env:\n    RALLY_API_KEY: demo-key-123456\n")
    env = rally_process.env() | {"RALLY_API_KEY": "demo-key-123456"}
    code, checks, err = doctor(capsys, monkeypatch, ready_repo, env)
    assert code == 1
    key = checks["api_key"]
    assert key["status"] == "fail"
    last = len(config.read_text().splitlines())
    assert f"line {last} holds the value of RALLY_API_KEY" in key["detail"]
    assert "revoke" in key["fix"]
    assert "demo-key-123456" not in json.dumps(checks["_doc"]) + err


def test_a_key_setting_under_pantheon_fails_the_config_too(
    ready_repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = ready_repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.write_text("pantheon:\n  rally_workspace: W\n  rally_api_key: hunter2hunter2\n")
    code, checks, err = doctor(capsys, monkeypatch, ready_repo, {})
    assert code == 1
    assert checks["config"]["status"] == "fail"
    assert "secret" in checks["config"]["detail"]
    assert checks["api_key"]["status"] == "fail"
    assert "line 3 sets `rally_api_key`" in checks["api_key"]["detail"]
    assert checks["rally"]["status"] == "skip"
    assert "hunter2" not in json.dumps(checks["_doc"]) + err


def test_wrong_key_and_unreachable_rally(
    ready_repo: GitRepo,
    rally_process: RallyProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, checks, _ = doctor(
        capsys, monkeypatch, ready_repo, rally_process.env() | {"RALLY_API_KEY": "wrong"}
    )
    assert code == 1
    assert checks["rally"]["status"] == "fail"
    assert "rejected the API key" in checks["rally"]["detail"]
    assert checks["scope"]["status"] == "skip"
    assert checks["fields"]["status"] == "skip"
    assert checks["identity"]["status"] == "warn"  # known locally, not checked against Rally

    offline = rally_process.env() | {"RALLY_URL": "http://127.0.0.1:9"}
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, offline)
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in checks["rally"]["detail"]


def test_unknown_workspace_and_unmapped_identity(
    ready_repo: GitRepo,
    rally_process: RallyProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = rally_process.env() | {"RALLY_PROJECT": "No Such Project"}
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, env)
    assert code == 1
    assert checks["rally"]["status"] == "ok"
    assert checks["scope"]["status"] == "fail"
    assert "'No Such Project' not found" in checks["scope"]["detail"]
    assert "Demo Project" in checks["scope"]["detail"]

    env = rally_process.env() | {"PANTHEON_USER": "stranger@example.com"}
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, env)
    assert code == 1
    assert checks["identity"]["status"] == "fail"
    assert "stranger@example.com" in checks["identity"]["detail"]
    assert "identities:" in checks["identity"]["fix"]


def test_identity_map_reaches_the_rally_user(
    ready_repo: GitRepo,
    rally_process: RallyProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ready_repo.git("config", "user.email", "jd@laptop.local")
    config = ready_repo.path / "_bmad" / "pantheon" / "config.yaml"
    config.write_text(
        config.read_text() + "  identities:\n    jd@laptop.local: john.doe@example.com\n"
    )
    code, checks, _ = doctor(capsys, monkeypatch, ready_repo, rally_process.env())
    assert code == 0, checks
    assert "jd@laptop.local (mapped to john.doe@example.com)" in checks["identity"]["detail"]
    assert "John Doe" in checks["identity"]["detail"]


def test_hooks_and_cache_problems(
    git_repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, checks, _ = doctor(capsys, monkeypatch, git_repo, {})
    assert code == 1
    assert checks["config"]["status"] == "warn"
    assert checks["config"]["fix"] == "pantheon init"
    assert checks["hooks"]["status"] == "fail"
    assert checks["cache"] == {**checks["cache"], "status": "fail", "fix": "pantheon sync"}

    install_plain_hooks(git_repo, ("pre-commit", "pre-push"))
    synced(git_repo, datetime.now(UTC) - timedelta(hours=30))
    code, checks, _ = doctor(capsys, monkeypatch, git_repo, {})
    assert checks["hooks"]["status"] == "warn"
    assert "missing commit-msg, post-checkout" in checks["hooks"]["detail"]
    assert checks["cache"]["status"] == "fail"
    assert "older than 24 h" in checks["cache"]["detail"]

    (git_repo.path / ".bmad" / "rally-cache" / "meta.json").write_text("{broken")
    code, checks, _ = doctor(capsys, monkeypatch, git_repo, {})
    assert checks["cache"]["fix"] == "pantheon sync --force"


def test_hooks_through_the_pre_commit_framework_and_core_hooks_path(
    git_repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (git_repo.path / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: https://github.com/acme/pantheon-git\n  rev: v1\n"
        "  hooks:\n  - id: pantheon-lock\n  - id: pantheon-pre-push\n"
    )
    hooks = git_repo.path / ".git" / "hooks"
    for stage in ("pre-commit", "pre-push"):
        (hooks / stage).write_text("#!/usr/bin/env bash\n# File generated by pre-commit\n")
        (hooks / stage).chmod(0o755)
    _, checks, _ = doctor(capsys, monkeypatch, git_repo, {})
    assert checks["hooks"]["data"]["installed"] == {
        "pre-commit": "pre-commit",
        "pre-push": "pre-commit",
    }

    shared = git_repo.path / "hooks"
    shared.mkdir()
    for stage in ("pre-commit", "commit-msg", "pre-push", "post-checkout"):
        (shared / stage).write_text(f'#!/bin/sh\nexec pantheon hook {stage} "$@"\n')
        (shared / stage).chmod(0o755)
    git_repo.git("config", "core.hooksPath", "hooks")
    _code, checks, _ = doctor(capsys, monkeypatch, git_repo, {})
    assert checks["hooks"]["status"] == "ok"
    assert Path(checks["hooks"]["data"]["hooks_dir"]) == shared


def test_outside_git_and_the_human_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "pantheon_git", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith("Pantheon Doctor\n")
    assert "❌ Git: not inside a git repository" in proc.stdout
    assert "❌ API key: RALLY_API_KEY is not set" in proc.stdout
    assert "Fix: export RALLY_API_KEY=" in proc.stdout
    assert "checks passed; fix the problems above" in proc.stdout
