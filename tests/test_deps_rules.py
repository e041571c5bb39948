"""Each dependency rule on small hand-written stories: what links, what must not, and the
evidence line that says why."""

from __future__ import annotations

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.endpoints import normalise_path
from pantheon_git.features.deps.text import singular
from tests.support.deps import story


def edges(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.kind for e in analysis.edges}


def conflicts(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(c.a), str(c.b)): c.kind for c in analysis.conflicts}


def evidence(analysis: Analysis, source: str, target: str) -> str:
    return next(
        e.evidence for e in analysis.edges if (str(e.source), str(e.target)) == (source, target)
    )


# --- explicit -------------------------------------------------------------------------------


def test_rally_predecessors_and_successors_are_edges() -> None:
    a = analyse(
        [
            story("US-1", "Set up billing"),
            story("US-2", "Send invoices", predecessors=["US-1"]),
            story("US-3", "Dunning", successors=["US-4"]),
            story("US-4", "Collections"),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "explicit", ("US-3", "US-4"): "explicit"}
    assert evidence(a, "US-1", "US-2") == "Rally: US-1 is a predecessor of US-2"


def test_predecessors_outside_the_analysed_stories_are_ignored() -> None:
    a = analyse([story("US-2", "Send invoices", predecessors=["US-1", "US-2"])])
    assert a.edges == ()
    assert a.independent == (StoryKey.parse("US-2"),)


def test_explicit_wins_over_text_rules_and_keeps_them_as_also() -> None:
    a = analyse(
        [
            story("US-1", "Create user model"),
            story("US-2", "Add profile page", "Reads the user model.", predecessors=["US-1"]),
        ]
    )
    (edge,) = a.edges
    assert edge.kind == "explicit"
    assert [link.kind for link in edge.also] == ["functional"]


# --- functional -----------------------------------------------------------------------------


def test_mention_of_what_another_story_creates_is_a_dependency() -> None:
    a = analyse(
        [
            story("US-1", "Create user model"),
            story("US-2", "Add profile page", "Shows the name kept in the User Model."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional"}
    why = evidence(a, "US-1", "US-2")
    assert why.startswith("US-2 mentions the user model:")
    assert "Shows the name kept in the User Model." in why
    assert '(US-1: "Create user model")' in why
    assert "\n" not in why


def test_plurals_hyphens_and_a_dropped_generic_head_still_match() -> None:
    a = analyse(
        [
            story("US-1", "Build the order history page"),
            story("US-2", "Filters", "Add a status filter to the order-history pages."),
            story("US-3", "Add payment gateway integration"),
            story("US-4", "Refunds", "Refunds go through the payment gateway."),
            story("US-5", "Create email service"),
            story("US-6", "Reminders", "Reminders are sent by the e-mail service."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): "functional",
        ("US-3", "US-4"): "functional",
        ("US-5", "US-6"): "functional",
    }


def test_generic_words_alone_never_link() -> None:
    a = analyse(
        [
            story("US-1", "Add profile page"),
            story("US-2", "Create user data export"),
            story("US-3", "Dark mode", "Every page gets a dark theme; no user data is stored."),
            story("US-4", "Add settings page"),
            story("US-5", "Audit", "Each page view and every user is logged."),
        ]
    )
    assert a.edges == ()


def test_only_clause_opening_verbs_create_things() -> None:
    # "As a visitor I want to create an account" is what a user does, not what the story builds.
    a = analyse(
        [
            story("US-1", "Registration", "As a visitor I want to create invoice drafts."),
            story("US-2", "Drafts list", "Shows invoice drafts."),
        ]
    )
    assert a.edges == ()


def test_two_stories_creating_the_same_thing_do_not_depend_on_each_other() -> None:
    a = analyse(
        [
            story("US-1", "Login rate limiting", "Add rate limiting on login attempts."),
            story("US-2", "Partner limits", "Add rate limiting to the public API gateway."),
            story("US-3", "Docs", "Document the rate limiting rules."),
        ]
    )
    assert a.edges == ()  # ambiguous: two creators


def test_coordinated_phrases_share_their_head() -> None:
    a = analyse(
        [
            story("US-1", "Add login and logout endpoints"),
            story("US-2", "Session banner", "Call the logout endpoint when the session ends."),
            story("US-3", "Login form", "The form posts to the login endpoint."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional", ("US-1", "US-3"): "functional"}


def test_test_fixtures_are_not_functional_dependencies() -> None:
    a = analyse(
        [
            story("US-1", "Fixtures", "Create a customer_factory fixture in tests/conftest.py."),
            story("US-2", "API tests", "API tests use the customer_factory fixture."),
        ]
    )
    assert a.edges == ()
    assert conflicts(a) == {("US-1", "US-2"): "test"}


# --- data -----------------------------------------------------------------------------------


def test_foreign_keys_and_id_columns_depend_on_the_table_creator() -> None:
    a = analyse(
        [
            story("US-1", "Users", "Migration creates table users."),
            story("US-2", "Sessions", "Create the user_sessions table with user_id."),
            story("US-3", "Orders", "CREATE TABLE orders (buyer INT REFERENCES users(id))."),
            story("US-4", "Notes", "Add a foreign key to users from the notes table."),
            story("US-5", "Cleanup", "Add a deleted_at column to the Users table."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): "data",
        ("US-1", "US-3"): "data",
        ("US-1", "US-4"): "data",
        ("US-1", "US-5"): "data",
    }
    why = evidence(a, "US-1", "US-2")
    assert why.startswith("US-2 references table user:")
    assert "user_id" in why
    assert "Migration creates table users" in why


def test_tables_listed_together_are_each_referenced() -> None:
    a = analyse(
        [
            story("US-1", "Customers", "Create the customers table."),
            story("US-2", "Addresses", "Create the addresses table."),
            story("US-3", "Orders", "Create the orders table."),
            story("US-4", "Export", "Reads the customers, addresses and orders tables."),
        ]
    )
    assert edges(a) == {(f"US-{i}", "US-4"): "data" for i in (1, 2, 3)}


def test_a_table_mentioned_by_identifier_is_a_reference() -> None:
    a = analyse(
        [
            story("US-1", "Prefs", "Create the notification_preferences table."),
            story("US-2", "Unsubscribe", "Clicking the link updates notification_preferences."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "data"}


def test_adding_a_column_is_not_creating_the_table_and_paths_are_not_tables() -> None:
    a = analyse(
        [
            story("US-1", "Soft delete", "Add a deleted_at column to the customers table."),
            story("US-2", "Close account", "Set deleted_at on the customers table."),
            story("US-3", "Model", "Code in app/models/order_items.py."),
            story("US-4", "Items", "Create the order_items table."),
        ]
    )
    # No data edge: nobody creates the customers table, and a path is not a table. The column
    # US-1 adds is a thing US-2 uses, though.
    assert edges(a) == {("US-1", "US-2"): "functional"}
    assert "mentions the deleted_at" in evidence(a, "US-1", "US-2")


# --- api ------------------------------------------------------------------------------------


def test_a_call_depends_on_the_story_implementing_the_endpoint() -> None:
    a = analyse(
        [
            story("US-1", "Users API", "Implement `POST /api/users` in app/api/users.py."),
            story("US-2", "Signup form", "The form submits to POST /api/users."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "api"}
    why = evidence(a, "US-1", "US-2")
    assert why.startswith("US-2 calls POST /api/users:")
    assert "submits to POST /api/users" in why


def test_path_parameters_match_in_any_style() -> None:
    a = analyse(
        [
            story("US-1", "User API", "Implement GET /api/users/{userId}/orders/."),
            story("US-2", "Page", "It loads GET /api/users/:id/orders?page=2."),
            story("US-3", "Mobile", "The app calls GET /api/users/<int:id>/orders."),
            story("US-4", "Script", "The script hits GET /api/users/42/orders."),
        ]
    )
    assert set(edges(a)) == {("US-1", "US-2"), ("US-1", "US-3"), ("US-1", "US-4")}
    assert normalise_path("/API/Users/{id}/") == "/api/users/{}"
    assert normalise_path("/u/f47ac10b-58cc-4372-a567-0e02b2c3d479?x=1") == "/u/{}"
    assert normalise_path("/files/*/raw#top") == "/files/{}/raw"


def test_method_and_path_must_both_match() -> None:
    a = analyse(
        [
            story("US-1", "Users API", "Implement POST /api/users."),
            story("US-2", "List", "The page calls GET /api/users."),
            story("US-3", "Refunds", "The page calls POST /api/users/{id}/refunds."),
            story("US-4", "Close", "Must not call DELETE /api/orders/{id}."),
        ]
    )
    assert a.edges == ()


def test_a_list_under_a_story_that_builds_endpoints_is_implemented() -> None:
    a = analyse(
        [
            story("US-1", "Expose order API", "* `GET /api/orders` lists orders"),
            story("US-2", "History page", "It calls GET /api/orders."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "api"}


def test_a_calling_verb_after_a_creating_verb_decides() -> None:
    a = analyse(
        [
            story("US-1", "Login API", "Add the login endpoint POST /api/login."),
            story("US-2", "Login form", "Implement the login form that calls POST /api/login."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "api"}


# --- file and test conflicts ---------------------------------------------------------------


def test_same_file_named_by_two_stories_is_a_file_conflict() -> None:
    a = analyse(
        [
            story("US-1", "Client", tasks=["Create the client in src/integrations/client.py"]),
            story("US-2", "Limits", "Token bucket in `src/integrations/client.py`."),
            story("US-3", "Other", "Touches src/integrations/other.py and src/integrations/."),
        ]
    )
    assert conflicts(a) == {("US-1", "US-2"): "file"}
    (conflict,) = a.conflicts
    assert conflict.evidence == (
        "US-1 and US-2 both name the same file: src/integrations/client.py"
    )
    assert a.edges == ()
    assert a.stories[StoryKey.parse("US-1")].files == ("src/integrations/client.py",)


def test_same_basename_in_different_folders_and_urls_do_not_conflict() -> None:
    a = analyse(
        [
            story("US-1", "A", "Model in app/notify/models.py, see https://example.com/a/b.html"),
            story("US-2", "B", "Model in app/accounts/models.py, see https://example.com/a/b.html"),
        ]
    )
    assert a.conflicts == ()


def test_shared_fixtures_are_test_conflicts() -> None:
    a = analyse(
        [
            story("US-1", "A", "Add a factory to tests/conftest.py."),
            story("US-2", "B", "Extend tests/conftest.py with a clock."),
            story("US-3", "C", "Rewrite tests/fixtures/billing/invoices.json."),
            story("US-4", "D", "Golden tests read tests/fixtures/billing/invoices.json."),
            story("US-5", "E", "Tests use the `db` fixture."),
            story("US-6", "F", "Speed up the db fixture (`db` fixture) setup."),
        ]
    )
    assert conflicts(a) == {
        ("US-1", "US-2"): "test",
        ("US-3", "US-4"): "test",
        ("US-5", "US-6"): "test",
    }


def test_branch_files_from_git_make_conflicts_too() -> None:
    stories = [story("US-1", "A"), story("US-2", "B", "Edit src/app.py."), story("US-3", "C")]
    changed = {StoryKey.parse("US-1"): {"src/app.py", "README.md"}, StoryKey.parse("US-3"): {"x"}}
    a = analyse(stories, changed)
    assert conflicts(a) == {("US-1", "US-2"): "file"}
    assert "one by name, one on its branch" in a.conflicts[0].evidence


def test_a_file_named_by_very_many_stories_is_reported_once() -> None:
    stories = [story(f"US-{i}", f"S{i}", "Bump the version in package.json.") for i in range(30)]
    a = analyse(stories)
    assert a.conflicts == ()
    assert [(h.path, len(h.stories)) for h in a.hot_paths] == [("package.json", 30)]


def test_singular_forms() -> None:
    assert [singular(w) for w in ("orders", "categories", "boxes", "status", "addresses")] == [
        "order",
        "category",
        "box",
        "status",
        "address",
    ]
    assert singular("order_items") == "order_item"


def test_a_three_word_noun_title_names_what_the_story_delivers() -> None:
    a = analyse(
        [
            story("US-1", "Live trip map"),
            story("US-2", "Flag", "Hide the live trip map behind a flag."),
            # two words name it only while few stories write them (tests/test_deps_titlephrases.py)
            story("US-3", "Audit log"),
            story("US-4", "Refunds", "Every refund is written to the audit log."),
            story("US-5", "Rate limits on the public API"),
            story("US-6", "Mail", "A per-recipient rate limit applies."),  # another kind
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional", ("US-3", "US-4"): "functional"}


def test_stand_up_and_spin_up_create_things() -> None:
    a = analyse(
        [
            story("US-1", "Geo", "Stand up a geocoding service with a cache."),
            story("US-2", "Stops", "Addresses go through the geocoding service."),
            story("US-3", "Stand", "Stand the flag service behind the proxy."),
            story("US-4", "Flags", "Reads the flag service."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional"}


def test_fk_to_and_prefixed_id_columns_reference_the_table() -> None:
    a = analyse(
        [
            story("US-1", "Vehicles", "Introduce the vehicles table."),
            story("US-2", "Drivers", "Add default_vehicle_id to the drivers table."),
            story("US-3", "Trips", "Trip rows have an FK to vehicles."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "data", ("US-1", "US-3"): "data"}


def test_factories_are_shared_test_fixtures() -> None:
    a = analyse(
        [
            story("US-1", "A", "Add an employee factory in spec/factories/employees.rb."),
            story("US-2", "B", "Specs use spec/factories/employees.rb."),
            story("US-3", "C", "Extend tests/factories.py."),
            story("US-4", "D", "Use tests/factories.py."),
        ]
    )
    assert conflicts(a) == {("US-1", "US-2"): "test", ("US-3", "US-4"): "test"}


def test_odd_and_huge_texts_do_not_break_the_analysis() -> None:
    # Long chunks without spaces are scanned once; a quadratic scan would not finish here.
    blob = "a." * 50_000 + " " + "b/" * 50_000 + " " + "x" * 100_000
    a = analyse(
        [
            story("US-1", "", ""),
            story("US-2", "   ", "\n\n- \n1. \n" + blob),
            story("US-3", "Create user model", "POST / and GET /// and DELETE"),
            story("US-4", "[API] [Auth]", "`` \" ' ( ) [ ] { } < > ; : , . ! ?"),
        ]
    )
    assert set(a.stories) == {StoryKey.parse(f"US-{i}") for i in range(1, 5)}
    assert a.edges == ()


def test_tables_created_together_are_each_created() -> None:
    a = analyse(
        [
            story("US-1", "Storage", "Create the articles table (slug) and an revisions table."),
            story("US-2", "History", "Reads revision rows via revisions.article_id."),
            story("US-3", "Comments", "Each comment has article_id."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "data", ("US-1", "US-3"): "data"}


def test_a_line_naming_a_thing_and_its_place_creates_it() -> None:
    a = analyse(
        [
            story("US-1", "Storage", tasks=["Article model in cms/models/article.py"]),
            story("US-2", "API", "Resolvers backed by the Article model."),
            story("US-3", "Fixtures", tasks=["Reader factory in tests/factories.py"]),
            story("US-4", "Tests", "Comment tests use the reader factory."),
            story("US-5", "Fix", tasks=["Refactor the article model in cms/models/article.py"]),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional", ("US-1", "US-5"): "functional"}


def test_a_file_that_holds_a_name_as_the_clauses_subject_makes_it() -> None:
    # braille (round 22): "then `src/grid/braille_grid.rs` holds the `BrailleGrid` struct"
    def users_of(grid: str) -> Analysis:
        return analyse(
            [
                story("US-1", "Extract the grid core", f"Given the old code, when {grid}"),
                story("US-2", "Lines", "Then `src/line.rs` has `draw_line(grid: &mut DotGrid)`."),
                story("US-3", "Circles", "`src/circle.rs` has `draw_circle(grid: &mut DotGrid)`."),
            ]
        )

    held = users_of("DotGrid is moved, then `src/grid/grid.rs` holds the `DotGrid` struct.")
    assert edges(held) == {("US-1", "US-2"): "functional", ("US-1", "US-3"): "functional"}
    # the file not the clause's subject: the story only names DotGrid first (a hint)
    said = users_of("DotGrid is moved, the notes say `src/grid/grid.rs` holds the `DotGrid`.")
    assert edges(said) == {}


def test_code_words_in_a_list_are_names_by_themselves_and_with_the_head() -> None:
    a = analyse(
        [
            story("US-1", "GraphQL", "Add the createArticle and publishArticle mutations."),
            story("US-2", "Editor", "Saving calls the createArticle mutation."),
            story("US-3", "Workflow", "Chief editors run publishArticle."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): "functional", ("US-1", "US-3"): "functional"}
