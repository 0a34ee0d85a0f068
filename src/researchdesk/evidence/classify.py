"""Role classification of a quote: barrier, facilitator, definition, example, statistic, research gap,
recommendation or context, with a confidence and the cues that led to it.

The classifier is a weighted cue lexicon (``cues.py``) read with a little sentence structure:

* negation — a facilitator cue in the scope of "lack of", "without", "unable to", "lost" ... counts for
  the barrier ("lack of a champion", "lost their policy champion");
* remedies — a barrier cue after "overcome", "address", "reduce" ... no longer counts as a barrier
  ("helped communities overcome barriers" is a facilitator);
* contrast — the clause after "but"/"however" weighs more, an "although"/"despite" clause less;
* numbers — percentages, "16 of 18", test statistics make a finding a statistic unless a strong cue says more.

A short table item with no clause ("High staff turnover", "Trusted messengers") is a *factor phrase*:
its polarity decides (``phrases.py``: good and bad things, the words that raise, lower or judge them).

A small trained model (``model.py``: logistic regression over the cue scores and hashed words, weights
shipped in the package) then settles barrier / facilitator / other for sentences: it may promote a
sentence the cues leave without a role and veto a cue decision it finds unlikely (``combine``). Table
items no word decides go to the phrase head (``phrase_model.py``: the search's MiniLM embedding and a
shipped logistic regression). ``classify_cues`` is the two lexicons alone. Sentences need only Python,
regular expressions and NumPy (thousands per second); nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np

from researchdesk.evidence.cues import (
    CONCESSIVE,
    CONTRAST_AFTER,
    ENGLISH_WORDS,
    NEGATORS,
    NOT_ONLY,
    NUMBER,
    PRESCRIBES,
    REMEDIES,
    ROLE_PAIR,
    STAT_REGEX,
    STRONG_REMEDIES,
    find_cues,
)
from researchdesk.evidence.model import default_model
from researchdesk.evidence.phrase_model import default_head, phrase_vectors
from researchdesk.evidence.phrases import is_factor_phrase, is_table_clause, is_table_item, phrase_role
from researchdesk.ingest.segment import sentence_spans
from researchdesk.models import Classification, Role

# Scores at or above this make a role a candidate; below it a sentence is context.
THRESHOLD = 0.8
# How much the surrounding passage may add to a sentence's barrier/facilitator score.
CONTEXT_CAP = 0.4
LONG_TEXT = 2000

_CITATION = re.compile(r"\((?:\d+(?:[–,-]\d+)*,?\s?)+\)|\[\d+(?:[–,-]\d+)*\]")
_WORD = re.compile(r"[^\W\d_]+")
_NEAR_NEGATION = re.compile(r"\b(?:no|not|few|minimal|without|never)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)

# A table's own label names the role of its rows.
_TABLE_ROLES: list[tuple[re.Pattern[str], Role]] = [
    (
        re.compile(r"\b(?:barriers?|challenges?|obstacles?|hindrances?|constraints?|difficult\w*)\b", re.I),
        Role.BARRIER,
    ),
    (
        re.compile(
            r"\b(?:facilitat\w*|enablers?|successe?s?|strengths?|motivators?|drivers?|"
            r"lessons? learned)\b",
            re.I,
        ),
        Role.FACILITATOR,
    ),
    (re.compile(r"\b(?:suggest\w*|recommend\w*)\b", re.I), Role.RECOMMENDATION),
    (re.compile(r"\b(?:definitions?|glossary)\b", re.I), Role.DEFINITION),
]


def role_from_label(label: str) -> Role | None:
    """Return the role a table label names ("Barriers" → barrier), or None when it names none.

    A label naming both ("Barriers and facilitators") names none: the row must say which.
    """
    found = {role for pattern, role in _TABLE_ROLES if pattern.search(label or "")}
    return found.pop() if len(found) == 1 else None


def _clause_weights(text: str) -> list[tuple[int, int, float]]:
    """Return (start, end, weight) spans: contrast clauses weigh 1.3, concessive clauses 0.5."""
    spans: list[tuple[int, int, float]] = []
    last_contrast = None
    for m in CONTRAST_AFTER.finditer(text):
        last_contrast = m
    if last_contrast is not None and last_contrast.start() > 0:
        spans.append((0, last_contrast.start(), 0.8))
        spans.append((last_contrast.end(), len(text), 1.3))
    for m in CONCESSIVE.finditer(text):
        comma = text.find(",", m.end())
        end = comma if comma != -1 else len(text)
        # A concession at the end of a sentence ("..., although X") is an aside too.
        spans.append((m.start(), end, 0.5))
    return spans


def _weight_at(pos: int, spans: list[tuple[int, int, float]]) -> float:
    """Return the clause weight at ``pos``: a concession (0.5) wins over a contrast side (0.8 / 1.3)."""
    weight = 1.0
    for start, end, w in spans:
        if start <= pos < end:
            if w == 0.5:
                return w
            weight = w
    return weight


def _clause_of(pos: int, spans: list[tuple[int, int, float]]) -> tuple[int, ...]:
    """Return the indexes of the clause spans that hold ``pos`` (equal tuples = same clause)."""
    return tuple(i for i, (start, end, _) in enumerate(spans) if start <= pos < end)


def score(text: str) -> tuple[dict[Role, float], list[str]]:
    """Return per-role cue scores of ``text`` and the reasons (cue phrases) behind them."""
    scores: dict[Role, float] = dict.fromkeys(Role, 0.0)
    reasons: list[str] = []
    spans = _clause_weights(text)
    pairs = [(m.start(), m.end()) for m in ROLE_PAIR.finditer(text)]
    if pairs:
        reasons.append("names both roles ('" + text[pairs[0][0] : pairs[0][1]] + "'): read as topic")
    for cue_start, cue_end, cue in find_cues(text):
        if pairs and any(start <= cue_start < end for start, end in pairs):
            continue
        phrase = text[cue_start:cue_end]
        role, weight = cue.role, cue.weight
        window_start = max(0, cue_start - 45)
        before = NOT_ONLY.sub(lambda m: " " * len(m.group(0)), text[window_start:cue_start])
        if role is Role.FACILITATOR:
            neg = NEGATORS.search(before)
            # A negation does not reach across a clause boundary ("Although funding was limited, strong ...").
            if neg and _clause_of(window_start + neg.start(), spans) != _clause_of(cue_start, spans):
                neg = None
            if neg:
                role, weight = Role.BARRIER, max(weight, 0.8)
                phrase = (
                    f"{neg.group(0).split()[0]} … {phrase}"
                    if len(neg.group(0)) > 20
                    else neg.group(0) + phrase
                )
        elif role is Role.BARRIER:
            near = _NEAR_NEGATION.search(before)
            remedy = REMEDIES.search(text[max(0, cue_start - 80) : cue_start])
            if remedy and STRONG_REMEDIES.search(remedy.group(0)):
                role, weight = Role.FACILITATOR, 1.0
                phrase = f"{remedy.group(0).split()[0]} … {phrase}"
            elif near or remedy:
                reasons.append(f"'{phrase}' discounted ({(near or remedy).group(0).split()[0]})")  # type: ignore[union-attr]
                continue
        weight *= _weight_at(cue_start, spans)
        scores[role] += weight
        reasons.append(f"{role.value}: '{phrase.strip()}'")
    plain = _CITATION.sub("", text)
    stat_hits = len(STAT_REGEX.findall(plain))
    numbers = len(NUMBER.findall(plain))
    scores[Role.STATISTIC] = stat_hits + 0.15 * min(numbers, 6)
    if stat_hits:
        reasons.append(f"statistic: {stat_hits} numeric finding(s)")
    return scores, reasons


def _is_english(text: str) -> bool:
    words = _WORD.findall(text)
    letters = "".join(words)
    if not letters:
        return False
    ascii_share = sum(1 for c in letters if c.isascii()) / len(letters)
    if ascii_share < 0.7:
        return False
    if len(words) >= 8:
        common = sum(1 for w in words if w.lower() in ENGLISH_WORDS)
        return common / len(words) >= 0.08
    return True


def _confidence(best: float, runner_up: float) -> float:
    value = 0.5 + 0.45 * (1.0 - math.exp(-max(0.0, best - 0.5 * runner_up)))
    return round(min(0.95, max(0.35, value)), 3)


def _early(text: object, table_label: str) -> tuple[str, Classification | None]:
    """Return the stripped text and, for input the lexicon and model do not read, its classification."""
    stripped = (text if isinstance(text, str) else str(text)).strip()
    if not stripped:
        return stripped, Classification(Role.CONTEXT, 0.0, "empty text")
    label_role = role_from_label(table_label)
    if label_role is not None:
        _, reasons = score(stripped[:LONG_TEXT])
        extra = f"; cues: {', '.join(reasons[:4])}" if reasons else ""
        return stripped, Classification(label_role, 0.9, f"table label {table_label.strip()!r}{extra}")
    if not _is_english(stripped):
        return stripped, Classification(Role.CONTEXT, 0.1, "not English prose (no role cues read)")
    return stripped, None


def _cue_reading(stripped: str, context: str) -> tuple[dict[Role, float], list[str], Classification]:
    """Return the sentence's own cue scores, the cue reasons and the cue-only classification."""
    own, reasons = score(stripped)
    scores = dict(own)
    if context and context.strip() != stripped:
        ctx_scores, _ = score(context[:LONG_TEXT])
        for role in (Role.BARRIER, Role.FACILITATOR):
            nudge = min(CONTEXT_CAP, 0.15 * ctx_scores[role])
            if nudge > 0 and scores[role] > 0:
                scores[role] += nudge
    role, reason_head = decide(scores)
    others = sorted((v for r, v in scores.items() if r is not role), reverse=True)
    best = scores[role] if role is not Role.CONTEXT else 0.0
    confidence = (
        _confidence(best, others[0] if others else 0.0)
        if role is not Role.CONTEXT
        else (0.45 if not reasons else 0.35)
    )
    if len(stripped) > LONG_TEXT:
        confidence = min(confidence, 0.3)
        reason_head += f"; long text ({len(stripped):,} characters), not a quote-sized passage"
    reason = reason_head + (f" — {'; '.join(reasons[:6])}" if reasons else "")
    return own, reasons, Classification(role, confidence, reason)


