"""The Summary of Findings: the member's questions answered first, in plain words, from the evidence.

A summary answers before it counts, in this order: "Have we produced anything on this?" when the
member asks (yes, with the titles, or no); the main findings, one central result for each of the
sources most on the subject; when the member asks for them, what helps and what gets in the way, each
factor named from the evidence itself — the authors' own table theme when the quote has one, else the
factor the sentence stating it names ("lack of staff nutrition knowledge", "strong partnerships with
county administrators"), else that sentence whole — with its sources cited; costs when asked; each
other question, from the quotes closest to it in meaning that give the kind of answer it asks for (a
figure for "how many", groups compared for "which residents"; "should we …?" from the central result of
the source most on the subject; "how can we estimate …?" from the source whose title takes it up); and
what the library covers and does not. Codebook labels stay tags on the quotes; they are never findings.

Every paragraph carries what it rests on ("evidence:<id>", "scan:<run>", "request"), so the checks
can refuse a paragraph with no support.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from researchdesk.evidence.classify import classify
from researchdesk.evidence.cues import PRESCRIBES, STAT_REGEX
from researchdesk.evidence.extract import is_verbless
from researchdesk.evidence.not_findings import not_a_finding
from researchdesk.ingest.segment import sentence_spans
from researchdesk.models import Document, Evidence, RelatedItem, Role, heading_of
from researchdesk.requests.plan import asks_about, asks_for_prior_products, asks_what_we_wrote, questions
from researchdesk.requests.subject import ASKING, WEAK

# How close in meaning (cosine of MiniLM vectors) a quote must be to a question to answer it; chosen on the
# development requests' questions (a quote that answers one scores 0.5-0.7, one beside the point under 0.4).
ANSWER_SIMILARITY = 0.45
# A source's central result (its abstract's findings) answers at this closeness.
CENTRAL_ANSWER_SIMILARITY = 0.35
# A finding this close to a question none answers is offered as its nearest answer.
NEAR_ANSWER_SIMILARITY = 0.4
ROUTE_MARGIN = 0.05  # a quote answers its closest question, and any other this close to it
# A central result further than this from the prompt and every question does not lead the summary.
MAIN_FINDING_SIMILARITY = 0.3
TITLE_ANSWER_SIMILARITY = 0.5  # a quoted source whose title is this close to a question takes it up
# Given a question and quotes, their closeness in meaning (cosine), one per quote.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]
MAX_FACTORS = 3  # per heading in the summary: the main ones, not all
THIN = 2  # a library holding this few sources on the subject says so
SENTENCE_WORDS = 24  # a sentence quoted in the summary is cut after twice this many words
MIN_FACTOR_WORDS = 3  # a shorter phrase ("lack of local") names nothing; the sentence does
CLAUSE_WORDS = 6  # a longer one is cut at its first clause boundary when the clause has this many words
FACTOR_WORDS = 14  # a factor named from a sentence is cut to this many words at a clause boundary

# A question asks what helps or what hinders by the plan's facet cues, and by a few words members use
# in questions ("what helped", "what problems came up", "who goes without").
_MORE_HELPS = re.compile(
    r"\b(?:helped|lessons?|approach\w*|reduce them)\b|"
    r"\bmakes? (?:[\w-]+ ){0,3}(?:useful|work|effective|succe\w+|easier|valuable)\b|"  # "what makes such maps useful"
    r"^\s*how (?:do|can|could|should|might|would|to)\b",  # "How do we get people to sign up?"
    re.I,
)
# "Have other counties written standards into contracts?", "Has any program helped …?": done elsewhere?
_DONE_ELSEWHERE = re.compile(
    r"^\s*(?:have|has|did|do|does) (?:other|any|some|many|other local) (?:[\w-]+ ){0,2}(?:counties|cities|towns|"
    r"communities|agencies|states|places|jurisdictions|departments|schools|districts|programs?|services|"
    r"organi[sz]ations|clinics|coalitions)\b",
    re.I,
)
_MORE_HINDERS = re.compile(
    r"\b(?:problems?|difficult\w*|why do|go(?:es)? without|went wrong|r[au]n into|h[eo]ld (?:\w+ )?back|"
    r"(?:keeps?|kept|stops?|stopped|prevents?|prevented) (?:\w+ ){0,2}from)\b|"
    r"\b(?:what|which) (?:[\w-]+ ){0,3}risks?\b",  # "what ethical risks …?", not "those at higher risk"
    re.I,
)
# A quote that reports costs.
_COSTED = re.compile(r"\$\s?\d|\bcost|\bsaving|\bROI\b|\bexpenditure|\bspending\b", re.I)
_COSTS = re.compile(r"\b(?:cost|costs|afford\w*|savings|price|spend|return on investment|worth)\b", re.I)
# "Barriers included cost, distance, and mistrust." / "Challenges were X and Y."
_LISTED = re.compile(
    r"\b(?:barriers?|challenges?|obstacles?|facilitators?|enablers?|success factors|strategies|lessons)\s+"
    r"(?:to [^,.;]{0,60}?\s+)?(?:included|include|were|was|are|is|such as|like|identified (?:were|included))\s+"
    r"(?P<what>[^.;]{8,160})",
    re.I,
)
# "Lack of staff nutrition knowledge was a barrier." / "Strong partnerships facilitated adoption."
_SUBJECT_OF = re.compile(
    r"^(?:however,?\s+|in addition,?\s+|also,?\s+|first,?\s+|second,?\s+|third,?\s+|finally,?\s+|lastly,?\s+)?"
    r"(?P<what>[^,;:.]{6,110}?)\s+(?:was|were|is|are|has been|have been|served as|proved)\s+"
    r"(?:a |an |the |one of the )?(?:\w+\s+){0,2}(?:barriers?|challenges?|obstacles?|facilitators?|enablers?|"
    r"keys?|critical|essential|instrumental|important|crucial|helpful|vital|limiting)\b",
    re.I,
)
_AGENT = re.compile(
    r"^(?:however,?\s+|in addition,?\s+|also,?\s+)?(?P<what>[^,;:.]{6,90}?)\s+"
    r"(?:helped|facilitated|enabled|supported|fostered|contributed to|made it (?:easier|possible)|"
    r"hindered|limited|impeded|prevented|hampered|complicated|slowed|delayed)\b",
    re.I,
)
_VERB = (
    r"(?:is|are|was|were|limits?|limited|hinder\w*|prevent\w*|imped\w*|made|makes?|has|have|had|can|could|may|"
    r"might|will|would|led|leads?|meant|means|affect\w*|reduc\w*|creat\w*|pose[sd]?|remain\w*|contribut\w*)"
)
# "lack of X", "limited X" (attributive, not "data are limited in …"), up to the verb that follows.
_LACK = re.compile(
    rf"\b(?P<what>(?:lack|shortage|absence|loss) of "
    rf"(?:(?!\b{_VERB}\b)[^,;.]){{3,70}}|(?:limited|insufficient|inadequate|competing) (?:(?!\b{_VERB}\b)[^,;.]){{3,60}})",
    re.I,
)
_ASIDE = re.compile(r"\s*\([^()]*\)")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[a-z])[.)]\s+")
_PREDICATIVE_LABEL = re.compile(r"\b(?:is|are|was|were|as)\s+(?:\w+\s+){0,2}$", re.I)
_PREDICATIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|remain(?:s|ed)?|seem(?:s|ed)?)\s+$", re.I)
_DECIDE = re.compile(r"^\s*(?:should|would it|is it worth|do we need to|must) ", re.I)
_CLAUSE_END = re.compile(r"[,;:.](?:\s|$)")
_CITATION_MARK = re.compile(r"\s*\((?:\d+(?:[–,-]\d+)*,?\s?)+\)|\s*\[\d+(?:[–,-]\d+)*\]")
_LEAD = re.compile(
    r"^(?:however|in addition|additionally|also|moreover|furthermore|first|second|third|finally|lastly)\s*,?\s+",
    re.I,
)


@dataclass
class Factor:
    """A barrier or facilitator named in plain words, with the quotes and sources behind it."""

    name: str
    evidence_ids: list[int]
    document_ids: list[int]


def factor_name(ev: Evidence) -> str:
    """Return the factor a quote names: the authors' theme label, or the factor its words state."""
    label = _NUMBERING.sub("", ev.label or "")  # "3. Conducted a walk audit": the step, not its number
    if label and len(label.split()) <= 12 and len(re.findall(r"[A-Za-z]{2,}", label)) >= 2:
        return label.strip().rstrip(".:")
    text = _ASIDE.sub("", _CITATION_MARK.sub("", ev.quote)).strip()
    first = stating_sentence(ev) or re.split(r"(?<=[.!?])\s+", text)[0]
    for pattern in (_LISTED, _SUBJECT_OF, _AGENT):
        m = pattern.search(first)
        if m and pattern is _LISTED and _PREDICATIVE_LABEL.search(first[: m.start()]):
            continue  # "X are crucial strategies to ensure Y are fair": the factor is X, not what follows
        if m and _whole_phrase(m.group("what")):
            return _clip(m.group("what"))
    m = _LACK.search(first)
    if (
        m
        and ev.role is Role.BARRIER
        and not _PREDICATIVE.search(first[: m.start()])
        and _whole_phrase(m.group("what"))
    ):
        return _clip(m.group("what"))
    # No phrase names the factor: the source's own sentence does, whole (readers drop cut-off fragments).
    return _sentence(first).replace(".”", "”")


