"""Factor phrases: the short items of barrier and facilitator tables.

Tables and theme lists name their factors in a few words ("High staff turnover", "Trusted community
messengers", "Lack of broadband", "Reduced stigma", "Champion left the agency"), often with no cue
phrase a sentence would carry. Their role is the polarity of what they name, read compositionally:

* a *good thing* (trust, leadership, funding, training) counts for the facilitator, a *bad thing* (cost,
  stigma, turnover, paperwork) for the barrier;
* a *raiser* before it (strong, adequate, more, expanded) keeps its sign and a *lowerer* (lack of,
  limited, low, reduced, overcoming) turns it: "Low cost" helps, "Low trust" hinders. A verb after it
  can turn it too ("Funding ended", "Champion left");
* an *evaluative* word carries its own sign ("trusted", "flexible", "unclear", "siloed"), and so does a
  lowerer or an evaluative raiser that modifies nothing the lexicon knows ("Inconsistent enforcement",
  "Dedicated coordinator");
* a phrase that starts with a bare verb ("Offer evening classes") is a suggestion, not a factor.

Only texts shaped like a table item are read this way (``is_factor_phrase``): at most a dozen words or
so, no auxiliary verb or pronoun subject, not a number or a table stub. Running sentences keep the cue
lexicon and the model, which were built for them.
"""

from __future__ import annotations

import re

from researchdesk.models import Role

MAX_WORDS = 14
CLAUSE_MAX_WORDS = 20
SHORT_WITH_STOP = 5
# How far back (in words) a raiser or lowerer reaches to the noun it modifies; how far on a verb.
REACH = 4
REACH_AFTER = 2
# The polarity a phrase needs for a role: one clear factor word (a leaning noun alone weighs 0.5).
DECIDES = 1.0

_WORD = re.compile(r"[a-z]+(?:[-'’][a-z]+)*")
# An auxiliary or a subject makes a clause, which the sentence classifier reads.
_CLAUSE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|am|has|have|had|do|does|did|will|would|should|could|can|"
    r"may|might|must|shall|i|we|they|he|she|you|it|there|this|these|those|because|if|when)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")
_ACRONYM = re.compile(r"\b[A-Z]{2,}s?\b")  # "IT support", "IS staff": not pronouns or verbs
_TABLE_STUB = re.compile(r"[%$=]|\bno\.\s|\bn\s*\(|\(\s*n\s*=|\bmean\b|\bmedian\b|\bsd\b|\d", re.IGNORECASE)
_CULTURALLY = re.compile(r"\bculturally (appropriate|relevant|tailored|responsive|specific)\b", re.IGNORECASE)