def _factor_reading(
    stripped: str, cues: Classification, head: bool = False, vector: np.ndarray | None = None
) -> Classification | None:
    """Return the role of a table-style factor phrase ("Lack of trust"), or None for other texts.

    The phrase's polarity (``phrases.py``) decides; where it is neutral, a barrier or facilitator cue
    does, and then (with ``head``) the phrase head (``_head_reading``). The sentence model does not apply.
    """
    if not is_factor_phrase(stripped):
        return None
    role, value, why = phrase_role(stripped)
    if role is not None:
        confidence = _confidence(abs(value), 0.0)
        return Classification(role, confidence, f"factor phrase, {role.value}: {', '.join(why[:5])}")
    if cues.role in (Role.BARRIER, Role.FACILITATOR) or not head or not is_table_item(stripped):
        return cues if cues.role in (Role.BARRIER, Role.FACILITATOR) else None
    return _head_reading(stripped, cues, "factor phrase", vector)


def _head_reading(
    stripped: str, otherwise: Classification, kind: str, vector: np.ndarray | None
) -> Classification | None:
    """Return the phrase head's reading of a table item (``otherwise``'s role when it finds none), or
    None when no embedder is available. ``vector`` is the item's embedding when already computed."""
    if vector is None:
        vectors = phrase_vectors([stripped])
        if vectors is None:
            return None
        vector = vectors[0]
    model = default_head()
    row = model.probabilities(vector[None, :])[0]
    example, label = model.nearest(vector)
    shown = (
        f"phrase model: p(barrier)={row[0]:.2f}, p(facilitator)={row[1]:.2f}; "
        f"nearest labelled example: {example!r} ({label})"
    )
    decided = model.decide(row)
    if decided == "other":
        return Classification(otherwise.role, otherwise.confidence, f"{kind}, no role; {shown}")
    return Classification(
        Role(decided), round(min(0.9, float(max(row[:2]))), 3), f"{kind}, {decided} by the {shown}"
    )


