"""Rally rich text (HTML) -> Markdown, with the stdlib HTML parser.

Blocks: paragraphs and ``<div>`` lines, headings, nested ordered and unordered lists (tight or
loose), ``<pre>`` code with its language, block quotes, rules and simple tables (GFM). Inline:
bold, italic, strikethrough, code, links and images (http, https and mailto only), ``<br>``.
Text is escaped where Markdown would otherwise read it as markup.
"""

from __future__ import annotations

import html
import re

from pantheon_git.core.htmltree import BLOCK, Element, parse_html

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}
_WS = " \t\n\r\f"
_ESCAPE_RE = re.compile(r"[`*\[\]|~]|\\(?=[!-/:-@\[-`{-~]|$)|<(?=[A-Za-z/!?])|&(?=#?\w+;)")
_UNDERSCORE_RE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START_RE = re.compile(
    r"^(?:(#{1,6})(?=\s|$)|([-+=])(?=\s|$|[-=]*\s*$)|(\d{1,9})([.)])(?=\s|$)|>)"
)
_SPACE_RE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_INLINE_WRAP = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "strike": "~~"}
_INLINE_WRAP["del"] = "~~"
_PLAIN_RE = re.compile(r"[^<&\x00]*(?:<(p|div)>[^<&\x00]*</\1>[^<&\x00]*)*\Z")
"""Text, or paragraphs of text (``<p>``/``<div>`` without attributes): most Descriptions."""
_PLAIN_TAG_RE = re.compile(r"</?(?:p|div)>")
_TAG_RE = re.compile(r"<[^>]*>")


def plain_text(html_text: str) -> str:
    """The words of Rally HTML with its tags dropped (each tag becomes a space) and entities
    decoded: for finding a marker in it, not for showing it."""
    return html.unescape(_TAG_RE.sub(" ", html_text))


def html_to_markdown(html: str) -> str:
    if not html or not html.strip():
        return ""
    if _PLAIN_RE.match(html):
        # What the parser below makes of such text, without building a tree for it.
        parts = (paragraph(_inline(part)) for part in _PLAIN_TAG_RE.split(html) if part)
        return "\n\n".join(part for part in parts if part).strip("\n")
    return _blocks(parse_html(html).children).strip("\n")


def _blocks(nodes: list[Element | str]) -> str:
    return "\n\n".join(_block_list(nodes))