def stating_sentence(ev: Evidence) -> str:
    """Return the sentence of a quote that states its heading's direction, or "" when none does.

    A quote of two sentences under Barriers may open with the goal the barrier stands in the way of
    ("Protecting population health is the goal … However, unlike …, data are …"): the summary names the
    barrier from the sentence that reads as one (by the role classifier), not from the opening. A table
    item whose authors filed it under a role states it by its label.
    """
    heading = heading_of(ev.role)
    text = _ASIDE.sub("", _CITATION_MARK.sub("", ev.quote)).strip()
    if ev.label or not heading:
        return re.split(r"(?<=[.!?])\s+", text)[0]
    for sentence in (text[a:b] for a, b in sentence_spans(text)):
        if not_a_finding(sentence) or STAT_REGEX.search(sentence) or is_verbless(sentence):
            continue  # not a finding, a result in figures (the main findings and answers report those), or a label
        if _sentence_heading(sentence) == heading:
            return sentence.strip()
    return ""


@lru_cache(maxsize=4096)
def _sentence_heading(sentence: str) -> str:
    """Return the brief heading the role classifier files one sentence under (read once per draft)."""
    return heading_of(classify(sentence).role)


def _reads_as_other(quote: str, heading: str) -> bool:
    """Return True when a sentence of the quote reads as the other heading ("… is lacking" under Facilitators)."""
    other = {"Barriers": "Facilitators", "Facilitators": "Barriers"}.get(heading, "")
    plain = _CITATION_MARK.sub("", quote).strip()
    return any(_sentence_heading(plain[a:b]) == other for a, b in sentence_spans(plain))


def _whole_phrase(text: str) -> bool:
    """Return True when a phrase names a factor whole: long enough, not cut short by the word limit, and not
    ending on a word that leaves it hanging ("lack of local", "barriers to policy adoption that")."""
    phrase = " ".join(_ASIDE.sub("", text).split()).strip(" ,;:.")
    end = _CLAUSE_END.search(phrase)
    if end and len(phrase[: end.start()].split()) >= CLAUSE_WORDS:
        phrase = phrase[: end.start()]
    words = phrase.split()
    return (
        MIN_FACTOR_WORDS <= len(words) <= FACTOR_WORDS
        and words[-1].lower().strip("”’\"'") not in _HANGING
        and not _REPORTED.search(phrase)
    )


# "Legislators reported that health data …", "our results show that …": a report of a finding, not a factor.
_REPORTED = re.compile(
    r"\b(?:that|which|whether)\b|^\s*(?:our|the|these|this) (?:results|findings|data|study|analysis)\b|"
    r"\b(?:reported|report|reports|show|shows|showed|found|find|finds|suggest|suggests|suggested|indicated|"
    r"indicate|indicates|noted|said|described)\b",
    re.I,
)


_HANGING = frozenset(
    re.findall(
        r"\S+",
        "a an the of to for in on at by from with and or but that which who whose where when than as into about "
        "local their its our this these those such more most other some any many include includes included "
        "including is are was were be been being has have had can could may might will would",
    )
)


def _clip(text: str, quote: bool = False) -> str:
    """Return a short phrase: the text up to its first clause boundary, at most FACTOR_WORDS words."""
    text = " ".join(_ASIDE.sub("", text).split()).strip(" ,;:.")
    end = _CLAUSE_END.search(text)
    if end and len(text[: end.start()].split()) >= CLAUSE_WORDS:
        text = text[: end.start()]
    words = text.split()
    cut = len(words) > FACTOR_WORDS
    text = " ".join(words[:FACTOR_WORDS])
    if quote:
        return f"“{text}{'…' if cut else ''}”"
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def main_factors(evidence: list[Evidence], heading: str, ranked: Sequence[int] = ()) -> list[Factor]:
    """Return the main factors under a brief heading ("Barriers" / "Facilitators"), best supported first.

    Quotes naming the same factor (the same words, or the same table theme) are counted once with all
    their sources; factors with more sources come first, then those of the sources most on the subject
    (``ranked``, best first), then the authors' own themes. Only quotes with a sentence that states the
    heading's direction are summed up (``stating_sentence``); when none under the heading has one, all
    of them are, so the summary never says "none" above quotes filed under the heading.
    """
    under = [ev for ev in evidence if heading_of(ev.role) == heading]
    stating = [ev for ev in under if stating_sentence(ev)]
    if not stating:
        # All of them then, but a quote that reads as the other heading is not summed up under this one.
        under = [ev for ev in under if not _reads_as_other(ev.quote, heading)]
    rank = {d: i for i, d in enumerate(ranked)}
    groups: dict[str, list[Evidence]] = defaultdict(list)
    names: dict[str, str] = {}
    for ev in stating or under:
        name = factor_name(ev)
        key = re.sub(r"\W+", " ", name.lower()).strip()
        names.setdefault(key, name)
        groups[key].append(ev)
    order = sorted(
        groups.items(),
        key=lambda kv: (
            -len({e.document_id for e in kv[1]}),
            min(rank.get(e.document_id, len(rank)) for e in kv[1]),
            -sum(bool(e.label) for e in kv[1]),
            -max(e.confidence for e in kv[1]),
        ),
    )
    return [
        Factor(names[k], [e.id for e in items], list(dict.fromkeys(e.document_id for e in items)))
        for k, items in order
    ]