def classify_cues(text: str, context: str = "", table_label: str = "") -> Classification:
    """Return the role of ``text`` by the lexicons alone, with a confidence and the cue phrases behind it.

    This is the classifier without the trained models (sentence model and phrase head), kept callable so ``benchmarks/evidence.py`` can
    compare the two. Arguments and bad-input handling are those of ``classify``.
    """
    stripped, early = _early(text, table_label)
    if early is not None:
        return early
    cues = _cue_reading(stripped, context)[2]
    return _factor_reading(stripped, cues) or cues


def needs_phrase_head(text: str) -> bool:
    """Return True for a table item that nothing but the phrase head gives a role to.

    That is a table item (``phrases.is_table_item``): a factor phrase neither the phrase lexicon nor a
    cue decides, or a short clause ("Staff are stretched thin") that the sentence reading calls neither
    barrier nor facilitator.
    """
    stripped = text.strip()
    if not is_table_item(stripped):
        return False
    if is_table_clause(stripped):
        return _classify(stripped, "", "", head=False).role not in (Role.BARRIER, Role.FACILITATOR)
    if phrase_role(stripped)[0] is not None:
        return False
    return sentence_cues(stripped).role not in (Role.BARRIER, Role.FACILITATOR)


def sentence_cues(text: str) -> Classification:
    """Return the cue lexicon's reading of ``text`` as a sentence, without the factor-phrase reading.

    The trained model's thresholds were chosen against this reading (``benchmarks/train_roles.py``):
    ``classify`` applies the model only where a text is not a factor phrase with a polarity.
    """
    stripped, early = _early(text, "")
    return early if early is not None else _cue_reading(stripped, "")[2]


