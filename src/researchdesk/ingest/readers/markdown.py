"""Reader for Markdown (.md, .markdown): headings, lists, tables and fenced code as blocks; the title from
front matter or the first level-1 heading.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from researchdesk.ingest.metadata import guess_language, normalize_date
from researchdesk.ingest.readers.decoding import decode_text, empty_file, encoding_warning, looks_like_text
from researchdesk.ingest.readers.line_joining import join_lines, vocabulary
from researchdesk.ingest.titles import reads_as_title
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# --- Markdown -------------------------------------------------------------------------------------

_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_BULLET = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")

_INLINE = (
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image: keep the alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link: keep the text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # backslash escapes last
)


def strip_inline_markdown(text: str) -> str:
    """Return ``text`` without emphasis, code and link markup (link and image texts are kept)."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def _front_matter(lines: list[str]) -> tuple[dict[str, object], int]:
    """Return the YAML front matter (when the file starts with one) and the number of lines it takes."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            try:
                loaded = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                return {}, 0
            return (loaded, end + 1) if isinstance(loaded, dict) else ({}, 0)
    return {}, 0


def _as_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [n.strip() for n in re.split(r";|\band\b", value) if n.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()]
    return []


def _table_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [strip_inline_markdown(c.strip()) for c in re.split(r"(?<!\\)\|", inner)]


class MarkdownReader:
    """Markdown: ATX/setext headings, list items, pipe-table rows and paragraphs; inline markup stripped."""

    format = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for text named .md/.markdown, or unnamed text that opens with a Markdown heading."""
        if not looks_like_text(head):
            return False
        if suffix in self.extensions:
            return True
        if suffix:
            return False
        start = head.lstrip()[:200].decode("utf-8", errors="ignore")
        return bool(re.match(r"#{1,6} \S", start))

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the Markdown's blocks; the title comes from front matter or the first level-1 heading."""
        text, encoding = decode_text(data, path)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise empty_file(path, "Markdown")
        lines = text.split("\n")
        front, skip = _front_matter(lines)
        lines = lines[skip:]
        vocab = vocabulary(lines)
        blocks = self._blocks(lines, vocab)
        if not blocks:
            raise empty_file(path, "Markdown")
        title = ""
        front_title = front.get("title")
        if isinstance(front_title, str) and front_title.strip():
            title = " ".join(front_title.split())
        else:
            first_h1 = next((b for b in blocks if b.kind is BlockKind.HEADING and b.level == 1), None)
            if first_h1 is not None:
                title = first_h1.text
            elif blocks[0].kind is BlockKind.HEADING:
                title = blocks[0].text
            elif len(blocks) > 1 and "\n" not in blocks[0].text and reads_as_title(blocks[0].text):
                # The same rule as plain text: a first line that reads as a title, set apart.
                title = blocks[0].text
                blocks[0].kind, blocks[0].level = BlockKind.HEADING, 1
        date_value = front.get("date", "")
        meta = DocumentMeta(
            title=title,
            authors=_as_names(front.get("author", front.get("authors", []))),
            date=normalize_date(str(date_value)) if date_value else "",
            language=guess_language(" ".join(b.text for b in blocks)),
        )
        for key in ("url", "doi", "publisher"):
            value = front.get(key)
            if isinstance(value, str):
                setattr(meta, key, value.strip())
        return ReadResult(meta=meta, blocks=blocks, format=self.format, warnings=encoding_warning(encoding))

    def _blocks(self, lines: list[str], vocab: set[str]) -> list[Block]:
        blocks: list[Block] = []
        current: list[str] = []
        kind = BlockKind.PARAGRAPH
        in_fence = ""
        header: list[str] = []

        def flush() -> None:
            nonlocal current, kind
            if current:
                joined = strip_inline_markdown(join_lines(current, vocab)).strip()
                if joined:
                    blocks.append(Block(joined, kind))
            current, kind = [], BlockKind.PARAGRAPH

        for i, raw in enumerate(lines):
            line = raw.rstrip()
            if in_fence:
                if line.strip().startswith(in_fence):
                    in_fence = ""
                    flush()
                else:
                    current.append(line)
                continue
            fence = _FENCE.match(line)
            if fence:
                flush()
                in_fence = fence.group(1)
                continue
            if not line.strip() or _REF_DEF.match(line):
                flush()
                header = []
                continue
            atx = _ATX.match(line)
            if atx:
                flush()
                heading = strip_inline_markdown(atx.group(2) or "").strip()
                if heading:
                    blocks.append(Block(heading, BlockKind.HEADING, level=len(atx.group(1))))
                continue
            setext = _SETEXT.match(line)
            if setext and current and kind is BlockKind.PARAGRAPH:
                heading = strip_inline_markdown(join_lines(current, vocab)).strip()
                current = []
                if heading:
                    blocks.append(Block(heading, BlockKind.HEADING, level=1 if "=" in setext.group(1) else 2))
                continue
            if _RULE.match(line):
                flush()
                continue
            if "|" in line and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]) and not current:
                header = _table_cells(line)
                blocks.append(Block(" | ".join(c for c in header if c), BlockKind.TABLE_ROW))
                continue
            if header or (line.lstrip().startswith("|") and line.rstrip().endswith("|")):
                if _TABLE_SEP.match(line):
                    continue
                flush()
                cells = _table_cells(line)
                filled = [(n, c) for n, c in enumerate(cells) if c]
                label = ""
                if len(filled) == 1 and header and filled[0][0] < len(header):
                    label = header[filled[0][0]]
                text = " | ".join(c for _, c in filled)
                if text:
                    blocks.append(Block(text, BlockKind.TABLE_ROW, label=label))
                continue
            quote_free = re.sub(r"^\s{0,3}(?:>\s?)+", "", line)
            bullet = _MD_BULLET.match(quote_free)
            if bullet:
                flush()
                current, kind = [quote_free[bullet.end() :]], BlockKind.LIST_ITEM
                continue
            current.append(quote_free)
        flush()
        return blocks


MARKDOWN_READER = MarkdownReader()