def cite(doc: Document) -> str:
    """Return a short in-text citation: "Wood et al., 2024", or a short title when no author is known."""
    year = doc.meta.date[:4]
    if doc.meta.authors:
        surname = doc.meta.authors[0].split()[-1] if doc.meta.authors[0].split() else doc.meta.authors[0]
        who = surname + (
            " et al."
            if len(doc.meta.authors) > 2
            else f" and {doc.meta.authors[1].split()[-1]}"
            if len(doc.meta.authors) == 2
            else ""
        )
        return f"{who}, {year}" if year else who
    title = doc.meta.title or doc.file_name
    short = title if len(title) <= 50 else title[:50].rsplit(" ", 1)[0] + "…"
    return f"“{short}”{', ' + year if year else ''}"


def _listing(factors: list[Factor], docs: dict[int, Document]) -> str:
    parts = [f"{f.name} ({'; '.join(cite(docs[d]) for d in f.document_ids[:2])})" for f in factors]
    if len(parts) > 1:
        return "; ".join(parts[:-1]) + "; and " + parts[-1]
    return parts[0]


# "Is there evidence these projects increase activity?", "Does a shorter program still work?"
# (A "how can we reduce …?" question asks what helps, not whether something works.)
_EFFECT = re.compile(
    r"\b(?:is there (?:any )?evidence|what (?:are|were) the results|effectiveness)\b|"
    r"^\s*(?:does|do|did|can|could|will|would|is|are)\b.*\b(?:work|works|help|helps|increase|reduce|improve|raise|"
    r"lower|cut|prevent|effective|produce|change|affect|lead to|result in)\b",
    re.I,
)