def combine(cue_role: Role, p: Mapping[str, float], promote: float, veto: float) -> Role | None:
    """Return barrier or facilitator as the cues and the model together decide, or None for other.

    A barrier/facilitator by the cues stands unless p(other) >= ``veto``; any other sentence becomes the
    model's more likely of barrier/facilitator when that probability reaches ``promote``.
    """
    if cue_role in (Role.BARRIER, Role.FACILITATOR):
        return cue_role if p["other"] < veto else None
    best = max(("barrier", "facilitator"), key=lambda k: p[k])
    return Role(best) if p[best] >= promote else None


def classify(text: str, context: str = "", table_label: str = "") -> Classification:
    """Return the role of ``text`` with a confidence in 0..1 and the reason (cue phrases, model) behind it.

    Barrier / facilitator / other comes from the cue lexicon and the trained model together (``combine``,
    ``model.py``; its two thresholds were chosen on the training sentences only and ship with the
    weights). The other roles (statistic, recommendation, definition, ...) come from the cues.

    ``context`` (the surrounding passage) nudges a sentence whose own cues are weak; ``table_label`` (a
    table's label for the row, e.g. "Barriers") decides when it names a role. Empty, non-English and
    non-text input gives role ``context`` with low confidence, never an exception.
    """
    found = _classify(text, context, table_label)
    if found.role is Role.RECOMMENDATION and not table_label and _names_recommendations(text):
        # "Counseling is lacking in … recommendations to engage in PA": about recommendations given, not one made.
        scores, _ = score(text)
        role, why = decide({**scores, Role.RECOMMENDATION: 0.0})
        # Nothing else read in it ("screening … aligned with screening recommendation age changes"): context.
        confidence = found.confidence if role is not Role.CONTEXT else min(found.confidence, CONTEXT_CAP)
        return Classification(role, confidence, f"speaks of recommendations, prescribes none; {why}")
    if found.role is Role.BARRIER and not table_label and _GOAL.match(text):
        # "Expand availability of barrier-free coverage", "Decrease disparities in …": an aim to pursue, which the
        # service files with what helps, not a barrier met.
        return Classification(
            Role.RECOMMENDATION, found.confidence, f"states an aim to pursue ({found.reason})"
        )
    if found.role in (Role.BARRIER, Role.FACILITATOR) and not table_label and _describes_program(text):
        return Classification(
            Role.EXAMPLE,
            EXAMPLE_CONFIDENCE,
            f"describes what a program did or offers, without saying it helped or hindered ({found.reason})",
        )
    return found


