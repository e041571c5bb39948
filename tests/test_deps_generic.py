"""Names every project has, which link nothing on their own: build outputs, the READMEs,
manifests and configs many stories mention, a folder's index file, the tool a configuration
story sets up, and a shortened name another story writes with a qualifier of its own."""

from __future__ import annotations

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.introduced import introductions
from pantheon_git.features.deps.paths import as_path
from pantheon_git.features.deps.samefiles import is_shared_file
from pantheon_git.features.deps.tokens import tokenise_text
from tests.support.deps import story


def pairs(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(e.source), str(e.target)) for e in analysis.edges}


def conflict_pairs(analysis: Analysis) -> set[tuple[str, str]]:
    return {(str(c.a), str(c.b)) for c in analysis.conflicts}


def test_build_outputs_are_not_files_anyone_changes() -> None:
    assert as_path("dist/index.cjs") is None
    assert as_path("packages/core/dist/index.js") is None
    assert as_path("node_modules/react/index.js") is None
    assert as_path("src/build.ts") == "src/build.ts"  # a source file named build
    a = analyse(
        [
            story(
                "US-1", "Build tool setup", tasks=["Build output: dist/index.js, dist/index.cjs"]
            ),
            story("US-2", "Core build", "tsup builds dist/index.js and dist/index.cjs."),
            story("US-3", "Multi-format build", "Check dist/index.js and dist/index.cjs load."),
        ]
    )
    assert conflict_pairs(a) == set()


def test_a_readme_or_manifest_many_stories_name_is_mentioned_not_changed() -> None:
    assert is_shared_file("packages/core/README.md")
    assert is_shared_file("README")
    assert is_shared_file("pnpm-lock.yaml")
    assert is_shared_file("tsconfig.base.json")
    assert is_shared_file("vite.config.ts")
    assert is_shared_file("package.json")
    assert not is_shared_file("src/payload.ts")
    assert not is_shared_file("docs/guide.md")
    docs = [
        story(f"US-{n}", f"Docs {n}", f"Document it in packages/core/README.md and the {n} API.")
        for n in range(1, 4)
    ]
    a = analyse(docs)
    assert conflict_pairs(a) == set()
    assert [h.path for h in a.hot_paths] == ["packages/core/README.md"]
    # two stories that both write in the README still collide
    two = analyse(
        [
            story("US-1", "Install guide", "Write the install steps in the README."),
            story("US-2", "Shortcuts", "List the keyboard shortcuts in the README."),
        ]
    )
    assert conflict_pairs(two) == {("US-1", "US-2")}


def test_a_bare_index_file_names_no_one_file() -> None:
    a = analyse(
        [
            story("US-1", "Core build", "tsup.config.ts builds index.js, index.cjs, index.d.ts."),
            story(
                "US-2", "Formats", "Each package builds ESM (index.js) and CommonJS (index.cjs)."
            ),
            story("US-3", "Exports", "Export the types from packages/core/src/index.ts."),
            story("US-4", "Emitter", "Re-export EventEmitter from packages/core/src/index.ts."),
        ]
    )
    assert conflict_pairs(a) == {("US-3", "US-4")}
    assert ("US-1", "US-2") not in pairs(a)


def test_a_configuration_title_introduces_no_one_word_tool() -> None:
    keys = introductions(tokenise_text("TypeScript configuration"))
    assert ("typescript",) not in keys
    assert ("typescript", "config") in keys
    build = introductions(tokenise_text("Multi-format build configuration"))
    assert ("build",) not in build
    assert ("multi", "format", "build") in build
    assert ("ffmpeg",) in introductions(tokenise_text("FFmpeg integration"))  # integrated: used
    a = analyse(
        [
            story("US-1", "TypeScript configuration", "A strict root tsconfig.json."),
            story("US-2", "Bundler", "Given TypeScript is configured, install tsup."),
            story("US-3", "Docs", "Show TypeScript and JavaScript examples."),
        ]
    )
    assert pairs(a) == {("US-1", "US-2")}


def test_a_shortened_name_with_another_qualifier_is_another_thing() -> None:
    a = analyse(
        [
            story("US-1", "Core package structure", "The core package holds the engine."),
            story("US-2", "Snake", "Given the snake package structure exists, add SnakeGame."),
            story("US-3", "Snake game package setup", "The snake package is published."),
            story("US-4", "Core package README", "Explain the engine API."),
            story("US-5", "Single-track timeline foundation", "Clips sit on one track."),
            story("US-6", "Export", "Export my edited timeline as an MP4 file."),
        ]
    )
    assert ("US-1", "US-2") not in pairs(a)  # the snake package's structure
    assert ("US-3", "US-4") not in pairs(a)  # the core package, not the snake one
    assert ("US-5", "US-6") in pairs(a)  # "edited" says how it is, not which one


def test_a_bare_hyphenated_file_name_is_one_file() -> None:
    # "aup-modal.ts" after another code span was read as the words "aup" and "modal"
    a = analyse(
        [
            story("US-1", "Modal", tasks=["`src/try/ui/components/aup-modal.ts`: the modal"]),
            story("US-2", "Buttons", tasks=["Change `updateButtons()` in `aup-modal.ts`"]),
        ]
    )
    assert conflict_pairs(a) == {("US-1", "US-2")}


def test_a_path_written_from_the_repository_root_is_the_repositorys_file() -> None:
    assert as_path("/app/profile/page.tsx") == "app/profile/page.tsx"
    assert as_path("/lib/supabase.ts") == "lib/supabase.ts"
    assert as_path("/api/puzzle/validate") is None  # an endpoint
    assert as_path("/api/users.json") is None  # an endpoint's format
    assert as_path("/etc/deskpulse/secrets.env") is None  # outside the repository
    assert as_path("/components/puzzle/") is None  # a folder
    a = analyse(
        [
            story("US-1", "Layout", "The header goes in `/app/layout.tsx`."),
            story("US-2", "Analytics", "Add the analytics script to `app/layout.tsx`."),
        ]
    )
    assert conflict_pairs(a) == {("US-1", "US-2")}