def summarize(
    prompt: str,
    subjects: list[str],
    missing_subjects: list[str],
    evidence: list[Evidence],
    docs: dict[int, Document],
    prior: list[RelatedItem],
    run: str,
    held: int = 0,
    central: list[int] | None = None,
    similar: Similarity | None = None,
    ranked: Sequence[int] = (),
    further: int = 0,
) -> tuple[list[str], list[list[str]]]:
    """Return the summary paragraphs and what each rests on.

    ``held`` is how many sources the library holds on the subject, ``central`` the evidence that states a
    source's central result (its abstract's results or conclusions), the sources most about the subject
    first; ``ranked`` the sources on the subject, most about it first; ``further`` how many more the brief lists
    under Further Reading.
    """
    paragraphs: list[str] = []
    support: list[list[str]] = []
    asked = questions(prompt)
    similar = _with_antecedents(similar, prompt, asked)
    # "… the barriers and facilitators of cross-sector collaboration" asks for both, whatever its questions ask.
    both = bool(_BOTH_ASKED.search(prompt))
    wants_help = both or any(_asks_help(q) for q in asked)
    wants_hinder = both or any(_asks_hinder(q) for q in asked)
    wants_costs = any(_asks_costs(q) for q in asked)
    # "Which groups are most affected?" asks for findings, not for what helps: the barriers and facilitators are
    # summed up when the member asks for them, or asks only in general ("What do you have on each?").
    wants_factors = (
        wants_help
        or wants_hinder
        or all(
            _asks_help(q) or _asks_hinder(q) or asks_for_prior_products(q) or _GENERAL.search(q)
            for q in asked
        )
    )

    if asks_for_prior_products(prompt):
        if prior:
            titles = "; ".join(f"“{p.title}”" for p in prior[:3])
            paragraphs.append(
                f"Have we produced anything on this? Yes: {len(prior)} of the service's earlier products "
                f"{'is' if len(prior) == 1 else 'are'} on this subject ({titles}); see “You may also be "
                "interested in”."
            )
            support.append([run, "request"])
        elif asks_what_we_wrote(prompt):
            # "What do you have on …?" asks what the library holds (the rest of the summary); only a
            # member who asks whether the service itself has written on this is told it has not.
            paragraphs.append(
                "Have we produced anything on this? No: the service has not delivered a brief or product on "
                "this subject before, so this brief is the first."
            )
            support.append([run, "request"])

    if not evidence:
        if missing_subjects and len(missing_subjects) == len(subjects):
            own_words = _asked_about(prompt, missing_subjects)
            lead = (
                f"You asked about “{own_words}” The library holds nothing on it: "
                if own_words
                else f"The library holds nothing on what you ask about (we looked for {_looked_for(missing_subjects)}): "
            )
            paragraphs.append(
                lead
                + "none of its articles, reports or earlier briefs is about it, so this brief quotes no source "
                "rather than quote ones on other subjects. The Next Steps say where to look instead."
            )
        else:
            paragraphs.append(
                "No evidence has been accepted for this request yet, so the brief reports no findings; review "
                "the suggested quotes, then draft again."
            )
        support.append([run])
        return paragraphs, support

    cited = {d for d in (e.document_id for e in evidence)}
    held_count = max(len(cited), held)
    main = _central_findings(evidence, central or [], prompt=prompt, similar=similar)
    headline = _near_the_question(main, [prompt, *asked], subjects, similar)
    # A quote the summary has given in full is not given again.
    given: set[int | None] = {e.id for e in headline}
    if headline:
        named = "; ".join(f"{cite(docs[e.document_id])} found {_sentence(e.quote)}" for e in headline)
        paragraphs.append(_ended(f"Main findings: {named}"))
        support.append([f"evidence:{e.id}" for e in headline])
    facilitators = main_factors(evidence, "Facilitators", ranked)
    barriers = main_factors(evidence, "Barriers", ranked)
    helps_lead = (
        "What helps"
        if wants_help or not wants_hinder
        else "What helps, though you asked mainly about obstacles"
    )
    named_worked = False
    for factors, lead, verb, asked_for, kind in (
        (facilitators, helps_lead, "the sources point to", wants_help, "facilitator"),
        (barriers, "What gets in the way", "the sources report", wants_hinder, "barrier"),
    ):
        if factors and wants_factors:
            chosen = factors[:MAX_FACTORS]
            paragraphs.append(f"{lead}: {verb} {_listing(chosen, docs)}.")
            support.append([f"evidence:{i}" for f in chosen for i in f.evidence_ids])
        elif asked_for:
            # A source's central result that went the hoped-for way, in figures or in words ("increased …").
            worked = [e for e in main if _BETTER.search(e.quote)]
            if kind == "facilitator" and worked:
                named_worked = True
                # "What programs have worked?" — no quote names a facilitator, but a source's result shows one did:
                # said in its authors' words where a quote of the same source says it without figures.
                in_words = [_worked_in_words(evidence, e) for e in worked]
                named = "; ".join(
                    (
                        f"the finding quoted above ({cite(docs[e.document_id])})"
                        if (words or e).id in given
                        else f"{_sentence(words.quote) if words else f'“{docs[e.document_id].meta.title}”'} "
                        f"({cite(docs[e.document_id])})"
                    )
                    for e, words in zip(worked, in_words, strict=True)
                )
                paragraphs.append(
                    f"{lead.split(',')[0]}: no quoted source names a facilitator as such, but the sources show what "
                    f"worked: {named}."
                )
                support.append([f"evidence:{(w or e).id}" for e, w in zip(worked, in_words, strict=True)])
            else:
                paragraphs.append(f"{lead.split(',')[0]}: none of the quoted sources names a {kind}.")
                support.append([run])
    if wants_costs:
        costly = [e for e in evidence if _COSTED.search(e.quote)]
        if costly:
            picks = list({e.document_id: e for e in reversed(costly)}.values())[::-1][:2]  # one per source
            named = "; ".join(
                f"{_sentence(_costed_sentence(e.quote))} ({cite(docs[e.document_id])})"
                for e in picks
                if e.id not in given
            )
            paragraphs.append(f"On costs: {_besides_given(picks, given, docs)}{named}.")
            support.append([f"evidence:{e.id}" for e in picks])
            given.update(e.id for e in picks)
        else:
            paragraphs.append("On costs: none of the quoted sources reports costs.")
            support.append([run])
    unanswered: list[str] = []
    indirect: list[str] = []  # questions only a near answer speaks to
    unsized: list[str] = []  # questions about the size of a change answered without one
    undirected: list[str] = []  # "which groups …?" answered by "the groups differ", not by who fares worst
    used: set[int | None] = set()
    home = _home_questions(
        [q for q in asked if _answered_by_quotes(q) and not asks_for_prior_products(q)],
        subjects,
        evidence,
        similar,
    )
    for question in asked:
        if not _answered_by_quotes(question):
            continue
        if asks_for_prior_products(question):
            continue
        if _DECIDE.match(question) and main:
            # "Should we fund …?" is the member's decision; the sources' central results are what it rests on.
            first_result = main[0]
            found = (
                "whose result is the main finding above"
                if first_result.id in given
                else f"found {_sentence(first_result.quote)}"
            )
            paragraphs.append(
                _ended(
                    f"On “{question}”: the decision is yours; the source most on the subject, "
                    f"{cite(docs[first_result.document_id])}, {found}"
                )
            )
            given.add(first_result.id)
            support.append([f"evidence:{first_result.id}"])
            continue
        if _DONE_ELSEWHERE.match(question):
            # "Have others done this?" is answered by the sources on the subject: yes, these did.
            lead = _done_elsewhere(evidence, main, docs)
            if lead:
                paragraphs.append(_ended(f"On “{question}”: {lead}"))
                support.append([f"evidence:{e.id}" for e in _firsts(evidence, main)])
                continue
        # A quote answers the question it is closest to; one that answered a question is not the answer to the
        # next when another quote answers it.
        own = [e for e in evidence if home.get(e.id, [question])[0] == question and e.id not in used]
        routed = [e for e in evidence if question in home.get(e.id, [question])]
        fresh = [e for e in routed if e.id not in used]
        unused = [e for e in evidence if e.id not in used]  # a quote its own question did not take
        for pool in (own, fresh, routed, unused):
            # A quote closer to this question than to any other answers it at a source's central result's bar.
            bar = [*main, *own] if pool is own and home else main
            picks = answering(question, subjects, pool, similar=similar, central=bar) or group_answers(
                question, pool
            )
            if picks:
                break
        if picks and all(e.id in used for e in picks):
            # Only the quotes that answered an earlier question: saying them again answers nothing new
            # ("which students see them most and least?" after "are more students seeing them?").
            picks = []
        used.update(e.id for e in picks)
        if _EFFECT.search(question):
            # Whether something works is answered by results: the sources' central findings first, then what the
            # same sources measured ("The pooled mean difference in weight change was −2.59 kg"), before advice.
            sources = {e.document_id for e in picks}
            measured = [
                e
                for e in evidence
                if e.document_id in sources
                and e not in picks
                and e.id not in used
                and e.role is Role.STATISTIC
                and _MEASURED.search(e.quote)
                and _AN_EFFECT.search(e.quote)
            ]
            central_picks = [e for e in picks if e in main]
            picks = (central_picks + measured + [e for e in picks if e not in main])[:2]
            used.update(e.id for e in picks)
        titled = None if picks else _titled_answer(question, evidence, main, docs, similar)
        if picks:
            named = "; ".join(
                f"{_sentence(answer_sentence(question, e.quote))} ({cite(docs[e.document_id])})"
                for e in picks
                if e.id not in given
            )
            paragraphs.append(_ended(f"On “{question}”: {_besides_given(picks, given, docs)}{named}"))
            support.append([f"evidence:{e.id}" for e in picks])
            given.update(e.id for e in picks)
            if _CHANGE_ASKED.search(question) and not any(_A_CHANGE.search(e.quote) for e in picks):
                unsized.append(question)  # "How far did use fall?" answered with "declined", no size
            # "We found substantial differences across age groups" answers "which groups?" without saying which.
            if _WHICH_GROUPS.search(question) and not any(
                _DIRECTION.search(answer_sentence(question, e.quote)) for e in picks
            ):
                undirected.append(question)
        elif titled is not None:
            doc = docs[titled.document_id]
            fitting = [e for e in evidence if e.document_id == doc.id and _answers(question, e.quote)]
            said = (
                f"they found {_sentence(answer_sentence(question, fitting[0].quote))}"
                if fitting
                else "the passages quoted below do not state the answer itself"
            )
            if not fitting:
                unanswered.append(question)
            elif _FINDING_OUT.match(question) and not any(_HOW_DONE.search(e.quote) for e in fitting):
                # "How can we estimate …?" asks for the way, and the quotes give only the result.
                said += "; the passages quoted below give the result, not how it was made: the source's methods say"
            paragraphs.append(
                _ended(f"On “{question}”: {cite(doc)} take this up in “{doc.meta.title}”; {said}")
            )
            support.append([f"evidence:{(fitting or [titled])[0].id}"])
        elif (nearest := _nearest_answer(question, subjects, evidence, given, similar)) is not None:
            # Nothing answers at the bar, but a finding comes close: the member sees it, and that it is not direct.
            paragraphs.append(
                _ended(
                    f"On “{question}”: no quoted passage answers this in so many words; the nearest is "
                    f"{_sentence(answer_sentence(question, nearest.quote))} ({cite(docs[nearest.document_id])})"
                )
            )
            support.append([f"evidence:{nearest.id}"])
            given.add(nearest.id)
            indirect.append(question)
        else:
            paragraphs.append(f"On “{question}”: none of the quoted sources answers this directly.")
            support.append([run])
            unanswered.append(question)

    gaps = []
    if missing_subjects:
        gaps.append(f"the library holds nothing on {_looked_for(missing_subjects)}")
    if wants_help and not facilitators and not named_worked:
        gaps.append("nothing on what helps")
    if wants_hinder and not barriers:
        gaps.append("nothing on what gets in the way")
    if len(cited) > 1:
        # A question only one source speaks to rests on that source alone: the member should know.
        for asked_for, heading, what in (
            (wants_help, "Facilitators", "what helps"),
            (wants_hinder, "Barriers", "what gets in the way"),
        ):
            speaking = {e.document_id for e in evidence if heading_of(e.role) == heading}
            if asked_for and len(speaking) == 1:
                only = next(iter(speaking))
                gaps.append(f"only one source speaks to {what} ({cite(docs[only])})")
        costing = {e.document_id for e in evidence if _COSTED.search(e.quote)}
        if wants_costs and len(costing) == 1:
            gaps.append(f"only one source reports costs ({cite(docs[next(iter(costing))])})")
    if unanswered:
        gaps.append("no direct answer to " + " and ".join(f"“{q}”" for q in unanswered))
    if indirect:
        gaps.append("only an indirect answer to " + " and ".join(f"“{q}”" for q in indirect))
    if undirected:
        gaps.append(
            "the quoted passages say the groups differ, not which fare worst ("
            + " and ".join(f"“{q}”" for q in undirected)
            + ")"
        )
    if unsized:
        gaps.append(
            "the quoted passages do not say by how much (" + " and ".join(f"“{q}”" for q in unsized) + ")"
        )
    factor_quotes = [e for e in evidence if heading_of(e.role) in ("Barriers", "Facilitators")]
    if wants_factors and factor_quotes and not any(_MEASURED.search(e.quote) for e in factor_quotes):
        # What helps and hinders rests on what people said or authors concluded, not on a measured effect.
        gaps.append(
            "the factors named here come from what participants reported or authors concluded; no source measured "
            "how much each one matters"
        )
    works = [q for q in asked if _EFFECT.search(q) or _WORKS.search(q)]
    # "A produce box distribution model increased fruit and vegetable consumption": a source's central result says
    # what the work achieved, in words if not in figures.
    if (
        works
        and not any(_MEASURED.search(e.quote) for e in evidence)
        and not any(_BETTER.search(e.quote) for e in main)
    ):
        gaps.append("no quoted source reports a measured result of such work")
    holds = f"{held_count} source{'s' if held_count != 1 else ''}" if held_count else "no source"
    coverage = (
        f"What the library covers: it holds {holds} on this subject; "
        + (
            f"{'it is' if held_count == 1 else 'all are'} quoted below"
            + (", and Further Reading lists others that touch on it" if further else "")
            if held_count <= len(cited)
            else f"{len(cited)} {'is' if len(cited) == 1 else 'are'} quoted below, the rest listed under Further Reading"
        )
        + "."
    )
    if held_count <= THIN:
        gaps.append(
            f"the library holds {'only one source' if held_count == 1 else f'only {held_count} sources'} on this "
            "subject, so the evidence here is thin: look beyond it before deciding"
        )
    if gaps:
        coverage += " Gaps: " + "; ".join(gaps) + "."
    paragraphs.append(coverage)
    support.append([run])
    return paragraphs, support


