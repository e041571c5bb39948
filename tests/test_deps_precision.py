"""Edges the texts do not show surely enough to plan on are dropped or kept as hints."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.tokens import tokenise
from tests.support.deps import story


def edges(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


def hints(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.hints}


def test_a_thing_a_story_creates_named_with_an_indefinite_article_is_a_hint() -> None:
    made = story("US-1", "Errors", "Add network error recovery and loading states.")
    some = story("US-2", "Form", "The button shows a loading state while submitting.")
    a = analyse([made, some])
    assert edges(a) == {}
    assert hints(a) == {("US-1", "US-2")}
    the = story("US-3", "Retry", "A loading state shows first. Then the loading state fades.")
    a = analyse([made, some, the])
    assert edges(a) == {("US-1", "US-3"): "low"}  # a later "the loading state" names it
    assert hints(a) == {("US-1", "US-2")}


def conflicts(analysis: Analysis) -> set[tuple[str, str, str]]:
    return {(str(c.a), str(c.b), ",".join(c.paths)) for c in analysis.conflicts}


def test_a_javascript_library_name_is_not_a_file_both_stories_change() -> None:
    a = analyse(
        [
            story("US-1", "Readme", "README includes prerequisites (Docker, Node.js versions)."),
            story("US-2", "Debugging", "Backend exposes a debug port for Node.js debugging."),
            story("US-3", "Filters", "Alpine.js for the active filter; edit `src/app.js`."),
            story("US-4", "Search", "Alpine.js for the search input; the handler in app.js."),
        ]
    )
    # app.js is the one path ending in it; Node.js and Alpine.js are libraries
    assert conflicts(a) == {("US-3", "US-4", "src/app.js")}


def test_a_bare_file_name_two_paths_end_in_conflicts_with_nothing() -> None:
    a = analyse(
        [
            story("US-1", "Core", "Export EventBus from packages/core/src/index.ts."),
            story("US-2", "Snake", "Export the game from packages/snake/src/index.ts."),
            story("US-3", "Docs", "Re-export the types in index.ts."),
            story("US-4", "Types", "List every type in index.ts."),
        ]
    )
    assert conflicts(a) == set()  # which package's index.ts is unknown


def test_a_when_step_of_a_scenario_waits_for_no_other_story() -> None:
    ci = story("US-1", "CI", "Report test results: upload .trx files as artifacts.")
    scenario = story(
        "US-2",
        "Validation",
        acceptance_criteria=(
            "**Given** file uploads are allowed **When** a file is uploaded **Then** it is scanned",
        ),
    )
    steps = story(
        "US-3",
        "Scanning",
        acceptance_criteria=("**Given** a scanner", "**When** a file is uploaded", "**Then** ..."),
    )
    narrative = story("US-4", "Notify", "When a file is uploaded, its owner gets an e-mail.")
    a = analyse([ci, scenario, steps, narrative])
    assert edges(a) == {("US-1", "US-4"): "low"}  # only the story that waits for it


def test_a_quoted_key_of_a_json_object_is_not_a_label() -> None:
    health = story("US-1", "Health", 'GET /health returns {"status": "Healthy", "checks": {}}.')
    errors = story("US-2", "Errors", 'I see guidance: "Try again", "Check your input".')
    assert edges(analyse([health, errors])) == {}


def test_a_question_word_ends_what_a_verb_creates() -> None:
    secrets = story("US-1", "Secrets", "Implement a KMS mock and document how to configure it.")
    docker = story("US-2", "Docker", "The scripts start the stack; document how to use them.")
    assert edges(analyse([secrets, docker])) == {}  # "document how" is no thing


def test_a_capitalised_word_inside_a_run_of_capitals_names_no_model() -> None:
    made = story("US-1", "Accounts", "Create the User model with an e-mail and a password hash.")
    epic = story("US-2", "Login", "Part of Authentication & User Management, with a session.")
    title = story("US-3", "Admin", "It opens from the User Settings page.")
    model = story("US-4", "Tokens", "Store the token of the User on login.")
    assert edges(analyse([made, epic, title, model])) == {("US-1", "US-4"): "medium"}


def test_a_created_thing_named_before_its_story_is_a_hint() -> None:
    docker = story("US-1", "Docker", "Scripts start the stack with the secrets vault mounted.")
    vault = story("US-2", "Secrets", "Set up the secrets vault for local development.")
    later = story("US-3", "Rotation", "Rotate the keys kept in the secrets vault.")
    a = analyse([docker, vault, later])
    assert edges(a) == {("US-2", "US-3"): "low"}
    assert hints(a) == {("US-2", "US-1")}  # a forward mention: worth a look, not a plan


def test_tables_a_creating_verb_lists_are_all_created() -> None:
    from pantheon_git.features.deps.tables import created_tables
    from pantheon_git.features.deps.tokens import tokenise_text

    def made(text: str) -> list[str]:
        return sorted(created_tables(tokenise_text(text)))

    both = ["session", "user"]
    assert made("The migration includes CREATE TABLE statements for Users, Sessions.") == both
    assert made("Create the users and sessions tables.") == both
    assert made("The migration creates tables for users and sessions.") == both
    assert made("Create table users and add an index.") == ["user"]
    migration = story("US-1", "Database", "The migration creates tables for users and sessions.")
    login = story("US-2", "Login", "Create the users table (id, email, password_hash).")
    tokens = story("US-3", "Tokens", "Each token row has a user_id (foreign key to users).")
    # a table two stories create: the story using it waits on both
    assert edges(analyse([migration, login, tokens])) == {
        ("US-1", "US-3"): "high",
        ("US-2", "US-3"): "high",
    }


def test_an_event_name_or_an_objects_field_is_no_table_column() -> None:
    workflows = story("US-1", "Workflows", "Create the workflows table (id, name, state).")
    hooks = story("US-2", "Webhooks", "Events include workflow.started and decision.made.")
    settings = story("US-3", "Settings", "Categories: Security, Performance, Workflows, Alerts.")
    states = story("US-4", "States", "A paused run keeps workflows.state as paused.")
    a = analyse([workflows, hooks, settings, states])
    assert edges(a) == {("US-1", "US-4"): "high"}


def test_a_title_ending_in_anothers_thing_makes_another_of_the_kind() -> None:
    a = analyse(
        [
            story("US-1", "State Data Model", "Pydantic models for the loop state."),
            story("US-2", "Validation Report Generation", "Reports are written as markdown."),
            story("US-3", "Power-Prompt Data Model", "Prompts have a name and a body."),
            story("US-4", "Story Validation Report Generation.", "One report per story."),
            story("US-5", "Dashboard", "Links each validation report generation run."),
        ]
    )
    assert edges(a) == {("US-2", "US-5"): "low"}


def test_a_screen_of_a_status_does_not_make_the_status() -> None:
    a = analyse(
        [
            story("US-1", "Verification status screen", "Drivers see where their papers are."),
            story("US-2", "Media library panel", "Thumbnails of the imported clips."),
            story("US-3", "Documents", "Each shows its upload date, verification status, a name."),
            story("US-4", "Timeline", "Clips dragged from the media library land on it."),
        ]
    )
    assert edges(a) == {("US-2", "US-4"): "low"}


def test_a_creating_verb_introduces_a_quoted_name_and_a_list_noun_does_not() -> None:
    logic = story("US-1", 'Implement "Next Day Clearing" Logic', "Done items leave the lists.")
    animation = story(
        "US-2",
        "Teleport animation",
        'Items move from their active list to the journal (when "Next Day Clearing" occurs).',
    )
    journal = story("US-3", "Journaling", 'It applies to items subject to "Next Day Clearing".')
    assert edges(analyse([logic, animation, journal])) == {
        ("US-1", "US-2"): "low",
        ("US-1", "US-3"): "low",
    }
    # without the story that makes it, a noun "list" introduces nothing
    assert edges(analyse([animation, journal])) == {}


def test_a_relative_clause_after_a_made_thing_makes_nothing() -> None:
    drawer = story("US-1", "Explorer", "Listings expose a panel that loads `data/config.json`.")
    upload = story("US-2", "Upload", "New uploads must include a `data/config.json` file.")
    a = analyse([drawer, upload])
    assert edges(a) == {}
    # both name it, but the panel only loads it: a file one story reads is no conflict
    assert conflicts(a) == set()


def test_a_story_reacting_to_an_outcome_does_not_bring_it_about() -> None:
    upload = story("US-1", "Upload", "Add the upload endpoint for book folders.")
    versions = story("US-2", "Versions", "When uploading a book, the service reads its version.")
    ai = story("US-3", "AI", "Trigger AI processing once a book is uploaded.")
    a = analyse([upload, versions, ai])
    assert edges(a) == {("US-1", "US-3"): "low"}  # US-2 is no second doer


def test_a_word_capitalised_by_its_place_names_no_model() -> None:
    made = story("US-1", "Books", "Create the Book model with a title and a publisher.")
    cors = story("US-2", "CORS", "**What Currently Exists:** Book upload and storage.")
    nav = story("US-3", "Sidebar", '"Books" top-level nav item opens the list.')
    table = story("US-4", "Dialog", "| Books | .zip | 500MB |\n\nTypes: (Books | Logos).")
    model = story("US-5", "Covers", "Store the cover of the Book on upload.")
    assert edges(analyse([made, cors, nav, table, model])) == {("US-1", "US-5"): "medium"}


def test_a_table_a_screen_shows_is_no_database_table() -> None:
    made = story("US-1", "Books", "Create the books table (id, title, publisher).")
    ui = story("US-2", "Columns", "The path is gone from both book and app tables in the UI.")
    db = story("US-3", "Covers", "Add a cover_url to the books table in the database.")
    assert edges(analyse([made, ui, db])) == {("US-1", "US-3"): "high"}


def test_a_quoted_name_in_a_made_phrase_and_another_of_the_kind() -> None:
    sim = story("US-1", "Simulation", "Create Play button that starts the simulation.")
    title = story("US-2", "Title screen", 'Add "Play" button. The Play button works.')
    basic = story("US-3", "Core objects", "Create the basic physics objects (Ball, Ramp).")
    more = story("US-4", "Advanced objects", "Create the complex physics objects (Seesaw).")
    same = story("US-5", "Generic detector", "Implements the same basic physics object API.")
    a = analyse([sim, title, basic, more, same])
    # two stories make a play button: neither is meant; "complex physics objects" are
    # another kind, "the same ... object API" the one there already
    assert edges(a) == {("US-3", "US-5"): "low"}


def test_a_state_of_a_thing_is_not_another_kind_of_it() -> None:
    setup = story("US-1", "Basic webcam recording setup", "Camera access is granted.")
    save = story("US-2", "Saving", "A finished webcam recording is saved to the library.")
    assert edges(analyse([setup, save])) == {("US-1", "US-2"): "low"}


def test_one_capitalised_word_in_a_list_is_no_label_mention() -> None:
    title = story("US-1", "Title screen", 'Add a "Play" button that opens the level list.')
    assets = story("US-2", "Assets", "Create button sprites (Play, Reset, Continue).")
    again = story("US-3", "Victory", "Press Play again to restart.")
    assert edges(analyse([title, assets, again])) == {("US-1", "US-3"): "low"}


def test_a_word_with_an_accented_letter_is_one_word() -> None:
    # dex (round 24): "Pokémon" read as "pok" and "mon", and "mon" as a thing a title made
    assert [w for w, _raw in tokenise("the café's menú").toks()] == ["the", "café", "menú"]
    a = analyse(
        [
            story("US-1", "Neighbouring Pokémon in the detail view", "Show the next Pokémon."),
            story("US-2", "Evolution chains", "Given a Pokémon with evolutions, show them."),
            story("US-3", "Last viewed Pokémon persistence", "The last Pokémon is kept."),
        ]
    )
    assert edges(a) == {}
