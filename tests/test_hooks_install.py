"""``pantheon hooks install`` / ``uninstall`` on real repositories."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from pantheon_git.features.hooks import precommit_config as pc
from pantheon_git.features.hooks import run_githooks as hi
from pantheon_git.git.commitgraph import has_commit_graph
from tests.support.gitrepo import GitRepo, make_repo


def pantheon(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pantheon", "hooks", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def hooks_of(repo: GitRepo) -> Path:
    return repo.path / ".git" / "hooks"


# --- plain hooks ------------------------------------------------------------------------------


def test_install_writes_four_executable_hooks_once_and_says_how_to_undo(git_repo: GitRepo) -> None:
    first = pantheon(git_repo, "install")
    assert first.returncode == 0, first.stderr
    assert "Undo:         pantheon hooks uninstall" in first.stdout
    for stage in pc.STAGES:
        path = hooks_of(git_repo) / stage
        assert path.stat().st_mode & stat.S_IXUSR
        assert hi.is_ours(path)
        assert f'hook {stage} "$@"' in path.read_text()
    assert has_commit_graph(git_repo.path)
    again = pantheon(git_repo, "install", "--json")
    doc = json.loads(again.stdout)
    assert doc["written"] == []
    assert doc["unchanged"] == list(pc.STAGES)
    assert doc["commit_graph"] == "present"
    removed = pantheon(git_repo, "uninstall")
    assert removed.returncode == 0
    assert not any((hooks_of(git_repo) / s).exists() for s in pc.STAGES)


def test_foreign_hooks_are_kept_unless_forced_and_come_back_on_uninstall(
    git_repo: GitRepo,
) -> None:
    mine = hooks_of(git_repo) / "pre-push"
    mine.write_text("#!/bin/sh\necho my own hook\n")
    refused = pantheon(git_repo, "install")
    assert refused.returncode == 1
    assert "pre-push" in refused.stderr
    assert "--force" in refused.stderr
    assert not (hooks_of(git_repo) / "pre-commit").exists()  # nothing half-written
    forced = pantheon(git_repo, "install", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (hooks_of(git_repo) / "pre-push.pre-pantheon").read_text() == (
        "#!/bin/sh\necho my own hook\n"
    )
    assert hi.is_ours(mine)
    pantheon(git_repo, "uninstall")
    assert mine.read_text() == "#!/bin/sh\necho my own hook\n"
    assert not (hooks_of(git_repo) / "pre-push.pre-pantheon").exists()


def test_install_follows_core_hooks_path(git_repo: GitRepo) -> None:
    git_repo.git("config", "core.hooksPath", ".githooks")
    proc = pantheon(git_repo, "install", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hooks_dir"] == ".githooks"
    assert hi.is_ours(git_repo.path / ".githooks" / "commit-msg")


def test_the_script_passes_arguments_through_untouched(tmp_path: Path) -> None:
    folder = tmp_path / 'it\'s a "dir" $(x)'
    folder.mkdir()
    fake = folder / "pantheon"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\ncat\n')
    fake.chmod(0o755)
    hook = tmp_path / "pre-push"
    hook.write_text(hi.script("pre-push", str(fake)))
    hook.chmod(0o755)
    args = ["origin", "$(touch pwned)", "a b", "`id`"]
    out = subprocess.run(
        [str(hook), *args], input="refs/heads/x 1 refs/heads/x 2\n", capture_output=True,
        text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert out.splitlines() == ["hook", "pre-push", *args, "refs/heads/x 1 refs/heads/x 2"]
    assert not (tmp_path / "pwned").exists()


# --- pre-commit -------------------------------------------------------------------------------


def validate(repo: GitRepo) -> None:
    proc = subprocess.run(
        ["pre-commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_install_creates_a_config_and_the_shims(git_repo: GitRepo) -> None:
    pantheon(git_repo, "install")  # plain hooks first: switching replaces them
    proc = pantheon(git_repo, "install", "--framework", "pre-commit", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["config_change"] == "created"
    assert doc["removed"] == list(pc.STAGES)
    validate(git_repo)
    config = (git_repo.path / ".pre-commit-config.yaml").read_text()
    assert "entry: pantheon hook pre-push" in config
    for stage in pc.STAGES:
        shim = (hooks_of(git_repo) / stage).read_text()
        assert "hook-impl" in shim
        assert f"--hook-type={stage}" in shim
    out = pantheon(git_repo, "uninstall")
    assert out.returncode == 0, out.stderr
    assert not (git_repo.path / ".pre-commit-config.yaml").exists()
    assert not (hooks_of(git_repo) / "pre-push").exists()


def test_uninstall_of_plain_hooks_leaves_the_teams_pre_commit_config_alone(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    """One developer set the team up with pre-commit and committed the config; another
    installed the plain hooks. Their uninstall removes their hooks, not the shared file."""
    assert pantheon(git_repo, "install", "--framework", "pre-commit").returncode == 0
    git_repo.git("add", ".pre-commit-config.yaml")
    git_repo.git("commit", "-q", "--no-verify", "-m", "team hooks")
    git_repo.git("push", "-q", "--no-verify", "origin", "main")
    other = git_repo.clone(tmp_path / "other")
    assert pantheon(other, "install", "--framework", "git").returncode == 0
    proc = pantheon(other, "uninstall", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["framework"] == "git"
    assert sorted(doc["removed"]) == sorted(pc.STAGES)
    assert other.git("status", "--porcelain").strip() == ""
    assert not (hooks_of(other) / "pre-commit").exists()


def test_a_clone_of_a_team_on_pre_commit_gets_pre_commit_and_the_file_stays(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    """The team committed a config that runs pantheon's hooks (and its own); a newcomer's
    plain `pantheon hooks install` goes through pre-commit, so the team's other hooks run
    too, and the shared file is not touched."""
    path = git_repo.path / ".pre-commit-config.yaml"
    path.write_text(TEAM_CONFIG)
    assert pantheon(git_repo, "install", "--framework", "pre-commit").returncode == 0
    git_repo.git("add", ".pre-commit-config.yaml")
    git_repo.git("commit", "-q", "--no-verify", "-m", "team hooks")
    git_repo.git("push", "-q", "--no-verify", "origin", "main")
    other = git_repo.clone(tmp_path / "other")
    proc = pantheon(other, "install", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["framework"] == "pre-commit"
    assert doc["config_change"] == "unchanged"
    assert "runs pantheon's hooks" in doc["notes"][0]
    assert other.git("status", "--porcelain").strip() == ""
    assert "hook-impl" in (hooks_of(other) / "pre-push").read_text()
    text = pantheon(other, "install")
    assert "installed through pre-commit" in text.stdout
    # without a config that runs them: the plain hooks, as before
    third = make_repo(tmp_path, "third")
    assert json.loads(pantheon(third, "install", "--json").stdout)["framework"] == "git"


TEAM_CONFIG = (
    "repos:\n"
    "- repo: https://github.com/pre-commit/pre-commit-hooks\n"
    "  rev: v4.6.0\n"
    "  hooks:\n"
    "  - id: trailing-whitespace\n"
)
HAND_WRITTEN = TEAM_CONFIG + (
    "- repo: https://github.com/example/pantheon-git\n"
    "  rev: v1.2.0\n"
    "  hooks:\n"
    "  - id: pantheon-lock\n"
    "  - id: pantheon-commit-msg\n"
)


def test_hooks_the_team_wrote_by_hand_are_not_added_twice(git_repo: GitRepo) -> None:
    path = git_repo.path / ".pre-commit-config.yaml"
    path.write_text(HAND_WRITTEN)
    proc = pantheon(git_repo, "install", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["framework"] == "pre-commit"
    assert path.read_text() == HAND_WRITTEN
    assert any("left as it is" in note for note in doc["notes"])
    again = pantheon(git_repo, "install", "--framework", "pre-commit", "--json")
    assert json.loads(again.stdout)["config_change"] == "unchanged"
    assert path.read_text() == HAND_WRITTEN


def test_a_pinned_release_stays_pinned_when_reinstalled_without_repo(git_repo: GitRepo) -> None:
    pinned = ["--repo", "https://x/p.git", "--rev", "v1.0.0"]
    assert pantheon(git_repo, "install", *pinned).returncode == 0  # --repo means pre-commit
    path = git_repo.path / ".pre-commit-config.yaml"
    before = path.read_text()
    assert '- repo: "https://x/p.git"' in before
    proc = pantheon(git_repo, "install", "--framework", "pre-commit", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["config_change"] == "unchanged"
    assert path.read_text() == before
    moved = pantheon(git_repo, "install", "--repo", "https://x/p.git", "--rev", "v1.1.0")
    assert moved.returncode == 0, moved.stderr
    assert '"v1.1.0"' in path.read_text()


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        (TEAM_CONFIG, False),
        (HAND_WRITTEN, True),
        (TEAM_CONFIG + pc.config_block(), True),
        ("repos:\n- repo: local\n  hooks:\n  - id: pantheon\n", False),
        ("repos:\n- repo: local\n  hooks: oops\n- 3\n", False),
    ],
)
def test_runs_pantheon(text: str, runs: bool) -> None:
    import yaml

    assert pc.runs_pantheon(text, yaml.safe_load(text)["repos"]) is runs


def test_pinned_repo() -> None:
    assert pc.pinned_repo("repos:\n" + pc.config_block("https://x/p.git", "v1")) is True
    assert pc.pinned_repo("repos:\n" + pc.config_block()) is False
    assert pc.pinned_repo(HAND_WRITTEN) is False  # not our block


def test_pre_commit_install_appends_to_an_existing_config_and_uninstall_leaves_the_rest(
    git_repo: GitRepo,
) -> None:
    original = (
        "# team hooks\n"
        "repos:\n"
        "- repo: https://github.com/pre-commit/pre-commit-hooks\n"
        "  rev: v4.6.0\n"
        "  hooks:\n"
        "  - id: trailing-whitespace  # keep this comment\n"
    )
    path = git_repo.path / ".pre-commit-config.yaml"
    path.write_text(original)
    proc = pantheon(git_repo, "install", "--framework", "pre-commit", "--repo", "https://x/p.git",
                    "--rev", "v1.0.0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = path.read_text()
    assert text.startswith(original)
    assert '- repo: "https://x/p.git"' in text
    assert "id: pantheon-pre-push" in text
    validate(git_repo)
    again = pantheon(git_repo, "install", "--framework", "pre-commit", "--repo", "https://x/p.git",
                     "--rev", "v1.0.0", "--json")  # fmt: skip
    assert json.loads(again.stdout)["config_change"] == "unchanged"
    pantheon(git_repo, "uninstall")
    assert path.read_text() == original
    assert (hooks_of(git_repo) / "pre-commit").exists()  # the team's hooks still run


def test_pre_commit_install_refuses_with_core_hooks_path_or_foreign_hooks(
    git_repo: GitRepo,
) -> None:
    git_repo.git("config", "core.hooksPath", ".githooks")
    refused = pantheon(git_repo, "install", "--framework", "pre-commit")
    assert refused.returncode == 3
    assert "core.hooksPath" in refused.stderr
    git_repo.git("config", "--unset", "core.hooksPath")
    (hooks_of(git_repo) / "commit-msg").write_text("#!/bin/sh\nexit 0\n")
    refused = pantheon(git_repo, "install", "--framework", "pre-commit")
    assert refused.returncode == 1
    assert "commit-msg" in refused.stderr
    assert not (git_repo.path / ".pre-commit-config.yaml").exists()
    forced = pantheon(git_repo, "install", "--framework", "pre-commit", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (hooks_of(git_repo) / "commit-msg.legacy").exists()


@pytest.mark.parametrize(
    ("text", "indent"),
    [
        ("repos:\n- repo: a\n  rev: b\n  hooks: []\n", 0),
        ("repos:\n  - repo: a\n    rev: b\n    hooks: []\n", 2),
        ("repos:\n    - repo: a\n      rev: b\n      hooks: []\n", 4),
        ("repos:\n", 2),
    ],
)
def test_add_block_matches_the_list_indent(text: str, indent: int) -> None:
    import yaml

    added = pc.add_block(text, pc.config_block())
    assert added is not None
    repos = yaml.safe_load(added)["repos"]
    assert repos[-1]["repo"] == "local"
    assert [h["id"] for h in repos[-1]["hooks"]] == list(pc.HOOK_IDS.values())
    assert f"\n{' ' * indent}- repo: local\n" in added
    assert pc.remove_block(added) == text


def test_add_block_refuses_what_it_cannot_append_to() -> None:
    assert pc.add_block("repos:\n- repo: a\nci:\n  skip: []\n", pc.config_block()) is None
    assert pc.add_block("repos: []\n", pc.config_block()) is None
