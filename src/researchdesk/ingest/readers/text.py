"""Reader for plain text (.txt), and the list of the text readers (Markdown first, plain text last).

Decoding is ``decoding.py``'s and line joining ``line_joining.py``'s; Markdown is read by ``markdown.py``.
A title is taken conservatively: a short first line followed by a blank line.
"""

from __future__ import annotations

import re
from pathlib import Path

from researchdesk.ingest.metadata import guess_language
from researchdesk.ingest.readers.decoding import decode_text, empty_file, encoding_warning, looks_like_text
from researchdesk.ingest.readers.line_joining import join_lines, vocabulary
from researchdesk.ingest.readers.markdown import MARKDOWN_READER, MarkdownReader
from researchdesk.ingest.titles import reads_as_title, stands_apart
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# --- plain text -----------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+•‣◦▪–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+(?=\S)")


def _split_pages(text: str) -> list[str]:
    return text.split("\f")


def _chunks(page_text: str) -> list[list[str]]:
    """Return runs of non-blank lines (blank lines separate paragraphs)."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in page_text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _text_blocks(chunk: list[str], page: int | None, vocab: set[str]) -> list[Block]:
    """Return paragraphs and list items of one blank-line-separated chunk of plain text."""
    blocks: list[Block] = []
    # One long line per paragraph (no hard wrapping): every line stands alone.
    if len(chunk) > 1 and max(len(line) for line in chunk) > 200:
        return [
            Block(
                join_lines([line], vocab),
                BlockKind.LIST_ITEM if _BULLET.match(line) else BlockKind.PARAGRAPH,
                page=page,
            )
            for line in chunk
        ]
    current: list[str] = []
    kind = BlockKind.PARAGRAPH

    def flush() -> None:
        if current:
            text = join_lines(current, vocab)
            if text:
                blocks.append(Block(text, kind, page=page))

    for line in chunk:
        marker = _BULLET.match(line)
        if marker:
            flush()
            current, kind = [line[marker.end() :]], BlockKind.LIST_ITEM
        elif kind is BlockKind.LIST_ITEM and not line[:1].isspace():
            flush()
            current, kind = [line], BlockKind.PARAGRAPH
        else:
            current.append(line)
    flush()
    return blocks


class TextReader:
    """Plain text: paragraphs split by blank lines, bullet lines as list items, form feeds as pages."""

    format = "text"
    extensions: tuple[str, ...] = (".txt", ".text")

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for anything that decodes as text (the registry tries text last)."""
        return looks_like_text(head)

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the text's blocks; a first line that reads as a title becomes the title."""
        text, encoding = decode_text(data, path)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise empty_file(path, "text")
        pages = _split_pages(text)
        paginated = len(pages) > 1
        vocab = vocabulary(text.split("\n"))
        blocks: list[Block] = []
        title = ""
        for number, page_text in enumerate(pages, start=1):
            page = number if paginated else None
            for chunk in _chunks(page_text):
                # One rule for titles (ingest/titles.py): a first line that reads as a title and stands
                # apart, by a blank line or as a question or a capitalised line before a new sentence.
                if (
                    not blocks
                    and not title
                    and reads_as_title(chunk[0])
                    and (len(chunk) == 1 or stands_apart(chunk[0], chunk[1]))
                ):
                    title = " ".join(chunk[0].split())
                    blocks.append(Block(title, BlockKind.HEADING, page=page, level=1))
                    chunk = chunk[1:]
                    if not chunk:
                        continue
                blocks.extend(_text_blocks(chunk, page, vocab))
        if not blocks:
            raise empty_file(path, "text")
        # A lone short line with nothing after it is the whole text, not a title.
        if len(blocks) == 1 and title:
            blocks[0].kind, blocks[0].level, title = BlockKind.PARAGRAPH, 0, ""
        meta = DocumentMeta(title=title, language=guess_language(text))
        return ReadResult(
            meta=meta,
            blocks=blocks,
            format=self.format,
            pages=len(pages) if paginated else 0,
            warnings=encoding_warning(encoding),
        )


TEXT_READER = TextReader()


# Markdown first: it only claims text named .md/.markdown (or opening with a heading); text takes the rest.
READERS: list[TextReader | MarkdownReader] = [MARKDOWN_READER, TEXT_READER]