# "The campaign also ran through a partnership with …", "Intervention activities included …", "The program
# offers all 7 medications": what a program did is an example of practice; it is a facilitator only when
# the text says it helped (or a barrier when it says it got in the way).
_PROGRAM_DESCRIPTION = re.compile(
    r"^\s*(?:(?:in|during|for) (?:the |its |their )?[\w-]+ (?:run|year|phase|round|cycle|wave)s?,\s*)?"
    r"(?:(?:the|this|each|our|their|its|all)\s+)?(?:\w+\s+){0,2}?(?:campaign|program|programme|intervention|"
    r"initiative|project|coalition|grantees?|pilot|curriculum|toolkit|app|website|messaging|ads|activities|"
    r"services?|sessions?|classes)\s+(?:also\s+|then\s+|further\s+)?(?:ran|runs|included|includes|used|uses|"
    r"focused|focuses|offered|offers|provided|provides|featured|features|consisted|consists|comprised|"
    r"partnered|delivered|delivers|developed|covered|covers|involved|involves|targeted|targets|"
    r"(?:was|were|is|are) (?:delivered|implemented|launched|designed|developed|held|offered|conducted))\b",
    re.I,
)
# Words that say a described practice helped or hindered, or judge it.
_JUDGES = re.compile(
    r"\b(?:help\w*|key|success\w*|effective\w*|increas\w*|improv\w*|led to|lead to|associated|facilitat\w*|"
    r"critical|crucial|important|essential|enabl\w*|reduc\w*|rais\w*|boost\w*|strengthen\w*|barriers?|"
    r"challeng\w*|difficult\w*|hinder\w*|limit\w*|struggl\w*|lack\w*|unable|fail\w*|better|more likely|"
    r"less likely|promis\w*|valu\w*|benefit\w*)\b",
    re.I,
)
EXAMPLE_CONFIDENCE = 0.6
# A text that opens with a verb in the imperative ("Expand …", "Decrease disparities in …"): an aim or a step to
# take. "Increase in turnover …" (a noun) and "Reduced funding …" (a participle) do not match.
_GOAL = re.compile(
    r"^\s*(?:expand|decrease|increase|reduce|promote|ensure|improve|establish|develop|strengthen|provide|create|"
    r"implement|eliminate|prevent|address|build|engage|train|support|enhance|foster|prioriti[sz]e|adopt|invest)"
    r"\s+(?!in\b|of\b|on\b|to\b|for\b|was\b|were\b|is\b|are\b)",
    re.I,
)


def _names_recommendations(text: str) -> bool:
    """Return True for a text that speaks of recommendations (the noun) without prescribing anything itself."""
    return bool(re.search(r"\brecommendations?\b", text, re.I)) and not PRESCRIBES.search(text)


def _describes_program(text: str) -> bool:
    """Return True for a text that describes what a program did or offers and does not judge it."""
    return bool(_PROGRAM_DESCRIPTION.match(text)) and not _JUDGES.search(text)


def _classify(
    text: str, context: str, table_label: str, vector: np.ndarray | None = None, head: bool = True
) -> Classification:
    """Read ``text`` in this order: a table label, empty or non-English input; a factor phrase (its
    polarity, a cue, then the phrase head); a sentence (cues and model); then, when that finds no
    barrier or facilitator, a table clause by the phrase head or a text of several sentences sentence
    by sentence. ``head=False`` leaves the phrase head out; ``vector`` is the text's embedding if known.
    """
    stripped, early = _early(text, table_label)
    if early is not None:
        return early
    own, reasons, cues = _cue_reading(stripped, context)
    if len(stripped) > LONG_TEXT:
        return cues  # not a quote; the cue reading already says so and caps the confidence
    factor = _factor_reading(stripped, cues, head=head, vector=vector)
    if factor is not None:
        return factor
    sentence = _sentence_reading(stripped, own, reasons, cues)
    if sentence.role in (Role.BARRIER, Role.FACILITATOR):
        return sentence
    if head and is_table_clause(stripped):
        return _head_reading(stripped, sentence, "table item", vector) or sentence
    return _by_sentence(stripped, context, head) or sentence


def _by_sentence(stripped: str, context: str, head: bool) -> Classification | None:
    """Return the strongest barrier or facilitator reading among the sentences of a text of several.

    The sentence model and the cue thresholds were made for one sentence. Read whole, a quote of
    several can dilute the one sentence that states a barrier ("The program started in 2019. I couldn't
    commit to leaving the house."); ``classify`` asks this when the whole reading finds no barrier or
    facilitator. None for a single sentence, or when no sentence is a barrier or facilitator.
    """
    spans = sentence_spans(stripped)
    if len(spans) < 2:
        return None
    readings = [_classify(stripped[s:e], context, "", head=head) for s, e in spans]
    found = [(i, c) for i, c in enumerate(readings) if c.role in (Role.BARRIER, Role.FACILITATOR)]
    if not found:
        return None
    i, best = max(found, key=lambda item: item[1].confidence)
    return Classification(best.role, best.confidence, f"sentence {i + 1} of {len(spans)}: {best.reason}")