def _words(text: str, weight: float = 1.0) -> dict[str, float]:
    return dict.fromkeys(text.split(), weight)


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Things whose presence helps (+) or hinders (-) the work; 0.5 for nouns that only lean.
GOOD: dict[str, float] = {
    **_words(
        "support supports trust relationship relationships partnership partnerships collaboration "
        "collaborations coordination leadership champion champions buy-in commitment engagement "
        "involvement capacity training trainings assistance mentoring mentorship mentor mentors "
        "knowledge expertise skills experience awareness literacy motivation interest willingness "
        "enthusiasm flexibility autonomy ownership alignment consensus credibility visibility "
        "incentive incentives integration continuity stability transparency momentum networks network "
        "connections cohesion navigators navigator advocates advocacy allies endorsement endorsements "
        "recognition reputation familiarity convenience proximity synergy synergies legitimacy "
        "accountability coaching guidance sponsorship cooperation teamwork communication acceptance "
        "acceptability feasibility adaptability compatibility interoperability usability sustainability "
        "coverage reimbursement wages salaries benefits confidence empowerment readiness responsiveness "
        "ease clarity consistency reliability success successes uptake adherence compliance"
    ),
    **_words(
        "funding funds resources staff staffing time access availability infrastructure feedback "
        "partners coalition coalitions leaders participation tools toolkit toolkits materials grants "
        "grant will input evidence agreements agreement",
        0.5,
    ),
}
BAD: dict[str, float] = {
    **_words(
        "cost costs burden burdens workload workloads caseload caseloads turnover burnout stigma "
        "mistrust distrust fear fears concern concerns confusion misinformation misconception "
        "misconceptions resistance opposition pushback reluctance hesitancy skepticism scepticism apathy "
        "fatigue isolation complexity bureaucracy paperwork delay delays barrier barriers challenge "
        "challenges problem problems obstacle obstacles gap gaps shortage shortages silos turf conflict "
        "conflicts tension tensions restriction restrictions preemption inequity inequities "
        "discrimination racism poverty instability uncertainty disruption disruptions interruption "
        "interruptions difficulty difficulties limitation limitations constraint constraints waitlist "
        "waitlists hardship hardships lag lags duplication stress misalignment disconnect liability "
        "tokenism polarization criminalization no-shows attrition dropout absenteeism vacancies "
        "vacancy freeze freezes cuts layoffs loss losses risk risks threat threats errors error "
        "inaccuracies backlog backlogs bias racism harassment violence crime insecurity unemployment "
        "homelessness eviction evictions displacement gentrification inertia bottlenecks bottleneck "
        "overload overcrowding noncompliance non-compliance misuse"
    ),
    **_words("issues issue transportation requirements competition priorities politics distance", 0.5),
}
# Raisers keep a noun's sign; the evaluative ones also count on their own (+1).
RAISERS = _set(
    "high higher increased increasing more greater expanded expanding improved improving enhanced "
    "strengthened growing added extra additional"
)
GOOD_RAISERS = _set(
    "strong stronger adequate sufficient ample dedicated ongoing sustained consistent reliable "
    "established regular frequent continued good effective clear shared mutual robust deep extensive "
    "broad active enough stable long-term committed secure timely early existing"
)
# Lowerers turn a noun's sign; all but the remedies also count on their own (-1).
LOWERERS = _set(
    "low lower lack lacking lacked lacks limited little less reduced insufficient inadequate poor weak "
    "no absence absent few fewer loss lost minimal declining decreased inconsistent unreliable unstable "
    "short-term uncertain without infrequent short slow delayed missing unclear inequitable unequal "
    "disappearing shrinking"
)
REMEDIES = _set(
    "reducing reduce overcoming overcome addressing address eliminating eliminated removing removed "
    "minimizing mitigating lowering lowered decreasing avoiding avoided prevented preventing filled "
    "filling closed closing bridged bridging"
)
# Verbs after a good thing that take it away ("Funding ended", "Champion left the agency").
TAKEN_AWAY = _set(
    "left leaving departed ended ending expired lapsed cut eliminated declined dropped withdrew withdrawn "
    "stalled waned faded dried lost ceased"
)
# Words that judge whatever they describe.
GOOD_WORDS: dict[str, float] = _words(
    "trusted trusting flexible easy easier simple convenient tailored tailoring supportive collaborative "
    "coordinated integrated aligned engaged motivated enthusiastic skilled experienced knowledgeable "
    "credible transparent responsive accessible affordable familiar positive successful helpful useful "
    "co-located co-location user-friendly free low-cost no-cost culturally-appropriate "
    "culturally-relevant culturally-tailored culturally-responsive culturally-specific leveraging "
    "leveraged bilingual multilingual interoperable favorable favourable manageable adaptable "
    "competitive respected trusted-messenger well-trained well-designed well-established "
    "enabled enabling allowed helped improved strengthened streamlined simplified boosted fostered "
    "empowered motivating inclusive equitable sustainable proactive willing visible"
)
BAD_WORDS: dict[str, float] = _words(
    "unclear confusing complex complicated burdensome time-consuming costly expensive inflexible rigid "
    "restrictive fragmented siloed duplicative outdated incompatible inaccessible unaffordable "
    "unavailable overwhelmed overburdened understaffed underfunded under-resourced underresourced "
    "negative conflicting competing difficult hard unsupportive unwilling unmet cumbersome unsafe "
    "unreliable inconsistent infrequent prohibitive onerous punitive hostile reluctant resistant "
    "opposed skeptical sceptical distrustful stigmatizing stigmatized unaware untrained inexperienced "
    "refused refusing rejected rejecting blocked blocking hampered hindered undermined undermining "
    "prevented delayed opposed resisted feared stalled disrupted interrupted restricted discouraged "
    "excluded ignored overlooked lengthy too"
)
# A phrase that starts with one of these, not followed by a preposition, tells what to do.
IMPERATIVES = _set(
    "provide offer expand include increase develop create ensure consider use build engage establish "
    "hire train fund adopt require invest align integrate share conduct improve strengthen continue "
    "explore prioritize implement encourage promote identify add hold extend allow reduce make "
    "designate revise adapt translate partner clarify streamline simplify recruit"
)
_PREPOSITION = _set("of from for to by among with and in at on between across within as")


def is_factor_phrase(text: str) -> bool:
    """Return True for a short text shaped like a table's item ("Lack of trust", "Funding ended")."""
    stripped = text.strip()
    words = _WORD.findall(stripped.lower())
    if not words or len(words) > MAX_WORDS or stripped.endswith(("?", ":")):
        return False
    if stripped.endswith("."):
        # Table items rarely end with a full stop; beyond a few words one usually closes a sentence.
        if len(words) > SHORT_WITH_STOP:
            return False
        stripped = stripped.rstrip(".")
    if _CLAUSE.search(_ACRONYM.sub("", stripped)) or _TABLE_STUB.search(stripped):
        return False
    # A second sentence inside makes it prose, not a factor.
    return "." not in stripped


