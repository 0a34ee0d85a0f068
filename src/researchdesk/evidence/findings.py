"""Which parts of a document report findings, and which sentences are findings at all.

A brief quotes what a source found, learned or recommends: its results, discussion, lessons, the
authors' summary boxes and its tables. It never quotes a source's furniture (acknowledgments, funding,
author information, references), its methods or instruments, its limitations, or the statement of
its aims; nor a question, nor a sentence about the paper itself ("This work advances the
understanding of ..."). The rules read the document's own section headings (the heading path
"Results › Lessons learned: challenges") and the sentence's first words; they are written for
research articles, reports and case studies in general, not for one journal.
"""

from __future__ import annotations

import re
from enum import StrEnum

from researchdesk.models import BlockKind


class Part(StrEnum):
    """The kind of part of a document a passage stands in."""

    FINDINGS = "findings"  # results, discussion, conclusions, lessons, implications, summary boxes
    TABLE = "table"  # a table's rows (the authors' own tabulation)
    ABSTRACT = "abstract"  # an abstract without sub-headings: findings and aims mixed
    BACKGROUND = "background"  # introduction, background, context
    AIMS = "aims"  # objective, purpose, aims
    METHODS = "methods"  # methods, data, measures, analysis, instruments, interview guides
    LIMITATIONS = "limitations"
    FURNITURE = "furniture"  # acknowledgments, funding, authors, references, disclosures, calls for papers
    OTHER = "other"  # a heading that says nothing of its kind ("Intervention Approach", "Action")


# Headings, most specific first; the deepest heading of a path that names a kind decides.
_HEADING_PARTS: list[tuple[Part, re.Pattern[str]]] = [
    (
        Part.FURNITURE,
        re.compile(
            r"acknowledg|^references?$|bibliograph|works cited|author(?:s'?)? (?:information|affiliations|"
            r"contributions?)|about the authors?|corresponding author|^funding|financial support|"
            r"conflicts? of interest|competing interests|disclosures?|disclaimer|suggested citation|"
            r"^footnotes?$|^notes?$|calls? for papers|^collections?$|committee$|^related (?:articles|pages)|"
            r"article metrics|^copyright|^keywords?$|^abbreviations?$|supplementa",
            re.I,
        ),
    ),
    (Part.LIMITATIONS, re.compile(r"limitations?\b|strengths and weaknesses|^strengths?\b", re.I)),
    (
        Part.FINDINGS,
        re.compile(
            r"result|finding|discussion|conclu|lessons?|implication|recommend|barrier|facilitat|challeng|"
            r"enabler|success|what (?:is|was) added|what (?:are|were) the implications|highlights?|"
            r"^summary|key (?:points|messages|takeaways)|takeaways?|outcomes?|impact|next steps|"
            r"future (?:direction|action|consideration)|^action\b|practice",
            re.I,
        ),
    ),
    (
        Part.METHODS,
        re.compile(
            r"method|^data\b|data (?:sources?|collection|analysis)|materials|study (?:design|population|setting|"
            r"sample)|^design|^setting|^participants|^sample|^measures?\b|^variables|measurement|analys[ie]s|"
            r"statistic|procedure|instrument|interview (?:guide|protocol|questions)|questionnaire|survey "
            r"(?:design|instrument)|recruit|ethic|approval|risk of bias|search strategy|eligibility|"
            r"inclusion criteria|^evaluation (?:approach|design)|development process|^sources\b",
            re.I,
        ),
    ),
    (
        Part.AIMS,
        re.compile(
            r"^(?:objectives?|purpose|aims?|goals?|purpose and objectives|research questions?)\b", re.I
        ),
    ),
    (
        Part.BACKGROUND,
        re.compile(
            r"^(?:introduction|background|context|overview|rationale|historical context)\b|"
            r"what is (?:already )?known",  # a summary box's "What is already known on this topic?"
            re.I,
        ),
    ),
    (Part.ABSTRACT, re.compile(r"^(?:abstract|summary)$", re.I)),
]

# The parts a quote may come from; background gives definitions and figures only.
QUOTABLE: frozenset[Part] = frozenset({Part.FINDINGS, Part.TABLE, Part.ABSTRACT, Part.OTHER})
# How much a part adds to (or takes from) a quote's worth when suggestions are ranked.
PART_WEIGHT: dict[Part, float] = {
    Part.TABLE: 1.15,
    Part.FINDINGS: 1.1,
    Part.ABSTRACT: 0.9,
    Part.OTHER: 0.85,
    Part.BACKGROUND: 0.5,
}

