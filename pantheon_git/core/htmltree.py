"""A small, forgiving HTML tree (stdlib ``html.parser``) for rich text from Rally.

Entities are decoded, ``<script>``/``<style>`` and similar content is dropped, unclosed ``<p>``,
``<li>``, ``<tr>`` and ``<td>`` are closed the way browsers do, stray end tags are ignored, and
nesting deeper than :data:`MAX_DEPTH` is flattened (hostile input must not blow the stack).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_DEPTH = 64

BLOCK = frozenset(
    {
        *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre"),
        *("blockquote", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "hr"),
        *("section", "article", "header", "footer", "main", "nav", "aside", "address"),
        *("center", "figure", "figcaption", "dl", "dt", "dd"),
    }
)
DROPPED = frozenset(
    {
        *("script", "style", "head", "title", "template", "noscript", "iframe", "object"),
        *("embed", "svg", "math", "select", "textarea", "button"),
    }
)
VOID = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "param", "source"}
    | {"track", "wbr"}
)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        """All text below, ``<br>`` as a newline (for ``<pre>`` and ``<code>``)."""
        parts: list[str] = []
        stack: list[Element | str] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            elif node.tag == "br":
                parts.append("\n")
            else:
                stack.extend(reversed(node.children))
        return "".join(parts)


def parse_html(html: str) -> Element:
    builder = _Builder()
    builder.feed(html.replace("\x00", ""))
    builder.close()
    return builder.root


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack: list[Element] = [self.root]
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            if tag not in VOID:
                self.dropping += 1
            return
        if self.dropping:
            return
        self._close_implied(tag)
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag in VOID:
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.stack[-1].children.append(data)

    def _close_implied(self, tag: str) -> None:
        if tag in BLOCK and self.stack[-1].tag == "p":
            self.stack.pop()
        scopes = {"li": ("ul", "ol"), "tr": ("table",), "td": ("tr",), "th": ("tr",)}
        scopes |= {"dt": ("dl",), "dd": ("dl",)}
        if tag not in scopes:
            return
        same = (
            {"td", "th"} if tag in ("td", "th") else {"dt", "dd"} if tag in ("dt", "dd") else {tag}
        )
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current in scopes[tag]:
                return
            if current in same:
                del self.stack[index:]
                return