# A result that went the hoped-for way: "had a greater increase in …", "improved", "reduced emergency visits".
_BETTER = re.compile(
    r"\b(?:greater|larger) (?:increase|improvement|reduction)|\bimprov\w*|\bincreas\w*|\breduc\w*|\brose\b|"
    r"\bsignificantly (?:higher|lower|more|fewer)\b|\bsavings?\b",
    re.I,
)
# A prompt that names both kinds of factor ("barriers and facilitators", "what helps … or gets in the way").
_BOTH_ASKED = re.compile(
    r"\b(?:barriers?|obstacles?|challenges?|hindrances?)\b[^.?!]{0,40}?\b(?:and|or)\b[^.?!]{0,20}?\b(?:facilitators?|"
    r"enablers?|success factors?)\b|\b(?:facilitators?|enablers?|success factors?)\b[^.?!]{0,40}?\b(?:and|or)\b"
    r"[^.?!]{0,20}?\b(?:barriers?|obstacles?|challenges?)\b",
    re.I,
)
# A question that asks for whatever the library holds, not for one kind of answer.
_GENERAL = re.compile(
    r"\bwhat (?:do|does|did) (?:you|we|the (?:library|service)) (?:have|hold|know)\b|\bwhat (?:is|has been) "
    r"(?:known|learned|written|published)\b|\b(?:anything|information|evidence|research|products?|case studies) "
    r"(?:on|about)\b|\bwhat (?:are|were) the (?:lessons|findings)\b",
    re.I,
)
# A measured result: a percentage, a test statistic, or a change with a number ("reduced … by 12").
_MEASURED = re.compile(
    r"\d+(?:\.\d+)?\s?%|\bp\s?[<=]\s?0?\.\d|\b(?:95% )?CI\b|\b(?:odds|hazard|risk) ratio|\bsignificant(?:ly)?\b|"
    r"\$\s?\d|\b(?:increased|decreased|reduced|improved|rose|fell|declined|raised|lowered)\b[^.]{0,60}\d",
    re.I,
)
# A measured change or difference, the kind of figure that says whether something worked (not a prevalence).
_AN_EFFECT = re.compile(
    r"\b(?:pooled|mean|average) (?:\w+ )?difference\b|\b(?:decreas\w*|declin\w*|reduc\w*|increas\w*|improv\w*|"
    r"fell|rose|lost|gained)\b[^.;]{0,40}\bsignificantly\b|\bsignificantly (?:decreas\w*|declin\w*|reduc\w*|"
    r"increas\w*|improv\w*|lower|higher)\b|\b(?:decreas\w*|declin\w*|reduc\w*|increas\w*|improv\w*|fell|rose)\b"
    r"[^.;]{0,40}\bfrom [^.;]{0,20}\d[^.;]{0,40}\bto \d",
    re.I,
)
# "Which outreach approaches work?", "What programs have worked?": asks for what worked, i.e. for results.
_WORKS = re.compile(r"\b(?:work|works|worked|working|effective|succeeded|results?)\b", re.I)


def _nearest_answer(
    question: str,
    subjects: list[str],
    evidence: list[Evidence],
    given: set[int | None],
    similar: Similarity | None,
) -> Evidence | None:
    """Return the finding closest in meaning to a question none answers at ANSWER_SIMILARITY, when it comes within
    NEAR_ANSWER_SIMILARITY and is the kind of answer asked for; a quote the summary gave already is not offered."""
    if similar is None:
        return None
    pool = [
        e
        for e in evidence
        if e.id not in given
        and (e.role is not Role.RECOMMENDATION or _asks_help(question))
        and _answers(question, e.quote)
    ]
    if not pool:
        return None
    scores = similar(_asked_in_full(question, subjects), [e.quote for e in pool])
    score, best = max(zip((float(x) for x in scores), pool, strict=True), key=lambda pair: pair[0])
    return best if score >= NEAR_ANSWER_SIMILARITY else None


def _besides_given(picks: list[Evidence], given: set[int | None], docs: dict[int, Document]) -> str:
    """Return how an answer points to quotes the summary already gave ("the finding quoted above answers this
    (Wood et al., 2024)"), or "" when it gave none of them: the same quote is not read out twice."""
    again = [e for e in picks if e.id in given]
    if not again:
        return ""
    cites = "; ".join(dict.fromkeys(cite(docs[e.document_id]) for e in again))
    if len(again) == len(picks):
        return f"the finding quoted above answers this ({cites})"
    return f"the finding quoted above ({cites}), and "