def is_table_clause(text: str) -> bool:
    """Return True for a short clause written as a table item: no full stop, not a factor phrase.

    "Staff are stretched thin", "We never knew who to call": a subject and a verb, but set down as an
    item. Bracketed notes ("[A text version of this figure is available.]") are not items.
    """
    stripped = text.strip().strip("\"“”'‘’").strip()
    words = _WORD.findall(stripped.lower())
    if not words or len(words) > CLAUSE_MAX_WORDS or stripped.startswith(("[", "(")):
        return False
    if stripped.endswith((".", "?", "!", ":", ";", "]", ")")) or _SENTENCE_BREAK.search(stripped):
        return False
    return not is_factor_phrase(stripped) and not _TABLE_STUB.search(stripped)


def is_table_item(text: str) -> bool:
    """Return True for a text the phrase head may read: a factor phrase or a table clause, with no
    final full stop (table cells seldom end with one; captions and short sentences do: "Smoking.")."""
    stripped = text.strip()
    return (is_factor_phrase(stripped) and not stripped.endswith(".")) or is_table_clause(stripped)


def is_suggestion(text: str) -> bool:
    """Return True when the phrase starts with a bare verb ("Offer classes in the evening")."""
    words = _WORD.findall(text.lower())
    return len(words) >= 2 and words[0] in IMPERATIVES and words[1] not in _PREPOSITION


def polarity(text: str) -> tuple[float, list[str]]:
    """Return the phrase's polarity (> 0 facilitator, < 0 barrier) and the words behind it."""
    words = _WORD.findall(_CULTURALLY.sub(r"culturally-\1", text.lower()))
    total = 0.0
    reasons: list[str] = []
    used: set[int] = set()
    head: int | None = None
    for i, word in enumerate(words):
        weight = GOOD.get(word, 0.0) - BAD.get(word, 0.0)
        if not weight:
            continue
        if weight > 0 and i + 1 < len(words) and BAD.get(words[i + 1], 0.0) >= 1.0:
            continue  # the bad noun after it heads the compound ("literacy gaps", "staff shortages")
        if head is not None and any(w in _PREPOSITION for w in words[head + 1 : i]):
            continue  # the complement of a factor already read ("Barriers to engagement")
        weight, how = _modified(words, i, weight, used)
        total += weight
        reasons.append(how)
        head = i if head is None else head
    for i, word in enumerate(words):
        if i in used:
            continue
        own = GOOD_WORDS.get(word, 0.0) - BAD_WORDS.get(word, 0.0)
        if not own and word in LOWERERS and word != "no":  # a bare "no" is common ("yes or no")
            own = -1.0
        elif not own and word in GOOD_RAISERS:
            own = 1.0
        if own:
            total += own
            reasons.append(f"'{word}'")
    return total, reasons


def _modified(words: list[str], i: int, weight: float, used: set[int]) -> tuple[float, str]:
    """Return the weight of the factor noun ``words[i]`` after its modifiers, and how it was read."""
    word = words[i]
    sign = 1.0 if weight > 0 else -1.0
    for j in range(i - 1, max(-1, i - 1 - REACH), -1):
        modifier = words[j]
        if modifier in LOWERERS or modifier in REMEDIES:
            turned = -sign  # "Lack of trust", "Low cost", "Overcoming stigma"
        elif modifier in RAISERS or modifier in GOOD_RAISERS:
            turned = sign
        elif modifier in GOOD_WORDS or modifier in BAD_WORDS:
            # A judging word says which way it went: "Manageable caseloads", "Unsupportive leadership".
            turned = 1.0 if modifier in GOOD_WORDS else -1.0
        else:
            continue
        used.add(j)
        # A modified leaning noun is a clear factor ("Lack of funding", "Dedicated staff").
        return turned * max(1.0, abs(weight)), f"'{modifier} … {word}'"
    for j in range(i + 1, min(len(words), i + 1 + REACH_AFTER)):
        if words[j] in TAKEN_AWAY and sign > 0:
            used.add(j)
            return -max(1.0, abs(weight)), f"'{word} … {words[j]}'"
    return weight, f"'{word}'"


def phrase_role(text: str) -> tuple[Role | None, float, list[str]]:
    """Return the role a factor phrase takes (None when it is neutral), its polarity and the reasons.

    A phrase telling what to do is a recommendation whatever its polarity.
    """
    if is_suggestion(text):
        return Role.RECOMMENDATION, 0.0, [f"starts with the verb '{_WORD.findall(text.lower())[0]}'"]
    value, reasons = polarity(text)
    if value >= DECIDES:
        return Role.FACILITATOR, value, reasons
    if value <= -DECIDES:
        return Role.BARRIER, value, reasons
    return None, value, reasons