# A paragraph that opens by announcing the study's limitations is about them throughout.
_LIMITATIONS_OPENING = re.compile(
    r"^\s*(?:(?:this|our|the (?:present|current))\s+(?:study|analysis|evaluation|review|report|project|work|"
    r"research|assessment)\s+(?:has|had|is subject to|was subject to)\s+(?:\w+\s+){0,3}limitations?|"
    r"(?:several|some|a few|a number of|there (?:are|were) (?:\w+\s+){0,2})\s*limitations?|"
    r"limitations?\s+(?:of|to)\s+(?:this|our)|(?:our|this) (?:study|analysis)'?s? limitations?|"
    r"(?:strengths and )?limitations\b)",
    re.I,
)
# A sentence inside a paragraph that announces the study's limitations ("Although our study sheds light on …, it
# has limitations in addressing …"): the sentences from it on list them ("First, …", "Second, …").
_LIMITATIONS_ANNOUNCED = re.compile(
    r"\b(?:it|this (?:study|analysis|evaluation|review|report|work)|our (?:study|analysis|evaluation|review|"
    r"work|approach)|the (?:study|analysis|evaluation))\s+(?:also\s+)?(?:has|had|is subject to|was subject to)\s+"
    r"(?:\w+\s+){0,3}limitations?\b|"
    r"\b(?:several|some|a few|a number of|other|additional|important) limitations? (?:should|must|are|were|need|"
    r"deserve)\b|^\s*(?:\w+,\s+)?(?:the|our) (?:study'?s? |main |key )?limitations? (?:include|are|were)\b",
    re.I,
)
# A table's notes under it: a footnote mark and the data source, or the abbreviations.
_TABLE_NOTE_OPENING = re.compile(r"^\s*(?:[a-z*†]\s+)?(?:data sources?|abbreviations?)\s*:", re.I)
# A paragraph that opens by naming its figure ("Figure 2. Bivariate map of …") is the figure's caption.
_CAPTION_OPENING = re.compile(
    r"^\s*(?:Figure|Fig\.|Table|Exhibit|Map|Chart)\s+[A-Z]?\d+[A-Za-z]?\s*[.:]\s", re.I
)


def heading_part(heading: str) -> Part | None:
    """Return the part one heading names ("Lessons learned: challenges" → findings), or None."""
    text = heading.strip().rstrip(":.").strip()
    for part, pattern in _HEADING_PARTS:
        if pattern.search(text):
            return part
    return None


def section_part(section: str, kind: BlockKind | str = BlockKind.PARAGRAPH) -> Part:
    """Return the part of a document a passage with this heading path and block kind stands in.

    The deepest heading that names a kind decides ("Methods › Interview guide" is methods, "Results ›
    Barriers" findings), except that furniture and limitations anywhere up the path win ("References ›
    ..." stays references). Table rows are the authors' tabulation unless a furniture heading holds
    them; a path that names nothing is OTHER.
    """
    headings = [h for h in section.split(" › ") if h.strip()]
    parts = [heading_part(h) for h in headings]
    if Part.FURNITURE in parts:
        return Part.FURNITURE
    if str(kind) == str(BlockKind.TABLE_ROW):
        return Part.TABLE
    if Part.LIMITATIONS in parts:
        return Part.LIMITATIONS
    for part in reversed(parts):
        if part is not None:
            return part
    return Part.OTHER


def limitations_from(sentences: list[str]) -> int | None:
    """Return the index of the sentence that announces the study's limitations, or None.

    The sentences are one paragraph's, in order; the announcement and every sentence after it are limitations.
    """
    for i, sentence in enumerate(sentences):
        if _LIMITATIONS_ANNOUNCED.search(sentence):
            return i
    return None


def passage_part(section: str, kind: BlockKind | str, text: str) -> Part:
    """Return the part of a passage, reading its opening too (a paragraph announcing limitations)."""
    part = section_part(section, kind)
    if part in (Part.FINDINGS, Part.OTHER, Part.ABSTRACT) and _LIMITATIONS_OPENING.match(text):
        return Part.LIMITATIONS
    if _TABLE_NOTE_OPENING.match(text) or _CAPTION_OPENING.match(text):  # "a Data source: …", "Figure 2. …"
        return Part.FURNITURE
    return part
