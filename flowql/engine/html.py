"""HTML and media-type helpers of the URL and web-search components: parse with BeautifulSoup,
then the page's title, visible text, a light Markdown rendering and its links."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

_TEXTUAL = ("application/xhtml+xml", "application/xml", "application/json", "application/rss+xml")
_NOT_TEXT = ("text/css", "text/javascript")
_SPACES = re.compile(r"\s+")
_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")


def parse_html(html: str) -> BeautifulSoup:
    """``html`` parsed with Python's own parser (no network, no external entities)."""
    return BeautifulSoup(html, "html.parser")


def html_title(soup: BeautifulSoup) -> str:
    """The ``<title>`` text, whitespace collapsed (``""`` without one)."""
    title = soup.title
    return " ".join(title.get_text(" ").split()) if title is not None else ""


def html_meta(soup: BeautifulSoup, name: str) -> str:
    tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": f"og:{name}"})
    content = tag.get("content") if isinstance(tag, Tag) else None
    return " ".join(content.split()) if isinstance(content, str) else ""


def html_language(soup: BeautifulSoup) -> str:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    return lang.strip() if isinstance(lang, str) else ""


def _clean_lines(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _drop_invisible(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()


def html_text(soup: BeautifulSoup) -> str:
    """The visible text of a page: scripts, styles and ``<head>`` dropped, one line per block,
    whitespace collapsed, no runs of blank lines. Mutates ``soup``."""
    _drop_invisible(soup)
    return _clean_lines(soup.get_text("\n"))


_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "table", "tr", "br"}


def _markdown(node: Tag | NavigableString, out: list[str]) -> None:
    if isinstance(node, NavigableString):
        if type(node) is NavigableString:  # not a comment, doctype or other declaration
            out.append(_SPACES.sub(" ", str(node)))
        return
    name = node.name
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        out.append(f"\n\n{'#' * int(name[1])} {' '.join(node.get_text(' ').split())}\n\n")
        return
    if name == "pre":
        out.append(f"\n\n```\n{node.get_text()}\n```\n\n")
        return
    if name == "code":
        out.append(f"`{node.get_text()}`")
        return
    if name == "a":
        label = " ".join(node.get_text(" ").split())
        href = node.get("href")
        out.append(f"[{label}]({href})" if isinstance(href, str) and label else label)
        return
    if name == "li":
        out.append("\n- ")
    elif name in ("strong", "b"):
        out.append("**")
    elif name in _BLOCKS:
        out.append("\n\n")
    for child in node.children:
        if isinstance(child, Tag | NavigableString):
            _markdown(child, out)
    if name in ("strong", "b"):
        out.append("**")
    elif name in _BLOCKS:
        out.append("\n\n")


def html_markdown(soup: BeautifulSoup) -> str:
    """The page as light Markdown (headings, paragraphs, list items, links, bold, code).
    Mutates ``soup``."""
    _drop_invisible(soup)
    out: list[str] = []
    root = soup.body or soup
    for child in root.children:
        if isinstance(child, Tag | NavigableString):
            _markdown(child, out)
    text: list[str] = []
    in_code = False
    for line in "".join(out).splitlines():
        if line.strip() == "```":
            in_code = not in_code
            line = "```"
        elif not in_code:
            line = " ".join(line.split())
        if in_code or line or (text and text[-1]):
            text.append(line)
    return "\n".join(text).strip()


def html_links(soup: BeautifulSoup, base_url: str) -> list[str]:
    """The ``http``/``https`` targets of the page's ``<a href>`` links, made absolute against
    ``base_url``, without fragments, in page order, without duplicates."""
    links: list[str] = []
    for anchor in soup.find_all("a", href=True):
        href = anchor.get("href")
        if not isinstance(href, str):
            continue
        try:
            link = urldefrag(urljoin(base_url, href.strip())).url
        except ValueError:  # a link urllib cannot read ("http://[::1/"): not followed
            continue
        if link.startswith(("http://", "https://")) and link not in links:
            links.append(link)
    return links


def is_html(content_type: str) -> bool:
    """Whether a media type is HTML (``text/html`` or XHTML)."""
    return content_type in ("text/html", "application/xhtml+xml")


def is_textual(content_type: str) -> bool:
    """Whether a media type is text the components can read (``text/*`` but CSS/JS, XML, JSON;
    an absent type counts as text)."""
    if not content_type:
        return True
    if content_type in _NOT_TEXT:
        return False
    return (
        content_type.startswith("text/")
        or content_type in _TEXTUAL
        or content_type.endswith(("+xml", "+json"))
    )
