"""Files stories share: a story that only reads a file waits for the one that makes it and
conflicts with nobody; one file may be written as a shorter path ("config/x.yaml" for
"pkg/config/x.yaml"); a file name may have inner dots ("sim.launch.py"). The sentences are
from the warebot backlog (a ROS 2 robot; see tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

import pytest

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.paths import as_path
from pantheon_git.features.deps.reading import reads
from tests.support.deps import story


def conflicts(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(c.a), str(c.b)) for c in analysis.conflicts}


def edges(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.edges}


@pytest.mark.parametrize(
    ("sentence", "path"),
    [
        ("Box sizes from `pkg/config/storage_params.yaml`", "pkg/config/storage_params.yaml"),
        ("The controller names are loaded from `cfg/ctl.yaml`", "cfg/ctl.yaml"),
        ("Read `config/trajectory.yaml` and `config/magnet.yaml`", "config/magnet.yaml"),
        ("Parse `cfg/chains.yaml` with yaml.safe_load() at start-up", "cfg/chains.yaml"),
        ("Follow `docs/migration.md`; rolling back is a checkout", "docs/migration.md"),
        ("the 30 s timeout is set in action_servers.yaml", "action_servers.yaml"),
        ("Given `cfg/chains.yaml` defines joint groups, the server loads them", "cfg/chains.yaml"),
        ("Share the timeout and tolerance of `cfg/servers.yaml`", "cfg/servers.yaml"),
        ("Cabinet rows from the cabinet_rows section of `cfg/storage.yaml`", "cfg/storage.yaml"),
        ("The frames are the frame entries of left_gripper in chains.yaml", "chains.yaml"),
        ("thresholds are read from [tool.docvet.freshness] in pyproject.toml", "pyproject.toml"),
        # the shorter path inside a longer one is read where the longer one is
        ("Box sizes from `pkg/config/storage_params.yaml`", "config/storage_params.yaml"),
    ],
)
def test_a_sentence_that_takes_values_from_a_file_reads_it(sentence: str, path: str) -> None:
    assert reads(sentence, path)


@pytest.mark.parametrize(
    ("sentence", "path"),
    [
        ("Create `cfg/markers.yaml` with the values from the spec", "cfg/markers.yaml"),
        ("Add an extract_box section to `cfg/servers.yaml`", "cfg/servers.yaml"),
        ("Replace `cfg/ctl.yaml` entirely", "cfg/ctl.yaml"),
        ("All types are exported from packages/core/src/index.ts", "packages/core/src/index.ts"),
        ("`_output_and_exit` lives in `cli.py` and is called by every command", "cli.py"),
        ("Part of templates/admin/whatsapp.html", "templates/admin/whatsapp.html"),
        ("Keys in src/hooks/mutations/useWaiveFee.ts", "src/hooks/mutations/useWaiveFee.ts"),
        ("In `sim.launch.py`, add a `use_sim_time` argument", "sim.launch.py"),
    ],
)
def test_a_sentence_that_writes_or_places_work_in_a_file_does_not_read_it(
    sentence: str, path: str
) -> None:
    assert not reads(sentence, path)


def test_a_story_that_only_reads_a_file_waits_for_its_maker_and_conflicts_with_no_one() -> None:
    a = analyse(
        [
            story("US-1", "Action servers", tasks=["Create `cfg/servers.yaml`"]),
            story(
                "US-2",
                "Joint group server",
                tasks=["Share the timeout and tolerance of `cfg/servers.yaml`"],
            ),
            story(
                "US-3",
                "Navigation server",
                tasks=["Add a navigate section to `cfg/servers.yaml`"],
            ),
        ]
    )
    assert ("US-1", "US-2") in edges(a)
    assert conflicts(a) == {("US-1", "US-3")}


def test_a_story_that_reads_a_file_in_one_sentence_and_changes_it_in_another_conflicts() -> None:
    a = analyse(
        [
            story("US-1", "Action servers", tasks=["Create `cfg/servers.yaml`"]),
            story(
                "US-2",
                "Extraction",
                tasks=[
                    "The timeout comes from `cfg/servers.yaml`",
                    "Add an extract section to `cfg/servers.yaml`",
                ],
            ),
        ]
    )
    assert conflicts(a) == {("US-1", "US-2")}


def test_a_shorter_path_is_the_one_longer_path_it_ends_in() -> None:
    a = analyse(
        [
            story("US-1", "Move joint server", tasks=["Create `cfg/servers.yaml`"]),
            story(
                "US-2",
                "Navigate to address",
                tasks=["Add a navigate section to `arm/cfg/servers.yaml`"],
            ),
        ]
    )
    assert conflicts(a) == {("US-1", "US-2")}


def test_a_shorter_path_two_longer_paths_end_in_is_neither() -> None:
    a = analyse(
        [
            story("US-1", "Arm", tasks=["Create `config/params.yaml`"]),
            story("US-2", "Arm package", tasks=["Change `arm/config/params.yaml`"]),
            story("US-3", "Base package", tasks=["Change `base/config/params.yaml`"]),
        ]
    )
    assert conflicts(a) == set()


def test_a_bare_manifest_is_the_projects_own_not_the_one_package_named() -> None:
    a = analyse(
        [
            story("US-1", "Package structure", tasks=["package.xml carries the dependencies"]),
            story(
                "US-2",
                "Joystick control",
                tasks=["`joy_control/package.xml`: depend on control_msgs"],
            ),
        ]
    )
    assert conflicts(a) == set()


def test_a_file_name_with_inner_dots_is_a_file() -> None:
    assert as_path("manipulator_simulation.launch.py") == "manipulator_simulation.launch.py"
    assert as_path("app.module.ts") == "app.module.ts"
    assert as_path("e.g") is None
    a = analyse(
        [
            story(
                "US-1",
                "Limit switches",
                tasks=["In `sim.launch.py`, add a `use_sim_time` argument"],
            ),
            story("US-2", "Move joint", tasks=["Add the server node to `sim.launch.py`"]),
        ]
    )
    assert conflicts(a) == {("US-1", "US-2")}


def test_a_script_run_on_a_command_line_is_read() -> None:
    # posture: the installer story runs it, later stories run or name it
    assert reads(
        "`curl -fsSL .../scripts/install.sh | bash` runs the installer", "scripts/install.sh"
    )
    assert reads("`./scripts/install.sh --uninstall` removes everything", "scripts/install.sh")
    assert not reads("Create scripts/install.sh with a --help flag", "scripts/install.sh")


def test_a_file_a_layout_story_names_first_is_its_placeholder_later_stories_fill_in() -> None:
    # posture: "Project structure and Flask application factory" lays app/config.py out;
    # the configuration story "creates" it again and the camera story reads a value from it
    a = analyse(
        [
            story(
                "US-1",
                "Project structure and Flask application factory",
                acceptance_criteria=(
                    "Given a new project, the tree holds `app/` with `__init__.py` and "
                    "`config.py` (the config classes)",
                ),
            ),
            story("US-2", "Configuration", tasks=["`app/config.py` loads the INI files"]),
            story("US-3", "Camera", tasks=["Add CAMERA_DEVICE to `app/config.py`"]),
        ]
    )
    assert ("US-1", "US-2") in edges(a)
    assert ("US-1", "US-3") in edges(a)


def test_a_file_a_story_without_a_layout_title_names_first_is_not_its_to_give() -> None:
    a = analyse(
        [
            story("US-1", "Login", tasks=["The login handler lives in `app/auth.py`"]),
            story("US-2", "Logout", tasks=["Add the logout handler to `app/auth.py`"]),
        ]
    )
    assert ("US-1", "US-2") not in edges(a)
