"""What a story introduces in words, and the stories after it that name it (backlog order),
with the hints kept below the reported edges."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.document import document
from pantheon_git.features.deps.introduced import introductions
from pantheon_git.features.deps.order import backlog_positions
from pantheon_git.features.deps.review import choose, proposals
from pantheon_git.features.deps.tokens import tokenise_text
from tests.support.deps import story


def edges(analysis: Analysis) -> dict[tuple[str, str], tuple[str, str]]:
    return {(str(e.source), str(e.target)): (e.kind, e.confidence) for e in analysis.edges}


def intro_keys(text: str) -> dict[tuple[str, ...], str]:
    return {key: intro.how for key, intro in introductions(tokenise_text(text)).items()}


def test_a_title_introduces_its_thing_and_its_shorter_names() -> None:
    keys = intro_keys("Video preview player with basic controls")
    assert keys[("video", "preview", "player")] == "noun-title/full"
    assert keys[("preview", "player")] == "noun-title/suffix"
    assert keys[("video", "player")] == "noun-title/skip"
    assert intro_keys("Media library panel with thumbnails")[("media", "library")] == (
        "noun-title/core"
    )
    setup = intro_keys("Supabase authentication setup")
    assert setup[("supabase", "auth")] == "noun-title/core"
    assert intro_keys("Leave requests") == {}  # two words: too common to link on
    assert ("loan", "account") not in intro_keys("Loan account and transaction search")
    assert ("screencapturekit",) in intro_keys("ScreenCaptureKit setup & permissions")


def test_sentences_introduce_by_article_count_parts_and_route() -> None:
    keys = intro_keys(
        "Title of it\n\n"
        "A recording panel (or modal) with Start and Stop buttons.\n\n"
        "The layout has three areas, preview at the top, timeline at the bottom, media library"
        " in a sidebar.\n\n"
        "The quality report (overall_confidence, tables, warnings) is stored.\n\n"
        "/settings shows the email and the tier."
    )
    assert keys[("recording", "panel")] == "stated/full"
    assert keys[("media", "library")] == keys[("preview", "area")] == "listed"
    assert keys[("path:preview",)] == "listed"  # a name alone is only met as a path
    assert keys[("quality", "report")] == "defined/full"
    assert keys[("setting", "page")] == keys[("route:/settings",)] == "route"


def test_a_later_story_naming_it_depends_on_the_one_before() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Layout",
                "The window has three areas, preview at the top, timeline"
                " at the bottom, media library in a sidebar.",
            ),
            story("US-2", "Import", "A drop zone in the media library area takes MP4 files."),
            story("US-3", "Media library panel with thumbnails", "Shows a thumbnail per clip."),
            story("US-4", "Timeline", "Drag clips from the media library onto the track."),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "low"),  # the media library area
        ("US-1", "US-3"): ("functional", "low"),  # the panel fills the layout's media library
        ("US-3", "US-4"): ("functional", "low"),  # the title beats the listed area
    }
    assert "introduces" in next(e.evidence for e in a.edges if str(e.target) == "US-4")


def test_a_thing_named_before_its_story_links_nothing() -> None:
    a = analyse(
        [
            story("US-1", "Player fixes", "Keep the preview player in sync."),
            story("US-2", "Video preview player with controls", "Plays the selected clip."),
        ]
    )
    assert a.edges == ()  # a forward mention: the order says US-1 cannot use what US-2 builds


def test_two_alike_introducers_leave_it_unlinked_but_a_setup_story_comes_first() -> None:
    alike = analyse(
        [
            story("US-1", "Limits", "Add rate limiting on login attempts."),
            story("US-2", "Partner limits", "Add rate limiting to the public gateway."),
            story("US-3", "Docs", "Document the rate limiting rules."),
        ]
    )
    assert alike.edges == ()
    setup = analyse(
        [
            story("US-1", "Basic webcam recording setup", "Camera permission."),
            story("US-2", "Save", "The webcam recording takes microphone audio too."),
        ]
    )
    assert edges(setup) == {("US-1", "US-2"): ("functional", "low")}


def test_code_forms_name_what_words_introduced() -> None:
    a = analyse(
        [
            story("US-1", "Supabase authentication setup", "Email and password sign-in."),
            story("US-2", "Login page", "Sign In calls supabase.auth.signInWithPassword()."),
            story("US-3", "Storage", "Two private buckets, uploads and downloads, with RLS."),
            story("US-4", "Upload API", "Store the file at uploads/{user_id}/input.pdf."),
            story("US-5", "Profile", "/settings shows the email and the current tier."),
            story("US-6", "Tier badge", "The settings page shows the tier in detail."),
        ]
    )
    assert set(edges(a)) == {("US-1", "US-2"), ("US-3", "US-4"), ("US-5", "US-6")}


def test_an_indefinite_mention_is_not_a_reference() -> None:
    a = analyse(
        [
            story("US-1", "Bulk fee waiver", "Waive several fees at once."),
            story("US-2", "Duplicates", "While a fee waiver is pending, Waive is disabled."),
            story("US-3", "Audit", "Log each fee waiver request."),
        ]
    )
    assert set(edges(a)) == {("US-1", "US-3")}


def test_a_placed_file_is_started_by_the_first_story_that_places_work_in_it() -> None:
    path = "internal/agents/claude_code.go"
    a = analyse(
        [
            story("US-1", "Path matcher", tasks=[f"Location: {path}"]),
            story("US-2", "Log parser", tasks=[f"Location: {path}"]),
            story("US-3", "State logic", tasks=[f"Detection logic in {path}"]),
            story("US-4", "Dashboard", tasks=["internal/tui/dashboard.go handles results"]),
            story("US-5", "Row status", tasks=["internal/tui/dashboard.go calls the detector"]),
        ]
    )
    assert edges(a) == {
        ("US-1", "US-2"): ("functional", "medium"),
        ("US-1", "US-3"): ("functional", "medium"),
    }  # dashboard.go is not placed: two lines open with it, neither says where work goes
    assert {(str(c.a), str(c.b)) for c in a.conflicts} >= {("US-4", "US-5"), ("US-2", "US-3")}


def test_an_endpoint_written_without_its_api_prefix_and_the_readme() -> None:
    a = analyse(
        [
            story("US-1", "Upload API", "Implement POST /api/v1/upload for PDFs."),
            story("US-2", "Limits", "A dependency checks the limits before POST /upload."),
            story("US-3", "Packaging", "Build documentation added to the README."),
            story("US-4", "MPV", "The dependency (brew install mpv) is documented in the README."),
        ]
    )
    assert edges(a) == {("US-1", "US-2"): ("api", "high")}
    assert [(str(c.a), str(c.b), c.paths) for c in a.conflicts] == [("US-3", "US-4", ("README",))]


def test_labels_and_outcomes_link_forward_only() -> None:
    a = analyse(
        [
            story("US-1", "Types", 'Constants AgentWorking ("working") and AgentIdle ("idle").'),
            story("US-2", "Rows", 'A project whose agent is working shows a "Working" state.'),
        ]
    )
    assert a.edges == ()


def test_a_purpose_clause_uses_nothing() -> None:
    a = analyse(
        [
            story("US-1", "Live trip map", "Show every trip on a map."),
            story("US-2", "Flags", "Set up a flag service so we can ship the live trip map dark."),
        ]
    )
    assert a.edges == ()


def test_hints_stay_out_of_the_graph_and_review_lists_them_when_asked() -> None:
    stories = [
        story("US-1", "Limits", "A blocked request gets 403 with the code LIMIT_EXCEEDED."),
        story("US-2", "Paywall", "A modal opens on the LIMIT_EXCEEDED error."),
    ]
    a = analyse(stories)
    assert a.edges == ()
    doc = document(a, stories)
    assert doc["edges"] == []
    assert [(h["from"], h["to"], h["confidence"]) for h in doc["hints"]] == [
        ("US-1", "US-2", "hint")
    ]
    assert choose(a, [(a.hints[0].source, a.hints[0].target)])[0].edge == a.hints[0]
    assert [(str(e.source), str(e.target), e.confidence) for e in a.hints] == [
        ("US-1", "US-2", "hint")
    ]
    assert a.stories[a.hints[0].target].predecessors == ()
    assert proposals(a) == []
    assert [e.confidence for e in proposals(a, "hint")] == ["hint"]


def test_the_backlog_order_is_rallys_rank_when_every_story_has_one() -> None:
    ranked = [story("US-2", "B", rank="O~"), story("US-1", "A", rank="P!")]
    assert [str(k) for k in backlog_positions(ranked)] == ["US-2", "US-1"]
    partly = [story("US-2", "B", rank="O~"), story("US-1", "A")]
    assert backlog_positions(partly) == {partly[1].key: 0, partly[0].key: 1}


def test_a_bare_file_name_is_the_one_path_ending_in_it_unless_many_name_it() -> None:
    shared = [
        story(f"US-{n}", f"Package {n}", "Add the script to package.json.") for n in range(1, 6)
    ]
    a = analyse(
        [
            story("US-10", "Service", tasks=["Update internal/service/whatsapp_service.go"]),
            story("US-11", "Reject", tasks=["In ProcessIncomingMessage (whatsapp_service.go)"]),
            *shared,
        ]
    )
    assert [(str(c.a), str(c.b)) for c in a.conflicts] == [("US-10", "US-11")]
    assert [h.path for h in a.hot_paths] == ["package.json"]  # each package's own


def test_names_said_to_exist_are_made_by_nobody_and_code_names_link_forward_only() -> None:
    a = analyse(
        [
            story("US-1", "Pairing", "The WhatsApp handler endpoints already exist."),
            story("US-2", "Status", "Poll the WhatsApp status every 3 seconds."),
            story("US-3", "Roles", "Sales get searchCars and the uploadCar function."),
            story("US-4", "Upload", "Add uploadCar function to the bot."),
            story("US-5", "Parse", "The LLM calls uploadCar once the sales rep confirms."),
        ]
    )
    assert set(edges(a)) == {("US-4", "US-5")}


def test_a_table_named_before_its_first_writer_existed_already() -> None:
    a = analyse(
        [
            story("US-1", "Upload", "The car repository creates the car in the cars table."),
            story("US-2", "Save", "INSERT INTO cars (brand, model) in one transaction."),
            story("US-3", "Offers", "Insert into the offers table with status active."),
            story("US-4", "Expiry", "Offers in the offers table expire after 30 minutes."),
        ]
    )
    assert set(edges(a)) == {("US-3", "US-4")}
