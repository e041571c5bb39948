from __future__ import annotations

from dataclasses import fields
from enum import StrEnum
from pathlib import Path

import pytest

from pantheon_git.config import CONFIG_RELPATH, Config, find_config, load_config
from pantheon_git.core.policies import CiFailOn, CiForks, CommitMsg, Conflicts, Offline
from pantheon_git.errors import ConfigError


def write_config(root: Path, text: str) -> Path:
    path = root / CONFIG_RELPATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path, environ={})
    assert config == Config()
    assert config.rally_lock_hours == 24.0
    assert config.source is None


def test_seed_keys_are_read_from_the_pantheon_section(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "user_name: Bob\npantheon:\n  rally_workspace: '12345'\n  rally_project: '67890'\n"
        "  rally_lock_hours: 48\n  max_parallel_developers: 6\n"
        "  critical_path_assignment: senior-dev@example.com\n  migrate_archive: false\n",
    )
    config = load_config(cwd=tmp_path, environ={})
    assert config.rally_workspace == "12345"
    assert config.rally_project == "67890"
    assert config.rally_lock_hours == 48.0
    assert config.max_parallel_developers == 6
    assert config.critical_path_assignment == "senior-dev@example.com"
    assert config.migrate_archive is False
    assert config.root == tmp_path


def test_config_is_found_from_a_subfolder(tmp_path: Path) -> None:
    path = write_config(tmp_path, "pantheon:\n  rally_project: P\n")
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    assert find_config(sub) == path
    assert load_config(cwd=sub, environ={}).rally_project == "P"


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    write_config(tmp_path, "pantheon:\n  rally_project: from-file\n  rally_workspace: W-file\n")
    env = {"RALLY_PROJECT": "from-env", "PANTHEON_RALLY_LOCK_HOURS": "12"}
    config = load_config(cwd=tmp_path, environ=env, flags={"rally_project": "from-flag"})
    assert config.rally_project == "from-flag"
    assert config.rally_workspace == "W-file"
    assert config.rally_lock_hours == 12.0
    assert load_config(cwd=tmp_path, environ=env).rally_project == "from-env"


def test_env_names_of_their_own(tmp_path: Path) -> None:
    env = {
        "RALLY_URL": "http://127.0.0.1:9",
        "PANTHEON_USER": "bob@example.com",
        "RALLY_API_KEY": "_abc123secret",
    }
    config = load_config(cwd=tmp_path, environ=env)
    assert config.rally_url == "http://127.0.0.1:9"
    assert config.user == "bob@example.com"
    assert config.api_key == "_abc123secret"
    assert "_abc123secret" not in repr(config)
    assert "_abc123secret" not in str(config.to_public_dict())


def test_unknown_keys_are_named_in_a_warning(tmp_path: Path) -> None:
    write_config(tmp_path, "pantheon:\n  rally_projetc: typo\n  rally_lock_hours: 2\n")
    warnings: list[str] = []
    config = load_config(cwd=tmp_path, environ={}, warn=warnings.append)
    assert config.rally_lock_hours == 2.0
    assert len(warnings) == 1
    assert "pantheon.rally_projetc" in warnings[0]


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "pantheon:\n  rally_project: ok\n  bad: [unclosed\n  x: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(cwd=tmp_path, environ={})
    assert info.value.exit_code == 3
    assert str(path) in info.value.message
    assert ":4:" in info.value.message or ":5:" in info.value.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- a list\n", "mapping"),
        ("pantheon: 3\n", "mapping of settings"),
        ("pantheon:\n  rally_lock_hours: lots\n", "expected a number"),
        ("pantheon:\n  rally_lock_hours: -1\n", "negative"),
        ("pantheon:\n  migrate_archive: maybe\n", "true or false"),
        ("pantheon:\n  offline: sometimes\n", "warn, block"),
        ("pantheon:\n  identities: [a, b]\n", "expected a mapping"),
        ("pantheon:\n  rally_api_key: abc\n", "secret"),
        ("pantheon:\n  rally_verify: {a: 1}\n", "CA bundle"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, text: str, fragment: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=fragment):
        load_config(cwd=tmp_path, environ={})


ENUM_SETTINGS = {
    "offline": Offline,
    "conflicts": Conflicts,
    "commit_msg": CommitMsg,
    "ci_fail_on": CiFailOn,
    "ci_forks": CiForks,
}


@pytest.mark.parametrize(("key", "kind"), ENUM_SETTINGS.items(), ids=list(ENUM_SETTINGS))
def test_an_enumerated_setting_takes_its_enums_words_and_names_them(
    tmp_path: Path, key: str, kind: type[StrEnum]
) -> None:
    assert isinstance(getattr(Config(), key), kind)
    for member in kind:
        env = {f"PANTHEON_{key.upper()}": f" {member.value.upper()} "}
        assert getattr(load_config(cwd=tmp_path, environ=env), key) is member
    write_config(tmp_path, f"pantheon:\n  {key}: sometimes\n")
    with pytest.raises(ConfigError) as info:
        load_config(cwd=tmp_path, environ={})
    assert info.value.message.endswith(f"'sometimes' is not one of {', '.join(kind)}")


def test_every_enumerated_setting_is_checked() -> None:
    enums = {f.name for f in fields(Config) if isinstance(f.default, StrEnum)}
    assert enums == set(ENUM_SETTINGS)


def test_bad_env_value_names_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="from the environment"):
        load_config(cwd=tmp_path, environ={"PANTHEON_MAX_PARALLEL_DEVELOPERS": "twelve"})


def test_mappings_merge_over_defaults(tmp_path: Path) -> None:
    write_config(
        tmp_path, "pantheon:\n  complexity_hours: {complex: 13}\n  fields: {branch: c_GitBranch}\n"
    )
    config = load_config(cwd=tmp_path, environ={})
    assert config.complexity_hours == {"micro": 2.0, "standard": 5.0, "complex": 13}
    assert config.field_name("branch") == "c_GitBranch"
    assert config.field_name("locked_by") == "c_LockedBy"


def test_identities_map_case_insensitively(tmp_path: Path) -> None:
    write_config(tmp_path, "pantheon:\n  identities: {octocat: alice@example.com}\n")
    config = load_config(cwd=tmp_path, environ={})
    assert config.identity("OctoCat") == "alice@example.com"
    assert config.identity("bob@example.com") == "bob@example.com"


def test_explicit_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(cwd=tmp_path, path=tmp_path / "nope.yaml", environ={})


def test_list_settings_from_env(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path, environ={"PANTHEON_PROTECTED_BRANCHES": "main, release/*"})
    assert config.protected_branches == ("main", "release/*")


def test_a_bare_off_in_yaml_is_the_off_choice(tmp_path: Path) -> None:
    write_config(tmp_path, "pantheon:\n  commit_msg: off\n")
    assert load_config(cwd=tmp_path, environ={}).commit_msg is CommitMsg.OFF
    write_config(tmp_path, "pantheon:\n  offline: off\n")
    with pytest.raises(ConfigError, match="offline"):
        load_config(cwd=tmp_path, environ={})
