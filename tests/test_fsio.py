from __future__ import annotations

import os
import stat
from pathlib import Path

from pantheon_git.fsio import atomic_write_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "docs" / "stories" / "US-1.md"
    atomic_write_text(path, "# Story US-1: x\n")
    assert _mode(path) == 0o666 & ~mask
    assert path.read_text() == "# Story US-1: x\n"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    path.write_text("old")
    path.chmod(0o750)
    atomic_write_text(path, "new")
    assert _mode(path) == 0o750
    assert path.read_text() == "new"