def _worked_in_words(evidence: list[Evidence], result: Evidence) -> Evidence | None:
    """Return the quote of the result's source that says, in words and not figures, that the work went the
    hoped-for way ("Findings indicate that a produce box distribution model increased fruit and vegetable
    consumption …"), or None."""
    for e in evidence:
        if (
            e.document_id == result.document_id
            and _BETTER.search(e.quote)
            and not STAT_REGEX.search(e.quote)
            and not _reads_as_other(e.quote, "Facilitators")
        ):
            return e
    return None


def _costed_sentence(quote: str) -> str:
    """Return the sentence of a quote that reports a cost (the whole quote when no one sentence does)."""
    plain = _CITATION_MARK.sub("", quote).strip()
    for a, b in sentence_spans(plain):
        if _COSTED.search(plain[a:b]):
            return plain[a:b]
    return plain


def _titled_answer(
    question: str,
    evidence: list[Evidence],
    main: list[Evidence],
    docs: dict[int, Document],
    similar: Similarity | None,
) -> Evidence | None:
    """Return the central result of the quoted source whose title asks the member's question, or None.

    "How can we estimate how many residents live with long COVID?" is what a study titled "Estimating the
    Burden of Post-COVID-19 Condition …" did, though none of its sentences repeats the question: its title
    (MiniLM cosine >= TITLE_ANSWER_SIMILARITY) says the source answers it, its central result what it found.
    """
    if similar is None or not evidence:
        return None
    firsts = {e.document_id: e for e in reversed(_firsts(evidence, main, most=len(evidence)))}
    ids = [d for d in firsts if docs[d].meta.title]
    if not ids:
        return None
    scores = similar(question, [docs[d].meta.title for d in ids])
    best, doc_id = max(zip(scores, ids, strict=True))
    return firsts[doc_id] if best >= TITLE_ANSWER_SIMILARITY else None


def _firsts(evidence: list[Evidence], main: list[Evidence], most: int = 3) -> list[Evidence]:
    """Return one quote per source: its central result when it has one, else its first quote."""
    out: dict[int, Evidence] = {e.document_id: e for e in main}
    for e in evidence:
        out.setdefault(e.document_id, e)
    return list(out.values())[:most]


def _done_elsewhere(evidence: list[Evidence], main: list[Evidence], docs: dict[int, Document]) -> str:
    """Return "yes, these did" from the quoted sources, each with what it reports, or "" when none is quoted."""
    firsts = _firsts(evidence, main)
    if not firsts:
        return ""
    n = len({e.document_id for e in evidence})
    named = "; ".join(f"“{docs[e.document_id].meta.title}” ({cite(docs[e.document_id])})" for e in firsts)
    return (
        f"yes — the library holds {n} source{'s' if n != 1 else ''} that report{'s' if n == 1 else ''} such work: "
        f"{named}; what {'it' if n == 1 else 'they'} found is quoted below"
    )


# "How can we estimate how many …?", "How do we tell whether …?": asks how to find something out, not what helps.
_FINDING_OUT = re.compile(
    r"^\s*how (?:do|can|could|should|might|would|to) (?:we |you |i |one )?(?:tell|know|measure|estimate|find out|"
    r"count|identify|track|assess|determine|map|see|learn)\b",
    re.I,
)


# A sentence that says how something was found out: "we used …", "by combining …", "modeled from …".
_HOW_DONE = re.compile(
    r"\b(?:we|they|the authors) (?:used|combined|linked|applied|adapted|built|developed)\b|\busing (?:data|records|"
    r"claims|surveys?|a model)\b|\bby (?:combining|linking|applying|using|modell?ing)\b|\b(?:modell?ed|estimated|"
    r"derived|calculated) (?:from|using|by)\b|\bdata (?:from|sources?)\b|\bmethods?\b",
    re.I,
)


def _answered_by_quotes(question: str) -> bool:
    """Return False for a question the summary's helps, hinders and costs paragraphs answer."""
    return not (
        (_asks_help(question) or _asks_hinder(question) or _asks_costs(question))
        and not _EFFECT.search(question)
        and not _DONE_ELSEWHERE.match(question)
    )


def _asks_costs(question: str) -> bool:
    """Return True for a question about what the work costs ("what do they cost?"), not "which children are
    most affected by asthma and its medical costs?", which asks which groups."""
    return bool(_COSTS.search(question)) and not _WHICH_GROUPS.search(question)


def _asked_in_full(question: str, subjects: list[str]) -> str:
    """Return the question with the request's subject when it names at most one word of it ("What should a
    well-rounded program include?" of a tobacco program): what its closeness to a quote is measured on."""
    if len(_words(question) & _words(" ".join(subjects))) > 1:
        return question
    return f"{question} ({'; '.join(subjects)})"


# "How common are these warning signs …?": a question that points back to the sentence before it.
_POINTING_BACK = re.compile(r"\b(?:these|those|such|they|them|their)\b", re.I)


def _with_antecedents(similar: Similarity | None, prompt: str, asked: list[str]) -> Similarity | None:
    """Return ``similar`` reading a question that points back ("these warning signs") with the sentence of the
    prompt before it ("… have a lasting cough or get short of breath …"), which says what it points to."""
    if similar is None:
        return None
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", " ".join(prompt.split())) if x]
    before: dict[str, str] = {}
    for question in asked:
        if not _POINTING_BACK.search(question):
            continue
        opening = question.rstrip("?").lower()[:40]
        at = next((i for i, x in enumerate(sentences) if opening in x.lower()), 0)
        if at > 0 and not sentences[at - 1].endswith("?"):
            before[question] = sentences[at - 1]
    if not before:
        return similar
    measure = similar

    def in_context(text: str, quotes: Sequence[str]) -> Sequence[float]:
        antecedent = next((a for q, a in before.items() if text.startswith(q)), "")
        return measure(f"{antecedent} {text}" if antecedent else text, quotes)

    return in_context


def _home_questions(
    asked: list[str], subjects: list[str], evidence: list[Evidence], similar: Similarity | None
) -> dict[int | None, list[str]]:
    """Return the questions each quote may answer among those the quotes answer: its closest first, then any
    within ROUTE_MARGIN of it (nothing when there is one question, or no embedding model). A prevalence figure answers
    "which children are most affected?", not the next question "have the gaps narrowed?"."""
    if similar is None or len(asked) < 2 or not evidence:
        return {}
    quotes = [e.quote for e in evidence]
    scores = [[float(x) for x in similar(_asked_in_full(q, subjects), quotes)] for q in asked]
    homes: dict[int | None, list[str]] = {}
    for i, e in enumerate(evidence):
        order = sorted(range(len(asked)), key=lambda j: -scores[j][i])
        best = scores[order[0]][i]
        homes[e.id] = [asked[j] for j in order if scores[j][i] >= best - ROUTE_MARGIN]
    return homes


