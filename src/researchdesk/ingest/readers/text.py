"""Readers for plain text (.txt) and Markdown (.md, .markdown), and the line-joining helpers readers share.

Decoding is robust (BOM, UTF-8, charset detection, Latin-1 as the last resort) and reported when the file is
not UTF-8. Titles are taken conservatively: Markdown front matter or first level-1 heading; for plain text a
short first line followed by a blank line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from researchdesk.errors import CorruptFile, EmptyFile
from researchdesk.ingest.metadata import guess_language, normalize_date
from researchdesk.ingest.titles import reads_as_title, stands_apart
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# --- decoding -------------------------------------------------------------------------------------

# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control characters that never appear in text (tab, newlines and form feed do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _bom(data: bytes) -> tuple[str, int]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return "", 0


def _utf16_without_bom(data: bytes) -> str:
    """Return "utf-16-le"/"utf-16-be" when NUL bytes sit in every other byte (ASCII-range UTF-16), else ""."""
    sample = data[:4096]
    if len(sample) < 4:
        return ""
    even, odd = sample[0::2], sample[1::2]
    pairs = min(len(even), len(odd))
    if odd.count(0) >= 0.4 * pairs and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.4 * pairs and odd.count(0) == 0:
        return "utf-16-be"
    return ""


# Encodings of Western European text; preferred when the detector finds them as plausible as its first
# guess, because short Latin-1 texts decode identically under many code pages and the detector then
# picks an arbitrary one (cp1250 for "café").
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_1", "iso8859_15"})


def _detect_single_encoding(data: bytes) -> str:
    """Return the encoding charset-normalizer finds most plausible (Western code pages preferred), or ""."""
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
    except Exception:  # the detector is a convenience; Latin-1 always works as a last resort
        return ""
    if not matches:
        return ""
    best = matches[0]
    for match in matches:
        if match.chaos <= best.chaos + 0.1 and _WESTERN & set(match.could_be_from_charset):
            return "cp1252"
    return str(best.encoding or "")


def decode_text(data: bytes, path: Path | str = "", declared: str = "") -> tuple[str, str]:
    """Return ``(text, encoding)`` for the bytes of a text file; raise ``CorruptFile`` for binary data.

    Order: a BOM (UTF-8/16/32), UTF-16 without BOM, the charset the file declares (HTML), strict
    UTF-8, charset-normalizer, Latin-1.
    """
    encoding, skip = _bom(data)
    if not encoding:
        encoding = _utf16_without_bom(data)
    if encoding:
        try:
            return data[skip:].decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise CorruptFile(
                path,
                f"the file says it is {encoding} text but cannot be decoded as such ({exc.reason})",
                "Re-save it as UTF-8 text and ingest it again.",
            ) from exc
    if b"\x00" in data:
        raise CorruptFile(
            path,
            "the file holds binary data (NUL bytes), not text",
            "Check that it is the file you meant; convert it to PDF, DOCX or UTF-8 text and ingest it again.",
        )
    for candidate in filter(None, (declared, "utf-8")):
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    detected = _detect_single_encoding(data)
    if detected:
        try:
            return data.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"


def looks_like_text(head: bytes) -> bool:
    """Return True when ``head`` decodes as text without control characters (a BOM-less cut is allowed)."""
    encoding, skip = _bom(head)
    if not encoding:
        encoding = _utf16_without_bom(head)
    if encoding:
        sample = head[skip:]
        # The head may be cut in the middle of a code unit.
        unit = 4 if "32" in encoding else 2
        sample = sample[: len(sample) - len(sample) % unit]
        text = sample.decode(encoding, errors="replace")
    else:
        if b"\x00" in head:
            return False
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the 8 KiB head is still text.
            text = head[:exc.start].decode("utf-8") if exc.start >= len(head) - 3 else head.decode("latin-1")
    if not text:
        return True
    return len(_CONTROL.findall(text)) <= max(1, len(text) // 200)


# --- joining lines into prose ---------------------------------------------------------------------

# Characters that end a line when a word was broken across lines.
_HYPHENS = "-\u2010\u00ad\x02"
# Left parts that usually form real compounds ("cross-sector", "well-being"): keep the hyphen.
_COMPOUND_PREFIXES = frozenset(
    {
        "cross", "self", "well", "non", "multi", "all", "half", "low", "high", "long", "short", "full",
        "part", "state", "evidence", "community", "place", "data", "time", "decision", "policy",
        "health", "school", "family", "county", "city",
    }
)
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")


def vocabulary(lines: Iterable[str]) -> set[str]:
    """Return the lower-cased words (hyphenated compounds included) that occur inside lines."""
    words: set[str] = set()
    for line in lines:
        found = _WORD.findall(line)
        # The last word of a line ending in a hyphen is a fragment, not a word.
        if found and line.rstrip().endswith(tuple(_HYPHENS)):
            found = found[:-1]
        words.update(w.lower().replace("\u2010", "-") for w in found)
    return words


def _join_pair(left_text: str, right_text: str, vocab: set[str]) -> str:
    """Return the joint of two lines: "" (word broken by a hyphen), "-" (real hyphen) or " "."""
    if not left_text or left_text[-1] not in _HYPHENS or len(left_text) < 2 or not left_text[-2].isalpha():
        return " "
    if not right_text or not right_text[0].islower():
        return "-" if left_text[-1] in "-\u2010" else " "
    marker = left_text[-1]
    if marker in "\u00ad\x02":  # soft hyphens are breaks by definition
        return ""
    left_word = re.findall(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*[-\u2010]$", left_text)
    left = left_word[0][:-1].replace("\u2010", "-") if left_word else ""
    right = re.match(r"[^\W\d_]+", right_text)
    right_word = right.group(0) if right else ""
    joined, compound = (left + right_word).lower(), f"{left}-{right_word}".lower()
    if joined in vocab and compound not in vocab:
        return ""
    if compound in vocab or "-" in left or left.lower() in _COMPOUND_PREFIXES:
        return "-"
    return ""


def join_lines(lines: list[str], vocab: set[str] | None = None) -> str:
    """Return the lines of one paragraph as one line: single spaces, line-end hyphenation undone.

    ``vocab`` (words seen elsewhere in the document) decides doubtful cases: "cross-\\nsector" keeps its
    hyphen when "cross-sector" occurs in the document, "collab-\\noration" joins when "collaboration" does.
    """
    words = vocab if vocab is not None else set()
    out = ""
    for raw in lines:
        line = " ".join(raw.replace("\x02", "\u00ad").split()) if "\x02" in raw else " ".join(raw.split())
        if not line:
            continue
        if not out:
            out = line
            continue
        joint = _join_pair(out, line, words)
        out = (out[:-1] + joint + line) if joint != " " else f"{out} {line}"
    return out.replace("\u00ad", "").replace("\u2010", "-")


# --- plain text -----------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+•‣◦▪–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+(?=\S)")


def _encoding_warning(encoding: str) -> list[str]:
    return [] if encoding == "utf-8" else [f"decoded as {encoding} (the file is not UTF-8)"]


def _empty(path: Path, what: str) -> EmptyFile:
    return EmptyFile(path, f"the {what} file holds no text", "Check that it is the file you meant.")


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
            raise _empty(path, "text")
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
            raise _empty(path, "text")
        # A lone short line with nothing after it is the whole text, not a title.
        if len(blocks) == 1 and title:
            blocks[0].kind, blocks[0].level, title = BlockKind.PARAGRAPH, 0, ""
        meta = DocumentMeta(title=title, language=guess_language(text))
        return ReadResult(
            meta=meta,
            blocks=blocks,
            format=self.format,
            pages=len(pages) if paginated else 0,
            warnings=_encoding_warning(encoding),
        )


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
            raise _empty(path, "Markdown")
        lines = text.split("\n")
        front, skip = _front_matter(lines)
        lines = lines[skip:]
        vocab = vocabulary(lines)
        blocks = self._blocks(lines, vocab)
        if not blocks:
            raise _empty(path, "Markdown")
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
        return ReadResult(meta=meta, blocks=blocks, format=self.format, warnings=_encoding_warning(encoding))

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


TEXT_READER = TextReader()
MARKDOWN_READER = MarkdownReader()
# Markdown first: it only claims text named .md/.markdown (or opening with a heading); text takes the rest.
READERS: list[TextReader | MarkdownReader] = [MARKDOWN_READER, TEXT_READER]