def _sentence_reading(
    stripped: str, own: dict[Role, float], reasons: list[str], cues: Classification
) -> Classification:
    """Return the cues and the sentence model's reading together (``combine``)."""
    model = default_model()
    p = model.predict_proba(stripped, own, decide(own)[0])
    shown = f"model: p(barrier)={p['barrier']:.2f}, p(facilitator)={p['facilitator']:.2f}"
    cue_part = f" — {'; '.join(reasons[:6])}" if reasons else ""
    decided = combine(cues.role, p, model.promote, model.veto)
    if decided is Role.BARRIER and cues.role is Role.RECOMMENDATION:
        decided = None  # what a sentence prescribes is what to do (Facilitators), whatever problem it names
    if decided is not None and decided is cues.role:
        confidence = round(min(0.95, 0.5 * cues.confidence + 0.5 * max(p[decided.value], 0.5)), 3)
        return Classification(decided, confidence, f"{cues.reason}; {shown}")
    if decided is not None:
        return Classification(
            decided, round(min(0.9, p[decided.value]), 3), f"{decided.value} by the model ({shown}){cue_part}"
        )
    if cues.role in (Role.BARRIER, Role.FACILITATOR):
        role, head = decide({**own, Role.BARRIER: 0.0, Role.FACILITATOR: 0.0})
        return Classification(
            role, round(min(0.9, p["other"]), 3), f"{head}; model overrules the cues ({shown}){cue_part}"
        )
    return Classification(cues.role, cues.confidence, f"{cues.reason}; {shown}")


def decide(scores: dict[Role, float]) -> tuple[Role, str]:
    """Return the role the cue scores alone give and a one-line account of the decision."""
    b, f = scores[Role.BARRIER], scores[Role.FACILITATOR]
    gap, rec, dfn = scores[Role.RESEARCH_GAP], scores[Role.RECOMMENDATION], scores[Role.DEFINITION]
    ex, stat = scores[Role.EXAMPLE], scores[Role.STATISTIC]
    bf_role = Role.BARRIER if b >= f else Role.FACILITATOR
    bf = max(b, f)
    if bf >= THRESHOLD and abs(b - f) >= 0.3:
        if gap >= 1.2 and gap >= bf:
            return Role.RESEARCH_GAP, "research-gap cues outweigh"
        # A sentence that prescribes ("should", "the need to") is a recommendation about the factor.
        if rec >= THRESHOLD and rec >= 0.6 * bf:
            return Role.RECOMMENDATION, "a recommendation about it"
        if dfn >= 1.2 and dfn >= bf:
            return Role.DEFINITION, "a definition"
        if stat >= 2.0 and bf < 1.5:
            return Role.STATISTIC, "a numeric finding with a weak role cue"
        return bf_role, f"{bf_role.value} cues {bf:.1f} vs {min(b, f):.1f}"
    ranked = [
        (gap, Role.RESEARCH_GAP, 1.2),
        (dfn, Role.DEFINITION, 1.2),
        (rec, Role.RECOMMENDATION, THRESHOLD),
        (stat, Role.STATISTIC, THRESHOLD),
        (ex, Role.EXAMPLE, THRESHOLD),
    ]
    eligible = [(value, role) for value, role, floor in ranked if value >= floor]
    if eligible:
        value, role = max(eligible, key=lambda item: item[0])
        return role, f"{role.value} cues {value:.1f}"
    if bf >= THRESHOLD:
        return Role.CONTEXT, f"barrier and facilitator cues balance ({b:.1f} vs {f:.1f})"
    return Role.CONTEXT, "no strong role cue"


def classify_many(texts: Iterable[str]) -> list[Classification]:
    """Return one classification per text, in order; a bad text gives role context, never an error.

    The table items the phrase lexicon leaves neutral are embedded in one batch.
    """
    items = list(texts)
    neutral = [i for i, t in enumerate(items) if isinstance(t, str) and needs_phrase_head(t)]
    found = phrase_vectors([items[i].strip() for i in neutral]) if neutral else None
    vectors = dict(zip(neutral, found, strict=True)) if found is not None else {}
    return [_classify(text, "", "", vectors.get(i)) for i, text in enumerate(items)]
