"""Code names a story builds without a creating verb: it says what they do in its criteria
("Then `check_enrichment` returns a Finding ..."), asks for "a `check_coverage` function", or
fills in a stub that exists before the backlog; and a class named after its kind ("the
Finding dataclass") that later stories name with its capital."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from tests.support.deps import story


def linked(analysis: Analysis) -> dict[tuple[str, str], str]:
    """Edge -> its confidence."""
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


def hinted(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.hints}


def test_a_name_the_first_story_says_what_it_does_links_the_stories_that_use_it() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Missing Raises detection and the enrichment orchestrator",
                acceptance_criteria=(
                    "Given a function with `raise ValueError` and no Raises section, "
                    '`check_enrichment` returns a Finding with rule "missing-raises"',
                ),
            ),
            story(
                "US-2",
                "Missing Yields and Receives detection",
                acceptance_criteria=(
                    "A generator with yield and no Yields section makes `check_enrichment` "
                    'return a Finding with rule "missing-yields"',
                ),
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-2"): "low"}
    assert "which US-1 describes first" in a.edges[0].evidence


def test_the_parameters_may_stand_between_the_name_and_what_it_does() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Section header parser and node index",
                acceptance_criteria=(
                    "`_build_node_index(tree)` maps line numbers to the FunctionDef, "
                    "AsyncFunctionDef and ClassDef nodes of an ast.Module",
                ),
            ),
            story(
                "US-2",
                "Missing Raises detection",
                tasks=["The orchestrator finds each symbol's node through `_build_node_index`"],
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-2"): "low"}


def test_a_name_asked_for_as_a_new_function_is_made_there() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Core coverage detection function",
                "As a developer I want a `check_coverage` function that finds parent "
                "directories missing an `__init__.py`.",
            ),
            story(
                "US-2",
                "CLI wiring for the coverage check",
                acceptance_criteria=(
                    "The command passes src_root with the discovered files to `check_coverage`",
                ),
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-2"): "low"}


def test_a_stub_is_made_by_the_first_story_that_fills_it_in() -> None:
    first = (
        "The existing `_run_enrichment` stub in `cli.py` reads each discovered file and "
        "calls ast.parse()"
    )
    later = "`_run_enrichment` returns a list[Finding] of every enrichment finding"
    a = analyse(
        [
            story("US-1", "CLI wiring for the enrichment check", acceptance_criteria=(first,)),
            story("US-2", "Check runners return findings", acceptance_criteria=(later,)),
            story(
                "US-3",
                "Unified output",
                acceptance_criteria=("Each command calls `_run_enrichment` first",),
            ),
        ]
    )
    # US-2 changes what US-1 built, and does not become the name's maker for US-3
    assert set(linked(a)) == {("US-1", "US-2"), ("US-1", "US-3")}


def test_a_name_that_exists_before_the_backlog_stays_a_hint() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Section helpers",
                tasks=["Create the two helpers with stdlib ast only and the existing ast_utils"],
            ),
            story(
                "US-2",
                "Diff hunk parser",
                tasks=["It imports nothing from enrichment, only ast_utils"],
            ),
            story("US-3", "Blame parser", "Given an `ast_utils` module, `x` returns nothing."),
        ]
    )
    assert linked(a) == {}
    assert hinted(a) == {("US-1", "US-2"), ("US-1", "US-3")}


def test_a_class_named_after_its_kind_is_used_where_its_name_is_capitalised() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Create the Finding dataclass",
                "One shared, immutable `Finding` dataclass in `checks/__init__.py`.",
            ),
            story(
                "US-2",
                "Diff mode",
                acceptance_criteria=(
                    "`check_freshness_diff` gives one Finding per symbol at the highest severity",
                ),
            ),
            story(
                "US-3",
                "Coverage wiring",
                acceptance_criteria=("`docvet coverage` prints one finding per line",),
            ),
        ]
    )
    assert ("US-1", "US-2") in linked(a)
    assert ("US-1", "US-3") not in linked(a)  # the ordinary word, not the class


def conflict_pairs(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(c.a), str(c.b)) for c in analysis.conflicts}


def test_a_project_file_every_story_writes_into_conflicts_however_many_name_it() -> None:
    places = [
        "The existing `_run_enrichment` stub in `cli.py` reads each discovered file",
        "The existing `_run_freshness` stub in `cli.py` runs git diff",
        "Add the --mode option to `_run_freshness` in `cli.py`",
        "The `_run_coverage` stub in `cli.py` resolves src_root",
        "All four runners in `cli.py` change from -> None to -> list[Finding]",
        "`_output_and_exit` lives in `cli.py` and is called by every command",
    ]
    a = analyse(
        [story(f"US-{n}", f"Wiring {n}", acceptance_criteria=(p,)) for n, p in enumerate(places)]
    )
    assert len(conflict_pairs(a)) == 15
    assert a.hot_paths == ()
    # a name each package has, which the stories create anew, is still a convention
    made = [
        story(f"US-{n}", f"Route {n}", tasks=[f"Create page.tsx for route {n}"]) for n in range(6)
    ]
    assert conflict_pairs(analyse(made)) == set()


def test_the_users_config_file_a_story_reads_is_no_conflict() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Config toggle",
                acceptance_criteria=(
                    "Given an EnrichmentConfig loaded from pyproject.toml with no "
                    "require-attributes key, then `require_attributes` is True",
                ),
            ),
            story(
                "US-2",
                "Drift mode",
                acceptance_criteria=(
                    "drift-threshold and age-threshold are read from [tool.docvet.freshness] "
                    "in pyproject.toml and passed as FreshnessConfig",
                ),
            ),
        ]
    )
    assert conflict_pairs(a) == set()
    both_write = analyse(
        [
            story("US-1", "Lint", "Add the ruff settings to pyproject.toml."),
            story("US-2", "Types", "Add the mypy settings to pyproject.toml."),
        ]
    )
    assert conflict_pairs(both_write) == {("US-1", "US-2")}


def test_a_title_that_names_a_utility_in_words_makes_the_code_name_others_use() -> None:
    # warebot: "Controller interface utility", then "through ControllerInterface"
    a = analyse(
        [
            story(
                "US-1",
                "ROS2 package structure",
                tasks=["Add controller_manager and controller_interface for ros2_control"],
            ),
            story("US-2", "Controller interface utility", "Sends position commands."),
            story(
                "US-3",
                "MoveJoint action server",
                acceptance_criteria=("It commands the joint through ControllerInterface",),
            ),
        ]
    )
    assert ("US-2", "US-3") in linked(a)
    assert ("US-1", "US-3") not in linked(a)


def test_a_title_naming_a_form_or_a_feature_makes_no_code_name() -> None:
    a = analyse(
        [
            story("US-1", "Write-off request form", "A form to ask for a write-off."),
            story("US-2", "Leave requests", "People ask for leave."),
            story(
                "US-3",
                "Approvals",
                tasks=["Read the WriteOffRequest and the LeaveRequest of each approval"],
            ),
        ]
    )
    assert linked(a) == {}


def test_a_title_that_changes_a_thing_does_not_make_it() -> None:
    # vdash: "Add artifact timestamp to detection results" changes DetectionResult
    a = analyse(
        [
            story("US-1", "Add artifact timestamp to detection results utility"),
            story("US-2", "Coexistence", tasks=["Add a field to DetectionResult"]),
        ]
    )
    assert linked(a) == {}


def test_a_node_or_service_the_first_story_says_what_it_does_links_its_users() -> None:
    # warebot: a node that publishes, a service defined by its request, one that detaches
    a = analyse(
        [
            story(
                "US-1",
                "State markers",
                acceptance_criteria=(
                    "Given the system is running, the state_marker_publisher_node publishes "
                    "MarkerArray messages on /visualization_marker_array",
                ),
            ),
            story(
                "US-2",
                "Box spawning",
                acceptance_criteria=(
                    "Given the SpawnBox service with request (box_id, side, row) and response "
                    "(success, message), calling it spawns the box",
                    "DespawnBox with a box_id detaches the box and removes it",
                ),
            ),
            story(
                "US-3",
                "Extract a box",
                acceptance_criteria=(
                    "Given the state_marker_publisher_node is running, the marker turns red",
                    "It calls SpawnBox with the address, then the DespawnBox service",
                ),
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-3"): "low", ("US-2", "US-3"): "low"}


def test_a_service_only_called_with_arguments_is_not_described() -> None:
    a = analyse(
        [
            story("US-1", "Magnet", tasks=["Call ToggleMagnet with activate=true"]),
            story("US-2", "Extract", tasks=["Call ToggleMagnet with activate=false at the end"]),
        ]
    )
    assert linked(a) == {}
    assert hinted(a) == {("US-1", "US-2")}


def test_a_function_the_first_story_says_reads_or_calls_is_made_there() -> None:
    # sandbox: "`callISBAPI(endpoint, options)` reads `sessionStorage.getItem(...)`"
    a = analyse(
        [
            story(
                "US-1",
                "Authenticated API client",
                acceptance_criteria=(
                    "`callISBAPI(endpoint, options)` reads the token and sets the header",
                ),
            ),
            story("US-2", "Lease template", tasks=["The call goes through `callISBAPI()`"]),
        ]
    )
    assert linked(a) == {("US-1", "US-2"): "low"}