def _near_the_question(
    main: list[Evidence], asked: list[str], subjects: list[str], similar: Similarity | None
) -> list[Evidence]:
    """Return the central results close enough in meaning to the prompt or one of its questions to lead the
    summary (MAIN_FINDING_SIMILARITY): a clinic study's "COVID-19 surges raised HbA1c" does not answer "what keeps
    patients coming back?"."""
    if similar is None or not main:
        return main
    quotes = [e.quote for e in main]
    scores = [similar(_asked_in_full(q, subjects), quotes) for q in asked if q]
    return [e for i, e in enumerate(main) if max(float(s[i]) for s in scores) >= MAIN_FINDING_SIMILARITY]


def _asks_help(question: str) -> bool:
    if _FINDING_OUT.match(question) or (_YES_NO.match(question) and not _EFFECT.search(question)):
        return False
    return asks_about(question, "facilitators", "recommendations") or bool(_MORE_HELPS.search(question))


def _asks_hinder(question: str) -> bool:
    return asks_about(question, "barriers") or bool(_MORE_HINDERS.search(question))


def _central_findings(
    evidence: list[Evidence],
    central: list[int],
    most: int = 3,
    prompt: str = "",
    similar: Similarity | None = None,
) -> list[Evidence]:
    """Return one central result per source, in ``central``'s order: of a source's quoted abstract findings the
    one closest in meaning to what the member asked (``similar``), else its first. "Sociodemographic factors …
    were related to a worse trajectory" answers "which patients are most likely …?"; "Most older adults belonged
    to the group with a moderate number of conditions", the abstract's first result, does not."""
    by_id = {e.id: e for e in evidence}
    ids = [i for i in central if i in by_id]
    # Closeness chooses among a source's results only, never lifting its advice ("… remains a public health
    # priority") above what it found.
    results = [i for i in ids if _reports_result(by_id[i])]
    closeness = (
        dict(zip(results, similar(prompt, [by_id[i].quote for i in results]), strict=True))
        if similar and results
        else {}
    )
    out: dict[int, Evidence] = {}
    for i in ids:
        doc = by_id[i].document_id
        if doc not in out or closeness.get(i, 0.0) > closeness.get(out[doc].id or 0, 0.0):
            out[doc] = by_id[i]
    # A source's result, not its advice: a recommendation is its central finding only when it states nothing else.
    for i in central:
        ev = by_id.get(i)
        if (
            ev is not None
            and out[ev.document_id].role is Role.RECOMMENDATION
            and ev.role is not Role.RECOMMENDATION
        ):
            out[ev.document_id] = ev
    return list(out.values())[:most]


def _reports_result(ev: Evidence) -> bool:
    """Return True for a quote that reports what a study found (figures, or a finding without a direction)."""
    if ev.role is Role.RECOMMENDATION or PRESCRIBES.search(ev.quote):
        return False
    return ev.role in (Role.STATISTIC, Role.CONTEXT, Role.EXAMPLE, Role.DEFINITION) or bool(
        _MEASURED.search(ev.quote)
    )


def answering(
    question: str,
    subjects: list[str],
    evidence: list[Evidence],
    most: int = 2,
    similar: Similarity | None = None,
    central: Sequence[Evidence] = (),
) -> list[Evidence]:
    """Return the quotes that answer a question best: those closest to it in meaning (``similar``, when an
    embedding model is at hand, at least ANSWER_SIMILARITY), else those sharing most of its own words
    (not the subject's). A source's ``central`` result answers at a lower closeness (CENTRAL_ANSWER_SIMILARITY):
    what a study on the subject found is the likeliest answer to what the member asks about it."""
    if not _asks_help(question):
        # "Which patients are most at risk?" is answered by what the sources found, not by what they advise.
        evidence = [e for e in evidence if e.role is not Role.RECOMMENDATION]
    if similar is not None and evidence:
        scores = similar(_asked_in_full(question, subjects), [e.quote for e in evidence])
        central_ids = {e.id for e in central}
        close = sorted(
            (
                pair
                for pair in zip(scores, evidence, strict=True)
                if pair[0] >= (CENTRAL_ANSWER_SIMILARITY if pair[1].id in central_ids else ANSWER_SIMILARITY)
            ),
            key=lambda pair: -pair[0],
        )
        close = [(score, e) for score, e in close if _answers(question, e.quote)]
        if close:
            return [e for _, e in close[:most]]
    words = {w for w in _words(question) if w not in _words(" ".join(subjects))}
    if not words:
        return []
    scored = [(len(words & _words(e.quote)), e) for e in evidence]
    scored = [(n, e) for n, e in scored if n and _answers(question, e.quote)]
    scored.sort(key=lambda ne: (-ne[0], -ne[1].confidence))
    return [e for _, e in scored[:most]]


# What kind of answer a question wants. "How many / how far / how often …?" wants a figure; "Which residents /
# who …?" wants groups compared. A quote without one does not answer it, however close its words.
# A question may open with a conjunction or a setting before its question word: "And which …", "Nationally, which …".
_QUESTION_LEAD = r"^\s*(?:(?:and|but|also|so|or|then)\s+)?(?:[\w-]+(?: [\w-]+){0,3},\s*)?"
# "Do they recommend specific programs?" asks whether something is so (a finding), not what to recommend.
_YES_NO = re.compile(_QUESTION_LEAD + r"(?:do|does|did|is|are|was|were|has|have)\b(?! there\b)", re.I)
_HOW_MUCH = re.compile(
    _QUESTION_LEAD
    + r"(?:how (?:many|much|far|often|long|large|big|common)|what (?:share|percentage|proportion|number))\b",
    re.I,
)
# "How far did use of preventive services fall?" asks for the size of a change: a share, a rate ratio, "by 12",
# "from 40 to 25", not any number ("among over 30 million patients … declined" says only that it fell).
_CHANGE_ASKED = re.compile(
    r"^\s*how (?:far|much)\b[^?]{0,120}?\b(?:fall|fell|drop(?:ped)?|decline[sd]?|rise|rose|increased?|decreased?|"
    r"change[sd]?|grow|grew|shr[ai]nk|go (?:up|down)|come back|recover(?:ed)?)\b",
    re.I,
)
_A_CHANGE = re.compile(
    r"\d+(?:\.\d+)?\s?(?:%|percent|percentage points?)|\bby (?:about |nearly |almost |more than |over )?\d|"
    r"\b\d+(?:\.\d+)?[- ]?(?:fold|times)\b|\bfrom \d[^.]{0,40}?\bto \d|\b(?:half|a third|a quarter|doubled|"
    r"tripled|halved)\b",
    re.I,
)
_WHICH_GROUPS = re.compile(
    _QUESTION_LEAD
    + r"(?:which|who|what) (?:[\w-]+ ){0,2}?(?:groups?|residents|students|people|patients|populations?|adults|"
    r"children|women|men|places|areas|counties|communities|neighbou?rhoods)\b|"
    + _QUESTION_LEAD
    + r"(?:who|where)\b",
    re.I,
)
# A figure: a number that is not a year, or a share in words ("more than half", "one in four").
_A_FIGURE = re.compile(
    r"\b(?!(?:19|20)\d\d\b)\d[\d,.]*|\b(?:half|one in \w+|a third|a quarter|majority|minority)\b", re.I
)
_GROUPS_COMPARED = re.compile(
    r"\b(?:more|less|most|least|higher|lower|highest|lowest|greater|fewer) (?:[\w-]+ ){0,6}?(?:than|among|in|for|were|was)\b|"
    r"\b(?:states|counties|regions|areas|places|groups|neighbou?rhoods) with the (?:highest|lowest|most|least|greatest)\b|"
    r"\b(?:disparit\w*|more likely|less likely|odds|compared with|differ\w*|related to|associated with|linked to|"
    r"risk factors?)\b|\b(?:increase[sd]?|decrease[sd]?|rose|fell)\b[^.]{0,80}\bamong\b",
    re.I,
)
# Which way groups differ: "higher among women", "less likely", "the most affected", "reduced odds".
_DIRECTION = re.compile(
    r"\b(?:more|less|most|least|higher|lower|highest|lowest|greater|fewer|greatest|increased|reduced|worse|"
    r"better|larger|smaller|decreased|declined|dropped)\b",
    re.I,
)
_GROUP_WORDS = re.compile(
    r"\b(?:Black|White|Hispanic|Latin[oax]|Asian|American Indian|women|men|male|female|girls|boys|older|younger|"
    r"aged?|rural|urban|low-income|lower income|higher income|income|insured|uninsured|disabilit\w*|veterans|"
    r"students|children|adolescents|adults|counties|neighbou?rhoods|states|regions?|sex|age|education|race|"
    r"ethnicity)\b",
    re.I,
)


