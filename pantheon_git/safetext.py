"""Text from Rally, payloads and files made safe for where it goes.

Anyone who can edit a story can put anything in its Name: terminal escapes (``ESC]8;;`` links,
``ESC[2J``), line breaks, and GitHub workflow commands (``::error title=x::``, the runner's older
``##[command]`` form). Printed raw, those rewrite a developer's terminal or add annotations,
masks and outputs to a CI log.

- ``visible``: control characters (C0 but tab and, unless ``newlines=False``, line feed; DEL;
  C1) and the bidirectional overrides shown as escapes (``\\x1b``, ``\\u202e``), never sent.
- ``one_line``: a field that belongs on one line (a title, a name): line breaks become spaces.
- ``neutral``: a text whose lines the Actions runner cannot take for workflow commands: a line
  that starts with ``::`` once its leading spaces are trimmed, or holds ``##[``, gets a
  zero-width space that breaks the marker (the GitHub runner's ``ActionCommand.TryParseV2``
  trims leading white space then looks for ``::``; ``TryParse`` finds ``##[`` anywhere).
- ``for_output``: both, for a whole report about to be printed.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_BIDI}]")
_COMMAND_LINE = re.compile(r"^(\s*):(?=:)", re.MULTILINE)
_LEGACY = "##["
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape (line feeds kept if
    ``newlines``); a carriage return is a control character too."""
    pattern = _UNSAFE if newlines else _UNSAFE_ONE_LINE
    return pattern.sub(_escape, text)


def one_line(text: str) -> str:
    """A field for one line: runs of line breaks become one space, the rest as ``visible``."""
    return visible(re.sub(r"[\r\n]+", " ", text), newlines=False)


def neutral(text: str) -> str:
    """No line of ``text`` is a workflow command for the GitHub Actions runner."""
    if "::" in text:
        text = _COMMAND_LINE.sub(lambda m: f"{m.group(1)}:{ZWSP}", text)
    if _LEGACY in text:
        text = text.replace(_LEGACY, f"##{ZWSP}[")
    return text


def for_output(text: str) -> str:
    """A report, warning or error about to be printed: ``visible`` and ``neutral``."""
    return neutral(visible(text))


def for_json(text: str) -> str:
    """A JSON document about to be printed. JSON escapes C0 controls itself; DEL, C1 and the
    bidirectional overrides (left raw by ``ensure_ascii=False``) and the ``[`` of ``##[`` can
    only sit inside strings, where ``\\uXXXX`` writes the same character. No line of a JSON
    document starts with ``::``."""
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace(_LEGACY, "##\\u005b") if _LEGACY in text else text
