"""The rules that link stories written in different words: names and files, endpoints by role,
columns and dotted names, quoted screen names, entities, outcomes, negation, and the
confidence each edge gets."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.names import ident_keys, name_words
from tests.support.deps import story


def edges(analysis: Analysis) -> dict[tuple[str, str], tuple[str, str]]:
    return {(str(e.source), str(e.target)): (e.kind, e.confidence) for e in analysis.edges}


def evidence(analysis: Analysis, source: str, target: str) -> str:
    return next(
        e.evidence for e in analysis.edges if (str(e.source), str(e.target)) == (source, target)
    )


# --- names and files -------------------------------------------------------------------------


def test_code_names_meet_in_any_spelling() -> None:
    assert name_words("useWaiveFee") == ("use", "waive", "fee")
    assert name_words("ERROR_MESSAGES") == ("error", "message")
    keys = dict(ident_keys("useWaiveFee"))
    assert set(keys) == {"usewaivefee", "waivefee"}  # a hook answers to its name without "use"
    assert dict(ident_keys("tokenStorageProvider")).keys() >= {"tokenstorage"}
    assert ident_keys("index") == ()  # one word names nothing


def test_a_name_one_story_builds_links_the_stories_that_use_it() -> None:
    a = analyse(
        [
            story(
                "US-1", "Waive fee", tasks=["useWaiveFee mutation hook in src/hooks/useWaiveFee.ts"]
            ),
            story("US-2", "Bulk waiver", "Each selected fee goes through useWaiveFee."),
            story("US-3", "Read-only mode", "Buttons (Waive Fee, Refund) are off while offline."),
            story("US-4", "Retries", tasks=["Listen for retries in src/hooks/useWaiveFee.ts"]),
            story("US-5", "Docs", tasks=["Document it in src/hooks/useWaiveFee.ts"]),
        ]
    )
    assert edges(a)[("US-1", "US-5")] == ("functional", "medium")  # a changed file is a use
    assert edges(a) == {
        ("US-1", "US-5"): ("functional", "medium"),
        ("US-1", "US-2"): ("functional", "medium"),
        ("US-1", "US-3"): ("functional", "low"),  # written in words: "Waive Fee"
        ("US-1", "US-4"): ("functional", "medium"),  # changes the file US-1 creates
    }
    assert evidence(a, "US-1", "US-2").startswith("US-2 uses useWaiveFee, which US-1 makes:")
    assert "src/hooks/useWaiveFee.ts" in evidence(a, "US-1", "US-4")


def test_a_name_two_stories_build_or_an_existing_one_links_nobody() -> None:
    a = analyse(
        [
            story("US-1", "Store", tasks=["src/stores/optimistic.ts"]),
            story("US-2", "Pending", tasks=["src/stores/optimistic.ts"]),
            story("US-3", "Docs", "Polling in the existing DocumentUploadController."),
            story("US-4", "More", "Extend DocumentUploadController with a retry."),
        ]
    )
    assert a.edges == ()
    assert {(str(c.a), str(c.b)) for c in a.conflicts} == {("US-1", "US-2")}


def test_prose_names_need_to_stand_alone_and_say_what_they_are() -> None:
    a = analyse(
        [
            story("US-1", "Storage", tasks=["StorageService in app/services/storage_service.py"]),
            story("US-2", "Tokens", "A token storage service keeps the session."),
            story("US-3", "Fees", tasks=["FeeList in src/components/FeeList.tsx"]),
            story("US-4", "Waive", "Waive a fee from the fee list."),
            story("US-5", "Upload", "Files go through the storage service."),
        ]
    )
    assert set(edges(a)) == {("US-1", "US-5")}


def test_test_helpers_are_no_names() -> None:
    a = analyse(
        [
            story("US-1", "Factory", tasks=["spec/factories/employees.rb"]),
            story(
                "US-2", "Specs", "Specs use the employee factory from spec/factories/employees.rb."
            ),
        ]
    )
    assert a.edges == ()
    assert [c.kind for c in a.conflicts] == ["test"]


# --- endpoints by role -----------------------------------------------------------------------


def test_an_api_title_a_sentence_subject_and_a_path_without_method() -> None:
    a = analyse(
        [
            story(
                "US-1", "User login API endpoint", "POST /api/v1/auth/login checks the password."
            ),
            story("US-2", "Document deletion", "DELETE /api/v1/docs/{doc_id} removes the file."),
            story("US-3", "Login screen", "Login calls POST /api/v1/auth/login."),
            story(
                "US-4", "Library", "A long press offers Delete, calling DELETE /api/v1/docs/{id}."
            ),
            story("US-5", "Streaming", "A question sent to /api/v1/auth/login?x=1 streams."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-3"): ("api", "high"),
        ("US-2", "US-4"): ("api", "high"),
        ("US-1", "US-5"): ("api", "high"),
    }


def test_the_story_that_builds_an_endpoint_wins_over_one_that_lists_it() -> None:
    a = analyse(
        [
            story("US-1", "Status", tasks=["Add GET /api/docs/{id} returning the status"]),
            story("US-2", "Document library API endpoints", "GET /api/docs/{id} keeps working."),
            story("US-3", "Memory", "New endpoints: POST /api/docs/{id}/conversations/new."),
            story("US-4", "Chat", "New conversation calls POST /api/docs/{id}/conversations/new."),
        ]
    )
    assert set(edges(a)) == {("US-1", "US-2"), ("US-3", "US-4")}


# --- tables, columns, entities ---------------------------------------------------------------


def test_column_lists_dotted_names_and_added_columns() -> None:
    a = analyse(
        [
            story("US-1", "Schema", "The users table (public.users, id, email, bio) has RLS."),
            story("US-2", "Username", "A migration adds a username column (text) to public.users."),
            story("US-3", "Default name", "Check whether that username is taken in public.users."),
            story("US-4", "Carriers", "Migration adding a carrier_id column on users."),
            story("US-5", "Carrier", "Show the carrier from users.carrier_id in the list."),
        ]
    )
    got = edges(a)
    assert got[("US-1", "US-2")] == ("data", "high")
    assert got[("US-2", "US-3")] == ("data", "high")  # the column US-2 adds
    assert got[("US-4", "US-5")] == ("data", "high")
    assert "uses column user.carrier_id" in evidence(a, "US-4", "US-5")
    assert ("US-3", "US-2") not in got


def test_entities_by_name_records_and_possessives() -> None:
    a = analyse(
        [
            story("US-1", "Shipments", "Introduce the Shipment entity and the shipments table."),
            story("US-2", "Dashboard", "The dashboard loads Shipment records for the week."),
            story("US-3", "Devices", "Create the Device model with a push_token."),
            story("US-4", "Push", "Send the push to the stored token of the Device."),
            story(
                "US-5", "Prefs", "Clicking updates the shipment's row in notification_preferences."
            ),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("data", "high"),
        ("US-3", "US-4"): ("functional", "medium"),
    }


def test_a_model_named_before_the_story_that_makes_it_is_a_mention() -> None:
    """A name the backlog uses before the story that makes a model of it ("React" in "built in
    React", then "a React table component"; "Ghost 6 s", then the ghost stored in a table) is
    a library or a word, not that story's model. Records of a later story's table still link."""
    a = analyse(
        [
            story("US-1", "HUD", "The HUD is built in React (not a canvas overlay)."),
            story("US-2", "Leaderboard", "Create the Leaderboard with a React table component."),
            story("US-3", "Dashboard", "The dashboard loads Shipment records for the week."),
            story("US-4", "Shipments", "Introduce the Shipment entity and the shipments table."),
        ]
    )
    assert ("US-2", "US-1") not in edges(a)
    assert edges(a)[("US-4", "US-3")] == ("data", "high")


# --- quoted names, outcomes, negation --------------------------------------------------------


def test_quoted_names_a_story_introduces() -> None:
    a = analyse(
        [
            story("US-1", "Layout", 'The habit columns "Today", "Yesterday" and "The Pile".'),
            story("US-2", "Create", 'Create a habit right in "The Pile".'),
            story("US-3", "Card", "Integrate the existing HabitCard into The Pile"),
            story("US-4", "Lively", 'A missed habit sits in a "Lively" state for a day.'),
            story("US-5", "Junked", 'A "Lively" habit not rescued becomes "Junked".'),
            story("US-6", "Move", 'Drag cards between the "Today" and "Yesterday" columns.'),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "low"),
        ("US-1", "US-3"): ("functional", "low"),
        ("US-4", "US-5"): ("functional", "low"),
        ("US-1", "US-6"): ("functional", "low"),
    }


def test_a_step_after_another_storys_outcome() -> None:
    a = analyse(
        [
            story("US-1", "Labels", "Print the shipping label for each parcel."),
            story("US-2", "Notify", "Once the label has been printed, email the customer."),
            story("US-3", "Pay", "Approve the refund."),
            story("US-4", "Audit", "When a refund is approved, log it."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "low"),
        ("US-3", "US-4"): ("functional", "low"),
    }
    assert evidence(a, "US-1", "US-2").startswith("US-2 waits until the label is printed:")
    # "approved" comes from "approve" or "approv": the evidence says it as the story does
    assert evidence(a, "US-3", "US-4").startswith("US-4 waits until the refund is approved:")


def test_what_a_story_says_it_does_not_touch_is_no_mention() -> None:
    a = analyse(
        [
            story("US-1", "Account settings", "Create the account settings page."),
            story("US-2", "Copy", "Unlike the account settings page, no code changes here."),
            story("US-3", "Export", "Read the orders, not through the account settings page."),
            story("US-4", "Tests", "No test opens the account settings page by hand."),
        ]
    )
    assert a.edges == ()


def test_files_under_a_folder_one_story_sets_up() -> None:
    a = analyse(
        [
            story("US-1", "Admin access", tasks=["Route group src/app/(admin)/ with a login page"]),
            story("US-2", "Settings", tasks=["src/app/(admin)/settings/page.tsx"]),
            story("US-3", "Tests", tasks=["tests/admin/test_settings.py"]),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): ("functional", "medium")}
    assert "under src/app/(admin)/, which US-1 sets up" in evidence(a, "US-1", "US-2")


def test_files_under_the_folders_a_set_up_story_lays_out() -> None:
    # the layout of budget's first story (tests/fixtures/deps/bmad/budget.yaml, US-26101)
    layout = (
        "Initializing it creates a React project, a package.json and the folders `/src`, "
        "`/public`, `/components` and `/services`."
    )
    a = analyse(
        [
            story("US-1", "Project initialization", acceptance_criteria=(layout,)),
            story("US-2", "Storage", tasks=["Create `/src/services/storageService.js`"]),
            story("US-3", "Models", tasks=["Create a `/src/models` or `/src/types` folder"]),
            story("US-4", "Routing", "The routes `/dashboard` and `/transactions` work."),
            story("US-5", "Docs", "Touches `docs/` and `src/` only."),
            story("US-6", "Guide", tasks=["Write docs/guide.md"]),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "medium"),
        ("US-1", "US-3"): ("functional", "medium"),  # its own folder goes under /src
    }
    assert "puts src/services/storageService.js under src/, which US-1 sets up" in evidence(
        a, "US-1", "US-2"
    )


def test_a_layout_sentence_needs_no_folder_word() -> None:
    # robot's first story (tests/fixtures/deps/bmad/robot.yaml, US-35101)
    layout = (
        "Its layout follows the architecture: `docs/` (`prd/`, `architecture/`), `firmware/` for "
        "the ESP32 firmware (`head/`, `ears_neck/`) and `tools/` (`setup/`, `diagnostics/`)."
    )
    a = analyse(
        [
            story("US-1", "Repository and project structure", acceptance_criteria=(layout,)),
            story("US-2", "Pi setup", tasks=["A setup script, `tools/setup/install.sh`"]),
            story("US-3", "Ear driver", tasks=["Document the wiring in `ears_neck/README.md`"]),
            story("US-4", "Notes", "Keep notes in `notes/today.md`."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "medium"),
        ("US-1", "US-3"): ("functional", "medium"),  # a folder in brackets counts by its name
    }


def test_a_folder_set_up_after_the_story_that_writes_into_it_links_nothing() -> None:
    # fleet: a later story lays out in a second repository the paths an earlier story wrote
    a = analyse(
        [
            story("US-1", "Test repository", tasks=["modules/hosts/test-vm/default.nix"]),
            story("US-2", "Layout", "The folders `modules/hosts/` and `modules/base/` exist."),
            story("US-3", "Host", tasks=["modules/hosts/blackphos/default.nix"]),
        ]
    )
    assert edges(a) == {("US-2", "US-3"): ("functional", "medium")}


def test_tables_introduced_by_an_article_or_by_their_first_rows() -> None:
    a = analyse(
        [
            story("US-1", "Offer settings", "Store the limits in an admin_settings table."),
            story("US-2", "Offers", "Read offer_validity_minutes from admin_settings."),
            story("US-3", "Settlement", tasks=["A withdrawal_requests record per payment"]),
            story("US-4", "Admin", tasks=["Query withdrawal_requests with status pending"]),
            story("US-5", "Orders", "Create the orders table.", tasks=["Insert into orders"]),
            story("US-6", "Export", tasks=["Insert into orders from the old system"]),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("data", "high"),
        ("US-3", "US-4"): ("data", "high"),
        ("US-5", "US-6"): ("data", "high"),  # US-5 creates orders: the other writer uses it
    }


def test_a_noun_title_also_names_its_thing_without_its_first_word() -> None:
    a = analyse(
        [
            story("US-1", "Provider availability toggle", "A big toggle on the dashboard."),
            story("US-2", "Request browser", "With the availability toggle on, list requests."),
            story("US-3", "Bulk fee waiver", "Waive several fees at once."),
            story("US-4", "Duplicates", "While a fee waiver is pending, Waive is disabled."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): ("functional", "low")}


def test_a_button_a_screen_shows_in_quotes() -> None:
    a = analyse(
        [
            story("US-1", "Offers", 'A pending offer shows a countdown and "Cancelar Oferta".'),
            story("US-2", "Withdraw", '"Cancelar Oferta" asks for a confirmation.'),
            story("US-3", "Payments", 'Pending payments show "Verificar" / "Rechazar".'),
            story("US-4", "Queue", '"Rechazar" sets the status to rejected.'),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): ("functional", "low")}  # one word is too common


def test_a_button_introduced_at_the_start_of_a_criterion() -> None:
    a = analyse(
        [
            story("US-1", "Report page", acceptance_criteria=['A "Download EPUB" button']),
            story("US-2", "Download", acceptance_criteria=['"Download EPUB" saves the file']),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): ("functional", "low")}