def _block_list(nodes: list[Element | str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for node in nodes:
        if isinstance(node, Element) and node.tag in BLOCK:
            _flush(run, out)
            block = _block(node)
            if block.strip(_WS):
                out.append(block)
        else:
            run.append(_inline(node))
    _flush(run, out)
    return out


def _flush(run: list[str], out: list[str]) -> None:
    text = paragraph("".join(run))
    run.clear()
    if text:
        out.append(text)


def paragraph(inline: str) -> str:
    """Inline Markdown lines (``\\n`` from ``<br>``) tidied and protected at their starts."""
    lines = [line.strip(_WS) for line in inline.split("\n")]
    return "\n".join(_protect_start(line) for line in lines if line)


def _protect_start(line: str) -> str:
    match = _LINE_START_RE.match(line)
    if not match:
        return line
    if match.group(3):
        return f"{match.group(3)}\\{line[len(match.group(3)) :]}"
    return f"\\{line}"


def _block(node: Element) -> str:  # noqa: PLR0911 - one branch per kind of block
    tag = node.tag
    if tag in ("ul", "ol"):
        return _list(node)
    if tag == "pre":
        return _code_block(node)
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        text = " ".join(paragraph(_inline_children(node)).split("\n"))
        text = f"{text[:-1]}\\#" if text.endswith("#") else text
        return f"{'#' * int(tag[1])} {text}".rstrip()
    if tag == "blockquote":
        inner = _blocks(node.children)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if tag == "hr":
        return "---"
    if tag == "table":
        return _table(node)
    return _blocks(node.children)


def _list(node: Element) -> str:
    ordered = node.tag == "ol"
    try:
        start = int(node.attrs.get("start", "1"))
    except ValueError:
        start = 1
    items = [c for c in node.children if isinstance(c, Element) or c.strip(_WS)]
    loose = any(
        isinstance(c, Element) and c.tag == "p"
        for item in items
        if isinstance(item, Element)
        for c in item.children
    )
    rendered: list[str] = []
    for index, item in enumerate(items):
        blocks = _block_list(item.children if isinstance(item, Element) else [item])
        body = ("\n\n" if loose else "\n").join(blocks)
        marker = f"{start + index}. " if ordered else "- "
        pad = " " * len(marker)
        lines = body.split("\n") if body else [""]
        rendered.append(
            "\n".join(
                [(marker + lines[0]).rstrip(" ")]
                + [pad + line if line else "" for line in lines[1:]]
            )
        )
    return ("\n\n" if loose else "\n").join(rendered)


def _code_block(node: Element) -> str:
    code = node.text()
    language = ""
    for child in node.children:
        if isinstance(child, Element) and child.tag == "code":
            classes = child.attrs.get("class", "").split()
            language = next((c[9:] for c in classes if c.startswith("language-")), "")
    # Each line of the block ends in a newline; an empty block has no line at all, and
    # writing one would bring it back as a single blank line.
    body = code if code.endswith("\n") or not code else code + "\n"
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{_SPACE_RE.sub('', language)}\n{body}{fence}"


def _table(node: Element) -> str:
    rows: list[list[str]] = []
    aligns: list[str] = []
    for row in _descendants(node, "tr"):
        cells = [c for c in row.children if isinstance(c, Element) and c.tag in ("td", "th")]
        if not rows:
            aligns = [_align(c) for c in cells]
        rows.append([" ".join(paragraph(_inline_children(c)).split("\n")) for c in cells])
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    aligns += [""] * (width - len(aligns))
    marks = {"left": ":---", "right": "---:", "center": ":---:"}
    lines = [_row(rows[0]), _row([marks.get(a, "---") for a in aligns])]
    return "\n".join(lines + [_row(r) for r in rows[1:]])


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _align(cell: Element) -> str:
    match = re.search(r"text-align:\s*(left|right|center)", cell.attrs.get("style", ""))
    return match.group(1) if match else cell.attrs.get("align", "").lower()


def _descendants(node: Element, tag: str) -> list[Element]:
    found: list[Element] = []
    stack: list[Element | str] = list(reversed(node.children))
    while stack:
        child = stack.pop()
        if not isinstance(child, Element):
            continue
        if child.tag == tag:
            found.append(child)
        elif child.tag != "table":
            stack.extend(reversed(child.children))
    return found


def _inline_children(node: Element) -> str:
    return "".join(_inline(child) for child in node.children)


def _inline(node: Element | str) -> str:  # noqa: PLR0911 - one branch per kind of element
    if isinstance(node, str):
        return _escape(_SPACE_RE.sub(" ", node))
    tag = node.tag
    if tag == "br":
        return "\n"
    if tag in _INLINE_WRAP:
        return _wrap(_inline_children(node), _INLINE_WRAP[tag])
    if tag == "code":
        return _code_span(node.text().replace("\n", " "))
    if tag == "a":
        text = _inline_children(node)
        href = node.attrs.get("href", "").strip()
        if not text.strip(_WS) or not safe_url(href):
            return text
        return f"[{text}]({_url(href)})"
    if tag == "img":
        src = node.attrs.get("src", "").strip()
        alt = _escape(node.attrs.get("alt", ""))
        return f"![{alt}]({_url(src)})" if src and safe_url(src) else alt
    inner = _inline_children(node)
    return f"\n{inner}\n" if tag in BLOCK else inner


def _wrap(inner: str, marker: str) -> str:
    core = inner.strip(_WS)
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip(_WS))]
    trail = inner[len(inner.rstrip(_WS)) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _code_span(code: str) -> str:
    if not code:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = code.startswith("`") or code.endswith("`")
    pad = pad or (code.startswith(" ") and code.endswith(" ") and bool(code.strip(" ")))
    space = " " if pad else ""
    return f"{ticks}{space}{code}{space}{ticks}"


def safe_url(url: str) -> bool:
    """Relative URLs and http, https, mailto; never javascript:, data:, vbscript:, file:."""
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = _SCHEME_RE.match(squeezed)
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


def _url(url: str) -> str:
    if re.search(r"[\s()<>]", url):
        return "<" + re.sub(r"[<>\n]", "", url) + ">"
    return url


def _escape(text: str) -> str:
    text = _ESCAPE_RE.sub(_backslashed, text)
    return _UNDERSCORE_RE.sub(_backslashed, text) if "_" in text else text


def _backslashed(match: re.Match[str]) -> str:
    return "\\" + match.group(0)