# "Is trouble paying for heating linked to diabetes?" asks for an association, not for how common either one is.
_LINK_ASKED = re.compile(
    r"^\s*(?:is|are|was|were|does|do)\b[^?]{0,120}\b(?:linked|associated|related|tied|connected)\b", re.I
)
_A_LINK = re.compile(
    r"(?<!-)\b(?:associat\w*|linked|related|correlat\w*|odds|more likely|less likely|predict\w*|risk of)\b",
    re.I,
)


# "How well do such records match survey estimates?" asks how two measures compare.
_AGREEMENT_ASKED = re.compile(
    r"\bhow (?:well|closely) (?:do|does|did)\b[^?]{0,120}\b(?:match|agree|compare)", re.I
)
_AN_AGREEMENT = re.compile(
    r"\b(?:similar|consistent|compar\w+|agree\w*|match\w*|correlat\w*|differ\w*|within \d|higher than|lower than|"
    r"overestimat\w*|underestimat\w*)\b",
    re.I,
)


def _fits(question: str, quote: str) -> bool:
    """Return True when the quote is the kind of answer the question asks for (a figure, groups compared, a link)."""
    if _LINK_ASKED.search(question) and not _A_LINK.search(quote):
        return False
    if _AGREEMENT_ASKED.search(question) and not _AN_AGREEMENT.search(quote):
        return False
    wants_figure = bool(_HOW_MUCH.search(question))
    wants_groups = bool(_WHICH_GROUPS.search(question))
    # "higher among high school students (42.1%; 95% CI, …) than middle school …": asides do not hide it.
    plain = _ASIDE.sub("", quote)
    has_groups = bool(_GROUPS_COMPARED.search(plain) and _GROUP_WORDS.search(plain))
    return (not wants_figure or bool(_A_FIGURE.search(quote))) and (not wants_groups or has_groups)


def _answers(question: str, quote: str) -> bool:
    """Return True when a sentence of the quote is a finding of the kind the question asks for."""
    return answer_sentence(question, quote, strict=True) != ""


def answer_sentence(question: str, quote: str, strict: bool = False) -> str:
    """Return the sentence of a quote that answers the question: the first of the kind it asks for (a figure,
    groups compared) that is a finding; the quote's first sentence when none is ("" with ``strict``)."""
    plain = _CITATION_MARK.sub("", quote).strip()
    sentences = [plain[a:b] for a, b in sentence_spans(plain)] or [plain]
    for sentence in sentences:
        # A list item's number ("55.") split off as a sentence of its own answers nothing.
        if len(sentence.split()) >= 3 and _fits(question, sentence) and not not_a_finding(sentence):
            return sentence
    return "" if strict else next((x for x in sentences if len(x.split()) >= 3), plain)


def group_answers(question: str, evidence: list[Evidence], most: int = 2) -> list[Evidence]:
    """Return the quotes that compare groups, for a "which residents / who …?" question, findings first.

    Such a question is answered by a finding that names who fared better or worse ("women lacking health
    insurance coverage had reduced odds of being up to date"), whatever its other words.
    """
    if not _WHICH_GROUPS.search(question):
        return []
    found = [e for e in evidence if e.role is not Role.RECOMMENDATION and _answers(question, e.quote)]
    return sorted(found, key=lambda e: -e.confidence)[:most]


_STEM_END = re.compile(r"(?:ing|ed|es|s)$")


def _words(text: str) -> set[str]:
    return {
        _STEM_END.sub("", w) if len(w) > 4 else w
        for w in (m.lower().rstrip("-") for m in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text))
        if w not in ASKING and w not in WEAK
    }


def _asked_about(prompt: str, subjects: list[str]) -> str:
    """Return what the member asked about in their own words: the sentence of the prompt that holds most of the
    subjects' words ("Our city is writing its first extreme heat action plan …"), or "" when none is short
    enough to quote."""
    wanted = _words(" ".join(subjects))
    text = " ".join(prompt.split())
    best = max(
        (text[a:b] for a, b in sentence_spans(text)), key=lambda x: len(wanted & _words(x)), default=""
    )
    if best and wanted & _words(best) and len(best.split()) <= 40:
        return best if best[-1] in ".?!" else best + "."
    return ""


def _looked_for(subjects: list[str]) -> str:
    """Return the subjects as what was looked for: “free gun locks” and “safe storage”."""
    named = [f"“{s}”" for s in subjects]
    return " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)


def _ended(text: str) -> str:
    """Return the text with a full stop, unless a quoted sentence already ends it (“… stays.”)."""
    return text if re.search(r"[.!?…][”’\"]?$", text) else text + "."


def _sentence(quote: str) -> str:
    """Return a quote's first sentence in quotation marks (cut at SENTENCE_WORDS * 2 words)."""
    parts = re.split(r"(?<=[.!?])\s+", _CITATION_MARK.sub("", quote).strip())
    first = next((p for p in parts if len(p.split()) >= 3), parts[0])  # not a list item's number ("55.")
    words = first.split()
    return f"“{' '.join(words[: SENTENCE_WORDS * 2])}{'…' if len(words) > SENTENCE_WORDS * 2 else ''}”"


# The words the summary's own sentences use; the checks do not count them as topics of the brief.
TEMPLATE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """have produced anything this yes earlier products subject delivered brief product before first library
    holds nothing none articles reports briefs about quotes source sources rather than quote ones other subjects
    next steps where look instead evidence accepted request yet findings review suggested quotes then draft again
    what helps though asked decision yours found main speaks most only thin beyond deciding mainly about obstacles point gets way report names facilitator barrier costs such
    work answers directly covers quoted under background research rest listed further reading covered
    scanned service's searches participants reported authors concluded here come factors named measured how much each one
    matters result""",
    )
)
