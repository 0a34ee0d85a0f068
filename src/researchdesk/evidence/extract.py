"""Candidate quotes from a retrieved passage: quote-sized spans of whole sentences, scored for a facet.

A candidate is one sentence or two or three adjacent ones, cut only at sentence boundaries the
segmenter found, so ``quote == text[start:end]`` always holds. Reference-list lines, URLs, figure and
table boilerplate and very short fragments are not quoted on their own. Table rows ("cell | cell")
give one candidate per content cell, with the table's own label deciding the role when it names one
and the row's first cell as a short theme label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from researchdesk.evidence.classify import classify, role_from_label
from researchdesk.evidence.codebooks import Codebook, load_codebook, suggest_codes
from researchdesk.evidence.cues import PRESCRIBES
from researchdesk.evidence.findings import QUOTABLE, Part, limitations_from, passage_part
from researchdesk.evidence.not_findings import not_a_finding
from researchdesk.evidence.verify import join_pieces
from researchdesk.models import BlockKind, Classification, Evidence, Passage, Role

MIN_CHARS = 40  # a standalone quote shorter than this is a fragment
MIN_WORDS = 6
MAX_CHARS = 900  # longer spans are not quote-sized
CELL_MIN_WORDS = 6  # a cell is quoted only as a phrase or sentence, never as a bare label
CELL_SEPARATOR = " | "

# The roles each facet of a research plan is after.
FACET_ROLES: dict[str, tuple[Role, ...]] = {
    "barriers": (Role.BARRIER,),
    "barrier": (Role.BARRIER,),
    "challenges": (Role.BARRIER,),
    "facilitators": (Role.FACILITATOR,),
    "facilitator": (Role.FACILITATOR,),
    "examples": (Role.EXAMPLE,),
    "example": (Role.EXAMPLE,),
    "case studies": (Role.EXAMPLE,),
    "examples/case studies": (Role.EXAMPLE,),
    "definitions": (Role.DEFINITION,),
    "definition": (Role.DEFINITION,),
    "data": (Role.STATISTIC,),
    "statistics": (Role.STATISTIC,),
    "data/statistics": (Role.STATISTIC,),
    "research gaps": (Role.RESEARCH_GAP,),
    "recommendations": (Role.RECOMMENDATION,),
    "context": (Role.CONTEXT,),
}

_URL = re.compile(r"https?://|www\.\w|\bdoi:\s?10\.|\b10\.\d{4,9}/\S+", re.IGNORECASE)
_REFERENCE = re.compile(
    r"^\s*(?:\d{1,3}\.\s+)?[A-Z][A-Za-z'’-]+ [A-Z]{1,3}(?:,| et al)|\bet al\.|"
    r"\bAccessed\b|\bRetrieved from\b|"
    r"\b\d{4};\s?\d+\(\d+\):|\bPMID\b|\bPublished \w+ \d{1,2}, \d{4}",
)
# A sentence is a title when at least this share of its words of 4+ letters (and 4 or more) are
# capitalised and it has no lower-case word of 5+ letters but these (a verb or noun makes it prose).
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’-]*")
TITLE_MIN_LETTERS = 4
TITLE_MIN_WORDS = 4
TITLE_SHARE = 0.8
_TITLE_LOWER = re.compile(
    r"about|above|after|among|before|below|between|during|under|until|within|without|across|against|"
    r"along|around|through|towards?|versus|where|while|which|their|there|these|those|other"
)
_BOILERPLATE = re.compile(
    r"^\s*(?:Figure|Fig\.|Table|Appendix|Exhibit|Chart)\s*[A-Z]?\d*[.:]?\s*$|"
    r"text (?:version|description) of this (?:figure|table)|^\s*(?:Top|Return to your place in the text)\s*$|"
    r"^\s*(?:Abbreviations?|Source|Note|Notes)\s*:|\bSuggested citation for this article\b|"
    r"\bThe opinions expressed by authors\b|^\s*(?:Download|Print|Share)\b",
    re.IGNORECASE,
)
# A sentence starting like this leans on the one before it, so quoting it alone loses its sense.
_CONTINUATION = re.compile(
    r"^\s*(?:This|These|That|Those|It|They|Such|However|Moreover|Furthermore|In addition|Also|Thus|Therefore|"
    r"For example|For instance|As a result|Similarly|In contrast|Instead|Still)\b"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_STEM = re.compile(r"(?:ing|ed|es|s)$")


@dataclass
class _Window:
    start: int
    end: int
    pieces: list[tuple[int, int]]
    score: float
    classification: Classification
    matched: list[str]


@lru_cache(maxsize=16384)
def _classified(text: str, context: str, table_label: str) -> Classification:
    """Return ``classify`` of a text in its context, once: a scan cuts the same passages for every facet."""
    return classify(text, context=context, table_label=table_label)


def is_noise(sentence: str) -> bool:
    """Return True for text not worth quoting alone: references, URLs, figure/table boilerplate."""
    return bool(_URL.search(sentence) or _REFERENCE.search(sentence) or _BOILERPLATE.search(sentence))


def is_title(sentence: str) -> bool:
    """Return True for a line of mostly capitalised words: a title, heading, affiliation or reference.

    "Rural Health Disparities: Contemporary Solutions for Persistent Rural Public Health Challenges."
    names a topic; it reports no finding, so it is not quoted as evidence. Table cells are exempt
    (their themes are often written in title case).
    """
    words = [w for w in _TITLE_WORD.findall(sentence) if len(w) >= TITLE_MIN_LETTERS]
    if len(words) < TITLE_MIN_WORDS or sum(w[0].isupper() for w in words) / len(words) < TITLE_SHARE:
        return False
    return not any(w[0].islower() and len(w) >= 5 and not _TITLE_LOWER.fullmatch(w.lower()) for w in words)


# Words that make a clause: auxiliaries and the verbs findings are stated with ("lack", "helps", "remains").
_VERBS = frozenset(
    re.findall(
        r"\S+",
        """is are was were be been being am has have had do does did can could may might will would should must
        shall lack lacks help helps need needs require requires remain remains include includes show shows suggest
        suggests indicate indicates provide provides face faces affect affects make makes take takes reduce reduces
        increase increases improve improves limit limits allow allows enable enables support supports exist exists
        appear appears seem seems become becomes lead leads hinder hinders prevent prevents mean means report
        reports find finds offer offers depend depends vary varies pose poses create creates serve serves found hit
        made took gave saw led felt kept met left got went came became grew fell rose held paid spent built brought
        thought sought taught told said knew began won lost cut put set we they it he she this these those""",
    )
)
_PREPOSITIONS = frozenset(("of", "for", "in", "on", "to", "with", "among", "across"))


def is_verbless(sentence: str) -> bool:
    """Return True for a sentence with no verb: a caption, heading or label set as prose ("Multifaceted approach
    for ethical and equitable implementation of AI in public health."). It states nothing, so it is not quoted.
    Only a sentence of six words or more with a preposition and none of the common verbs, auxiliaries or
    pronouns counts: a short plain clause ("Residents trust health workers") may well have a verb unlisted."""
    words = [w.lower() for w in _WORD.findall(sentence)]
    if len(words) < 6 or not _PREPOSITIONS & set(words):
        return False  # "Residents trust health workers": too short or too plain to tell a missing verb
    return not any(w in _VERBS or (i > 0 and len(w) > 4 and w.endswith("ed")) for i, w in enumerate(words))


def is_fragment(sentence: str) -> bool:
    """Return True for a sentence too short to stand as a quote on its own."""
    return len(sentence.strip()) < MIN_CHARS or len(_WORD.findall(sentence)) < MIN_WORDS


def _norm(word: str) -> str:
    word = word.lower().strip("'’-")
    return _STEM.sub("", word) if len(word) > 4 else word


def _term_set(terms: Sequence[str]) -> dict[str, str]:
    """Return normalised word → the query term it came from (multi-word terms give each word)."""
    out: dict[str, str] = {}
    for term in terms:
        for word in _WORD.findall(term or ""):
            if len(word) > 2:
                out.setdefault(_norm(word), term)
    return out


_default_books: list[Codebook] | None = None


def _default_codebooks() -> list[Codebook]:
    global _default_books
    if _default_books is None:
        _default_books = [load_codebook("collaboration-factors"), load_codebook("cfir-2009")]
    return _default_books


def _relevance(quote: str, terms: dict[str, str]) -> tuple[float, list[str]]:
    if not terms:
        return 0.0, []
    words = {_norm(w) for w in _WORD.findall(quote)}
    matched = sorted({terms[w] for w in words if w in terms})
    distinct_terms = len(set(terms.values()))
    return len(matched) / max(1, distinct_terms), matched


def _facet_bonus(role: Role, facet: str) -> float:
    wanted = FACET_ROLES.get(facet.strip().lower())
    if not wanted:
        return 0.0
    return 1.0 if role in wanted else -0.5


def candidates(
    passage: Passage,
    sentences: list[tuple[int, int]],
    text: str,
    facet: str = "",
    query_terms: list[str] | None = None,
    max_sentences: int = 3,
    codebooks: Sequence[Codebook] | None = None,
    table_caption: str = "",
) -> list[Evidence]:
    """Return quote candidates from ``passage``, best first, as unsaved Evidence with located offsets.

    ``sentences`` are the (start, end) document offsets of the passage's sentences and ``text`` the
    whole document text. Spans never overlap; each is one sentence or up to ``max_sentences`` adjacent
    ones. With a facet or query terms, only spans that match a term or the facet's role are returned.

    Only findings are quoted (``findings.py``): nothing from a document's furniture, methods, aims or
    limitations, no question and no sentence about the paper itself; background sections give
    definitions only. A sentence that prescribes what to do is a recommendation. The document's own coding comes first: a table row under a
    "Barriers" label (or in a table captioned ``table_caption`` "Barriers to …") and text under a
    "Challenges" or "Facilitators" heading take that role, whatever their words, unless the sentence
    plainly says the opposite.
    """
    books = list(codebooks) if codebooks is not None else _default_codebooks()
    terms = _term_set(query_terms or [])
    context = text[passage.start : passage.end]
    part = passage_part(passage.section, passage.kind, context)
    if part not in QUOTABLE and part is not Part.BACKGROUND:
        return []  # furniture, methods, aims and limitations report no findings
    if passage.kind == BlockKind.CAPTION:
        return []  # a figure's or table's caption names what it shows; it reports nothing
    if passage.kind == BlockKind.TABLE_ROW:
        return _table_candidates(passage, text, facet, terms, books, table_caption)
    heading = own_role(passage, table_caption)

    spans = sorted(
        (max(s, passage.start), min(e, passage.end))
        for s, e in sentences
        if e > s and s < passage.end and e > passage.start
    )
    # Trim whitespace so offsets hold exactly the words.
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    noise = [is_noise(text[s:e]) or is_title(text[s:e]) or bool(not_a_finding(text[s:e])) for s, e in trimmed]
    # A paragraph that turns to the study's limitations part-way lists them from there on, to its end (a
    # passage may be the rest of a long paragraph, or hold a short next one).
    since = max(passage.start - 3000, 0)
    opening = text[text.rfind("\n", since, passage.start) + 1 or since : passage.start]
    limits = limitations_from([opening, *(text[s:e] for s, e in trimmed)])
    if limits is not None:
        # The announcing sentence's index among the passage's (limits counts the opening before the passage as 0).
        first = max(limits - 1, 0)
        for i in range(first, len(trimmed)):
            if i > first and "\n" in text[trimmed[i - 1][1] : trimmed[i][0]]:
                break
            noise[i] = True
    # A sentence without a verb just before boilerplate ("Figure.") is that figure's title, set as prose.
    for i in range(len(trimmed) - 1):
        if noise[i + 1] and is_verbless(text[trimmed[i][0] : trimmed[i][1]]):
            noise[i] = True
    # A window may not open on a sentence that points back to one it leaves out.
    opens = [not _POINTS_BACK.match(text[s:e]) and not _REFERS_BACK.search(text[s:e]) for s, e in trimmed]
    windows: list[_Window] = []
    for i in range(len(trimmed)):
        if noise[i] or not opens[i]:
            continue
        for size in range(1, max(1, max_sentences) + 1):
            j = i + size - 1
            if j >= len(trimmed) or noise[j]:
                break
            window = _make_window(trimmed[i : j + 1], text, context, facet, terms)
            if window is not None:
                windows.append(window)
        # A boilerplate line between two sentences ("Figure 2.") is skipped with an ellipsis.
        if i + 2 < len(trimmed) and noise[i + 1] and not noise[i + 2] and max_sentences >= 2:
            pieces = [trimmed[i], trimmed[i + 2]]
            window = _make_window(pieces, text, context, facet, terms, skip=True)
            if window is not None:
                windows.append(window)
    for w in windows:
        # What a sentence prescribes is read before the heading: "… will require new data-sharing rules"
        # under a "Challenges" heading says what to do about a challenge (Facilitators), not a challenge.
        if heading in (None, Role.BARRIER):
            w.classification = _prescribed(
                w.classification, text[w.pieces[0][0] if w.pieces else w.start : w.end]
            )
        if heading is not None:
            w.classification = _headed(w.classification, heading, passage.section)
            w.score += 0.5
    if part is Part.BACKGROUND:
        windows = [w for w in windows if w.classification.role is Role.DEFINITION]
    chosen = _select(
        windows, require_match=bool(terms or FACET_ROLES.get(facet.strip().lower())), facet=facet
    )
    return [_to_evidence(w, passage, text, context, facet, books) for w in chosen]


# A sentence opening by pointing back ("This approach …", "These challenges …") is quoted with the one before.
# So is one whose means is what it leaves out ("By implementing these recommendations, …"), and one that explains
# a result it leaves out ("Previous literature indicates that these differences may be due to …").
_POINTS_BACK = re.compile(
    r"^\s*(?:This|These|That|Those|It|They|Such)\b|^\s*(?:of|among|in|for) (?:these|them|those|this group)\b|"
    r"^[^.;]{0,60}?\b(?:these|those) (?:differences|disparities|findings|results|patterns|trends|associations|gaps|"
    r"effects|declines|increases)\b|"
    r"^\s*(?:by|through|in) (?:implementing|following|adopting|applying|using|addressing|taking) (?:these|those|"
    r"the above|such|our|the) (?:\w+ )?(?:recommendations|strategies|steps|approaches|measures|principles|"
    r"practices|actions|challenges|considerations)\b",
    re.I,
)
# So is one that speaks of what it does not name: "… aims to provide such pertinent information", "… technical
# assistance with this requirement".
_REFERS_BACK = re.compile(
    r"\bsuch (?!as\b)(?:[\w-]+ )?(?:information|requirements?|efforts|activities|changes|data)\b|"
    r"\b(?:this|these) (?:requirements?|mandates?|provisions?)\b",
    re.I,
)

# A sentence under a role heading keeps its own reading when it plainly says the opposite.
OPPOSITE_CONFIDENCE = 0.8
_OPPOSITE = {Role.BARRIER: Role.FACILITATOR, Role.FACILITATOR: Role.BARRIER}


def own_role(passage: Passage, table_caption: str = "") -> Role | None:
    """Return the role the document's own coding gives a passage, or None.

    A table row takes its label's role ("Barriers", "Challenges", "Facilitator"), else its caption's
    when the caption names one role ("Table 2. Barriers to …"); other text takes the role its nearest
    heading names ("Lessons learned: challenges", "Facilitators"). A label naming both names none.
    """
    if passage.kind == BlockKind.TABLE_ROW:
        return role_from_label(passage.label) or (role_from_label(table_caption) if table_caption else None)
    headings = [h for h in passage.section.split(" › ") if h.strip()]
    if not headings:
        return None
    # "Lessons learned: challenges" names its role after the colon.
    head, _, tail = headings[-1].rpartition(":")
    return (role_from_label(tail) if head else None) or role_from_label(headings[-1])


def _prescribed(c: Classification, text: str) -> Classification:
    """Return a recommendation for text that prescribes what to do ("… are warranted"), unless its reading
    is a confident other direction; Facilitators is where the service files what to do."""
    if (
        c.role in (Role.BARRIER, Role.CONTEXT, Role.STATISTIC)
        and c.confidence < OPPOSITE_CONFIDENCE
        and PRESCRIBES.search(text)
    ):
        return Classification(
            Role.RECOMMENDATION, max(c.confidence, 0.6), f"prescribes an action; {c.reason}"
        )
    return c


def _headed(c: Classification, role: Role, section: str) -> Classification:
    """Return the classification a role heading gives a quote (its own reading when plainly opposite, or
    when it prescribes what to do about what the heading names)."""
    if c.role is _OPPOSITE.get(role) and c.confidence >= OPPOSITE_CONFIDENCE:
        return c
    if c.role is Role.RECOMMENDATION and role is Role.BARRIER:
        return Classification(
            c.role, c.confidence, f"prescribes what to do under “{section.split(' › ')[-1]}”; {c.reason}"
        )
    heading = section.split(" › ")[-1]
    return Classification(
        role, max(0.9, c.confidence), f"under the document's heading “{heading}”; {c.reason}"
    )


def _make_window(
    pieces: list[tuple[int, int]],
    text: str,
    context: str,
    facet: str,
    terms: dict[str, str],
    skip: bool = False,
) -> _Window | None:
    start, end = pieces[0][0], pieces[-1][1]
    quote = join_pieces(text, pieces) if skip else text[start:end]
    if len(quote) > MAX_CHARS or is_fragment(quote):
        return None
    first = text[pieces[0][0] : pieces[0][1]]
    classification = _classified(quote, context, "")
    relevance, matched = _relevance(quote, terms)
    score = 2.0 * relevance + _facet_bonus(classification.role, facet) + 0.3 * classification.confidence
    if _CONTINUATION.match(first):
        score -= 0.3  # it leans on the sentence before it
    if len(pieces) > 1:
        # A longer span must earn its length: each extra sentence costs a little.
        score -= 0.15 * (len(pieces) - 1)
        if any(is_fragment(text[s:e]) for s, e in pieces[1:]) or _CONTINUATION.match(
            text[pieces[1][0] : pieces[1][1]]
        ):
            score += 0.2  # the next sentence completes this one
    if skip:
        score -= 0.2
    return _Window(start, end, list(pieces) if skip else [], score, classification, matched)


def _select(windows: list[_Window], require_match: bool, facet: str) -> list[_Window]:
    wanted = FACET_ROLES.get(facet.strip().lower(), ())
    ordered = sorted(windows, key=lambda w: (-w.score, w.start))
    taken: list[tuple[int, int]] = []
    chosen: list[_Window] = []
    for w in ordered:
        if require_match and not w.matched and w.classification.role not in wanted:
            continue
        if any(w.start < e and s < w.end for s, e in taken):
            continue
        taken.append((w.start, w.end))
        chosen.append(w)
    return chosen


def _to_evidence(
    w: _Window, passage: Passage, text: str, context: str, facet: str, books: Sequence[Codebook]
) -> Evidence:
    quote = join_pieces(text, w.pieces) if w.pieces else text[w.start : w.end]
    reason = w.classification.reason
    if w.matched:
        reason += f"; matches: {', '.join(w.matched)}"
    return Evidence(
        document_id=passage.document_id,
        passage_id=passage.id,
        start=w.start,
        end=w.end,
        quote=quote,
        role=w.classification.role,
        confidence=w.classification.confidence,
        reason=reason,
        context=context,
        codes=suggest_codes(quote, books),
        facet=facet,
        pieces=list(w.pieces),
    )


# --- Table rows ----------------------------------------------------------------------------------


def cell_spans(row: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of a "cell | cell | ..." row's cells, whitespace trimmed,
    shifted by ``offset`` (the row's start in the document)."""
    spans = []
    pos = 0
    for part in row.split(CELL_SEPARATOR):
        start, end = pos, pos + len(part)
        while start < end and row[start].isspace():
            start += 1
        while end > start and row[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((offset + start, offset + end))
        pos += len(part) + len(CELL_SEPARATOR)
    return spans


def _is_content_cell(cell: str) -> bool:
    """Return True for a cell worth quoting: a phrase or sentence, even under the authors' own role label
    (a bare category such as "Spinal cord injury" or "Hassle of screening" says nothing quoted alone)."""
    words = _WORD.findall(_PARENTHESES.sub("", cell))  # "(eg, swimming, walking)" lists, it does not state
    if len(words) < CELL_MIN_WORDS or is_noise(cell) or not_a_finding(cell) or _is_label_cell(cell, words):
        return False
    # A short cell states something only with a verb ("Smaller vendors have less capacity", "Building
    # partnerships …"); without one it is a category ("Group exercise classes or programs, in general").
    return len(words) >= STATEMENT_WORDS or bool(_VERBISH.search(cell))


def _is_label_cell(cell: str, words: list[str]) -> bool:
    """Return True for a cell that names things rather than states them: a path of labels ("Self-rated
    oral health → Symptoms"), or names written in title case ("Done with Menthol Campaign, “Quit Smoking
    Menthols for the Fam”")."""
    if _ARROW.search(cell):
        return True
    long_words = [w for w in words[1:] if len(w) >= TITLE_MIN_LETTERS]
    return len(long_words) >= TITLE_MIN_WORDS and sum(
        w[0].isupper() for w in long_words
    ) >= LABEL_SHARE * len(long_words)


_ARROW = re.compile(r"→|⇒|->|=>")
LABEL_SHARE = 0.6  # of a cell's words of 4+ letters (after the first) capitalised: a name, not a statement
_PARENTHESES = re.compile(r"\([^()]*\)")
STATEMENT_WORDS = 10
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|should|would|will|may|might|must|"
    r"needs?|lacks?|makes?|made|takes?|took|gives?|gave|helps?|leads?|led|\w{3,}ed)\b|"
    r"^\s*\w{3,}ing\b",  # an item that opens with a verb's -ing form names an action ("Building partnerships …")
    re.I,
)
# A table that describes who took part ("Table 1. Demographic Characteristics, Participants in …").
_SAMPLE_TABLE = re.compile(
    r"\b(?:socio-?demographic|demographic)s?\b|\b(?:participant|respondent|patient|sample|baseline|study population)s?['’]? "
    r"characteristics\b|\bcharacteristics of (?:the )?(?:\w+ ){0,2}(?:participants|respondents|patients|sample|"
    r"study population|students|children|adults|households|enrollees|cohort)\b",
    re.I,
)
# A review's table of the studies it included ("Author, year, country | Carnie et al, 2013, US (35) | Mixed: …"):
# each row describes a study, not a finding.
_STUDY_ROW = re.compile(
    r"^\s*(?:first )?(?:authors?|study|studies|references?|citations?|trials?)\b(?:\s*\(?(?:,|and|&)?\s*(?:year|"
    r"date|country|location|setting)\b)*|^\s*[A-Z][\w'’-]+(?:\s(?:and|&)\s[A-Z][\w'’-]+)?\s+et al\.?,?\s*\(?(?:19|20)\d\d",
    re.I,
)
# A questionnaire's rating scale ("Policy-related self-efficacy (1 = not at all true; 4 = exactly true)"): its rows
# are the items asked, not what was found.
_SCALE_ITEM = re.compile(r"\(\s*\d\s*=\s*[a-z][^)]{0,40}?[;,]\s*\d\s*=\s*[a-z]", re.I)


# A cell of figures only: "297", "50.9 (46.2–55.5)", "12%", "NA", "—".
_FIGURE_CELL = re.compile(r"^[\s\d.,%()\[\]–—\-−±<>=:;/*]*(?:NA|N/A|NR)?[\s\d.,%()\[\]–—\-−±<>=:;/*]*$")


def _table_candidates(
    passage: Passage,
    text: str,
    facet: str,
    terms: dict[str, str],
    books: Sequence[Codebook],
    caption: str = "",
) -> list[Evidence]:
    if _SAMPLE_TABLE.search(caption):
        return []  # "Table 1. Demographic Characteristics of Participants": who took part, not what was found
    row = text[passage.start : passage.end]
    cells = cell_spans(row, passage.start)
    if not cells:
        return []
    cell_texts = [text[s:e] for s, e in cells]
    if (
        _STUDY_ROW.match(passage.label)
        or _STUDY_ROW.match(cell_texts[0])
        or _SCALE_ITEM.search(passage.label)
    ):
        return []  # a study the review included, or a questionnaire's item: described or asked, not found
    if "?" in passage.label and all(_FIGURE_CELL.match(c) for c in cell_texts[1:]):
        # An answer option of a survey question with its counts ("Talk about the types of physical activity
        # should be doing | 297 | 50.9"): a fragment of the question, not a statement.
        return []
    # A short first cell followed by longer text is the row's theme ("Stakeholder engagement | ...").
    theme = ""
    body = list(range(len(cells)))
    if len(cells) >= 2:
        first = cell_texts[0]
        longest_rest = max(len(c) for c in cell_texts[1:])
        if len(first) <= 90 and len(_WORD.findall(first)) <= 12 and longest_rest > len(first):
            theme = first.strip().rstrip(":")
            body = body[1:]
    label_role = own_role(passage, caption)
    table_label = (
        passage.label if role_from_label(passage.label) else (caption if label_role else passage.label)
    )
    wanted = FACET_ROLES.get(facet.strip().lower(), ())
    out: list[Evidence] = []
    for index in body:
        cell = cell_texts[index]
        if not _is_content_cell(cell):
            continue
        start, end = cells[index]
        classification = _classified(cell, theme, table_label)
        if label_role is None and theme and classification.role not in (Role.BARRIER, Role.FACILITATOR):
            # The theme cell often names the role: as a factor phrase ("Trusted community messengers",
            # "Lack of staff nutrition knowledge") or read together with the cell.
            for probe, how in ((theme, "row theme"), (f"{theme}. {cell}", "with row theme")):
                themed = _classified(probe, "", "")
                if themed.role in (Role.BARRIER, Role.FACILITATOR):
                    classification = Classification(themed.role, themed.confidence, f"{how}: {themed.reason}")
                    break
        _, matched = _relevance(f"{theme} {cell}", terms)
        if (terms or wanted) and not matched and classification.role not in wanted:
            continue
        reason = classification.reason + (f"; matches: {', '.join(matched)}" if matched else "")
        out.append(
            Evidence(
                document_id=passage.document_id,
                passage_id=passage.id,
                start=start,
                end=end,
                quote=text[start:end],
                role=classification.role,
                confidence=classification.confidence,
                reason=reason,
                context=row,
                codes=suggest_codes(f"{theme}. {cell}" if theme else cell, books),
                facet=facet,
                label=theme[:80],
            )
        )
    return out
