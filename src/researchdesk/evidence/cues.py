"""Cue lexicons for role classification: the phrases public-health and local-government writing uses
to say that something got in the way, helped, defined, counted, recommended or was not known.

Each cue is a regular expression (matched case-insensitively on word boundaries), a role and a weight.
Weights say how much one occurrence counts: 1.0 is a cue that alone makes the role likely ("lack of",
"instrumental"), 0.5 a cue that needs company ("success", "help"). Multi-word cues are listed so that the
longest cue at a position wins ("limited evidence" is a research gap, not a barrier).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from researchdesk.models import Role


@dataclass(frozen=True)
class Cue:
    pattern: str
    role: Role
    weight: float


B, F = Role.BARRIER, Role.FACILITATOR
GAP, REC, DEF = Role.RESEARCH_GAP, Role.RECOMMENDATION, Role.DEFINITION
EX, STAT = Role.EXAMPLE, Role.STATISTIC

_BARRIER: list[tuple[str, float]] = [
    (r"barriers?(?!-free)", 1.5),  # "barrier-free coverage" is the barrier removed
    (r"challeng(?:e|es|ed|ing)", 1.2),
    (r"obstacles?", 1.5),
    (r"impediments?", 1.5),
    (r"hinder(?:s|ed|ing)?|hindrances?", 1.5),
    (r"imped(?:e|ed|es|ing)", 1.2),
    (r"hamper(?:s|ed|ing)?", 1.5),
    (r"constrain(?:s|ed|ing)?|constraints?", 1.0),
    (r"difficult(?:y|ies)?", 1.2),
    (r"hard (?:to|for)", 1.0),
    (r"struggl(?:e|es|ed|ing)", 1.0),
    # "people who lack health insurance" names a group; "lack of access" is the barrier.
    (r"(?<!who )(?<!that )lack(?:s|ed|ing)?(?: of)?", 1.2),
    (r"insufficient(?:ly)?|inadequate(?:ly)?", 1.2),
    (r"shortages?|understaff(?:ed|ing)", 1.2),
    (r"(?:staff |high )?turnover", 1.2),
    (r"resignations?|resigned", 0.7),
    (r"vacanc(?:y|ies)|unfilled|not (?:been )?filled", 0.7),
    # "limited to" sets a scope; "limited consumption" is dietary advice, not a shortfall.
    (r"limited(?! (?:to|consumption|intake|use of)\b)", 1.0),
    (r"(?:less|lower|little|reduced) (?:capacity|time|funding|money|resources|staff(?:ing)?)", 1.0),
    (r"resistan(?:ce|t)|resisted", 1.2),
    (r"opposition|oppos(?:e|ed|es|ing)", 1.2),
    (r"push ?back", 1.2),
    (r"reluctan(?:t|ce)|hesitan(?:t|cy|ce)", 1.0),
    (r"skeptic(?:al|ism)|sceptic(?:al|ism)", 0.7),
    (r"mistrust|distrust", 1.0),
    (r"stigma(?:tized|tizing)?", 0.7),
    (r"fears?|feared", 0.5),
    (r"concerns? (?:about|over|that|regarding)", 0.5),
    (r"competing (?:priorities|demands|interests)", 1.2),
    (r"other priorities|priorities shift", 0.7),
    (r"time[- ]consuming", 1.0),
    (r"costly|expensive|high costs?|cost of", 0.7),
    (r"burdensome|administrative burden", 1.0),
    (r"preempt(?:ion|ed|s|ive)?|pre-empt(?:ion|ed|s)?", 1.5),
    (r"tobacco industry", 0.7),
    (r"industry (?:opposition|interference|influence|tactics|lobbying)", 1.2),
    (r"interference", 0.7),
    # "delays the onset of diabetes" is a health effect, not a hold-up.
    (r"delay(?:s|ed|ing)?(?! (?:the )?(?:onset|progression)\b)", 0.8),
    (r"interrupt(?:s|ed|ion|ions)?", 0.8),
    (r"disrupt(?:s|ed|ion|ions)?", 0.8),
    (r"unable to|not able to|could not|couldn['’]t|cannot|can['’]t|did not have|didn['’]t have", 0.8),
    (r"fail(?:ed|s|ure)? to", 1.0),
    (r"lost|loss of|losing", 0.7),
    (r"complex(?:ity)?|complicated", 0.8),
    (r"fragment(?:ed|ation)", 0.7),
    (r"unclear|confusion|confusing", 0.7),
    (r"not enough|too few|too little", 1.0),
    (r"burn ?out", 1.0),
    (r"unresponsive(?:ness)?", 1.0),
    (r"pulled in different directions|wear a lot of hats", 1.0),
    (r"affected (?:efforts|the ability|progress)", 0.8),
    (r"less successful|unsuccessful|not successful", 1.2),
    (r"did not (?:support|believe|pass)|didn['’]t (?:support|believe)", 0.8),
    (r"compounded", 0.7),
    (r"problems?|problematic", 0.5),
    (r"issues? with", 0.7),
    (r"(?:do|did|does)(?: not|n['’]t) want", 0.7),
    (r"no (?:time|funding|money|staff|resources|support)", 1.0),
    (r"there (?:is|was|are|were) only", 1.0),
    (r"only a (?:few|small|handful)", 0.5),
    (r"weak(?:ened|ness|nesses)?", 0.7),
    (r"gaps?", 0.5),
    (r"poor(?:ly)?", 0.5),
    # Added while reading errors on the training sentences (benchmarks/data/evidence_train.csv).
    (r"hard time|tough time", 1.0),
    (r"takes? (?:a lot of |much |more |considerable )?time|took (?:a lot of |much |more )?time", 0.8),
    (r"not (?:been )?feasible|infeasible", 1.0),
    (r"not without (?:\w+ )?(?:limitations|challenges|problems)", 1.2),
    (r"preclud(?:e|es|ed|ing)", 1.0),
    (r"inaccessible", 1.0),
    (r"unfamiliar", 0.8),
    (r"under-?fund(?:ed|ing)", 1.2),
    (r"silo(?:s|ed)", 0.7),
    (r"criticiz(?:e|ed|es|ing)|criticism", 0.8),
    (r"litigation|lawsuits?", 0.7),
    (r"drawbacks?|downsides?|shortcomings?", 1.2),
]

_FACILITATOR: list[tuple[str, float]] = [
    # "peer-facilitated sessions" describes a format, it does not credit a help.
    (r"(?<!-)facilitat(?:e|es|ed|ing|or|ors)", 1.5),
    (r"enabler?s?|enabl(?:ed|ing)", 1.0),
    (r"key (?:to|factors?|facilitators?|components?|drivers?|elements?|strateg(?:y|ies)|to success)", 1.5),
    (r"critical (?:to|for|part|component|role|factor)|(?:was|is|were|are) critical", 1.0),
    (r"instrumental", 1.5),
    (r"essential", 0.7),
    (r"importance of", 1.0),
    (
        r"important (?:to|for) (?:the )?(?:success|policymakers|decision-makers|passage|adoption|"
        r"implementation|sustainability|participants|participation)",
        1.0,
    ),
    (r"important (?:factors?|roles?|parts?|components?|facilitators?)", 1.0),
    (r"beneficial|benefit(?:t)?ed from", 1.0),
    (r"positive (?:effects?|impacts?|influences?|associations?) (?:on|with)", 1.2),
    (r"helped|helps|helpful", 1.0),
    (r"help(?:ing)?", 0.5),
    (r"motivat(?:e|ed|es|ing|ion|or|ors)", 1.0),
    (r"success(?:ful|fully|es)?", 0.5),
    (r"useful(?:ness)?", 1.0),
    (r"valued|value of", 1.0),
    (r"champion(?:s|ed|ing)?", 1.0),
    (r"buy-?in", 1.0),
    (r"partnerships?|partnering", 1.0),
    (r"collaborat(?:ion|ions|ive|ed|ing)", 0.5),
    (r"strong (?:leadership|leaders?|champions?|support|partnerships?|relationships?|community)", 1.5),
    (r"leadership", 0.5),
    (r"support(?:ed)? (?:from|by)|supportive", 1.0),
    (r"provided (?:\w+ ){0,4}support", 1.0),
    (r"trust(?:ed|ing)?", 0.7),
    (r"momentum|snowball(?:ed|ing)?", 0.7),
    (r"influenced by", 0.7),
    (r"engag(?:e|es|ed|ing|ement)", 0.5),
    # Too common to count alone; they matter when negated ("few interactions", "not connecting").
    (r"interact(?:s|ed|ing|ions?)?|connect(?:s|ed|ing|ions?)?|opportunit(?:y|ies)", 0.3),
    (r"commitment|committed", 0.7),
    (r"dedicated", 0.5),
    (r"leverag(?:e|ed|es|ing)", 0.7),
    (r"allies|ally", 0.5),
    (r"precedents?", 0.7),
    (r"institutionaliz(?:e|ed|es|ing|ation)", 1.0),
    (r"tailor(?:ed|ing)", 0.5),
    (r"buil(?:t|d|ding) on", 0.5),
    (r"contribut(?:ed|es) to (?:the )?(?:success|passage|adoption)", 1.0),
    (r"made possible|made it possible|allowed (?:us|them|the)", 1.0),
    (r"strengths?|assets?", 0.7),
    (r"worked well|works well", 1.0),
    (r"eye[- ]opener|eye[- ]opening", 0.7),
    (r"caring", 0.5),
    (r"strengthen(?:ed|ing)?", 0.5),
    # Added while reading errors on the training sentences (benchmarks/data/evidence_train.csv).
    (
        r"(?:play|plays|played|playing) an? (?:critical|crucial|key|important|pivotal|vital|central|major) role",
        1.5,
    ),
    (r"crucial|pivotal", 1.0),
    (r"can help", 1.0),
    (r"relied (?:heavily )?on|rely on|relying on", 0.7),
    (r"(?:were|was) fortunate|fortunately", 0.8),
    (r"(?:make|makes|made|making) (?:it |them |data |this )?(?:\w+ )?easier", 1.0),
    (r"benefits? from|(?:a|one|another) benefit of", 1.0),
    (r"allowing (?:us|them)", 1.0),
]

_GAP: list[tuple[str, float]] = [
    (r"little is known|not (?:well )?known|unknown whether|remains unclear", 1.5),
    (
        r"few studies|limited (?:evidence|research|data|literature|studies)|"
        r"lack of (?:evidence|research|data|studies)",
        1.5,
    ),
    (
        r"(?:more|further|additional|future) (?:research|studies|study|work|evaluations?) "
        r"(?:is |are )?(?:needed|should|could)",
        1.5,
    ),
    (r"research is needed|studies are needed|warrants further", 1.5),
    (r"gaps? in (?:the )?(?:literature|knowledge|evidence|research)", 1.5),
    (r"limitations?", 1.2),
    (
        r"(?:unable to|could not|cannot) (?:measure|determine|assess|establish|generaliz\w*|infer|evaluate)",
        1.5,
    ),
    (r"generaliz(?:e|ability|able)", 0.7),
    (r"convenience sample|self-reported|not (?:objectively )?verified|no comparison group|small sample", 1.0),
    (r"understudied|under-studied|underexplored", 1.5),
]

_REC: list[tuple[str, float]] = [
    # Prescriptive modals are the surest sign of a recommendation.
    (r"should", 1.3),
    (r"must", 1.3),
    (r"(?:will |may )?need(?:s)? to", 0.8),
    (r"recommend(?:s|ed|ation|ations)?", 1.2),
    (r"would be (?:helpful|nice|useful|better|good)|it['’]d be nice|would improve", 1.0),
    (r"it is (?:important|essential|critical|necessary) to", 1.0),
    (r"consider(?:ing)? (?:offering|using|adopting|expanding|implementing)", 1.0),
    (r"necessity of|the need (?:to|for)", 1.0),
    (r"special attention", 0.7),
    (r"future (?:programs?|efforts|evaluations?|policies|interventions?)", 0.7),
]

_DEF: list[tuple[str, float]] = [
    (r"(?:is|are) defined as|defined as|we define", 1.5),
    (r"refers? to|is a term|the term", 1.2),
    (r"the role of (?:a |an |the )?[\w -]{1,40} is to", 1.5),
    (
        r"(?:is|are) (?:a|an) (?:[\w-]+ ){0,3}(?:process|approach|framework|strategy|model|method) "
        r"(?:that|in which|whereby|of)",
        1.0,
    ),
    (r"(?:is|are) the process", 1.0),
    (r"(?:is|are) (?:a|an) (?:[\w-]+ ){0,3}mode of inquiry", 1.0),
]

_EX: list[tuple[str, float]] = [
    (r"for example|for instance|e\.g\.|eg,", 1.0),
    (r"case study|a case of|in one (?:county|city|community|jurisdiction|state)", 0.8),
    (r"one (?:county|city|community|program|coalition)['’]s", 0.5),
    (
        r"(?:was|were) implemented (?:in|by)|(?:the|this) program (?:was|is) (?:designed|implemented|funded)",
        0.7,
    ),
]

_TABLES: dict[Role, list[tuple[str, float]]] = {
    B: _BARRIER,
    F: _FACILITATOR,
    GAP: _GAP,
    REC: _REC,
    DEF: _DEF,
    EX: _EX,
}

CUES: list[Cue] = [Cue(p, role, w) for role, table in _TABLES.items() for p, w in table]

_COMPILED = [re.compile(rf"\b(?:{cue.pattern})\b", re.IGNORECASE) for cue in CUES]


def _anchors(pattern: str) -> tuple[str, ...] | None:
    """Return literal strings one of which every match of ``pattern`` contains, or None when unsure.

    Scanning a sentence for 200 patterns is slow in ``re``; a substring test per cue is not, so a cue
    runs only when one of its anchors occurs in the lower-cased text.
    """
    depth, alternatives, current = 0, [], ""
    for ch in pattern:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += ch
    alternatives.append(current)
    found = []
    for alternative in alternatives:
        alternative = re.sub(r"^\(\?<[!=][^)]*\)", "", alternative)
        run = re.match(r"[a-z' -]*", alternative)
        literal = run.group(0) if run else ""
        rest = alternative[len(literal) :]
        if rest[:1] in ("?", "*", "{"):
            literal = literal[:-1]
        if len(literal.strip()) < 3:
            return None
        found.append(literal.strip())
    return tuple(found)


# Anchors for the cues whose pattern starts with a group the derivation above cannot read.
_MANUAL_ANCHORS: dict[str, tuple[str, ...]] = {
    r"(?:staff |high )?turnover": ("turnover",),
    r"(?:less|lower|little|reduced) (?:capacity|time|funding|money|resources|staff(?:ing)?)": (
        "less ",
        "lower ",
        "little ",
        "reduced ",
    ),
    r"(?:do|did|does)(?: not|n['’]t) want": ("want",),
    r"no (?:time|funding|money|staff|resources|support)": ("no ",),
    r"critical (?:to|for|part|component|role|factor)|(?:was|is|were|are) critical": ("critical",),
    r"(?:will |may )?need(?:s)? to": ("need",),
    r"would be (?:helpful|nice|useful|better|good)|it['’]d be nice|would improve": ("would", "it'd", "it’d"),
    r"(?:is|are) defined as|defined as|we define": ("define",),
    r"(?:is|are) the process": ("process",),
    r"(?:is|are) (?:a|an) (?:[\w-]+ ){0,3}mode of inquiry": ("inquiry",),
    r"for example|for instance|e\.g\.|eg,": ("for ex", "for in", "e.g.", "eg,"),
    r"(?:play|plays|played|playing) an? (?:critical|crucial|key|important|pivotal|vital|central|major) role": (
        "role",
    ),
    r"(?:were|was) fortunate|fortunately": ("fortunate",),
    r"benefits? from|(?:a|one|another) benefit of": ("benefit",),
    r"(?:make|makes|made|making) (?:it |them |data |this )?(?:\w+ )?easier": ("easier",),
}
_ANCHORS = [_MANUAL_ANCHORS.get(cue.pattern) or _anchors(cue.pattern) for cue in CUES]


def find_cues(text: str) -> list[tuple[int, int, Cue]]:
    """Return the cue matches in ``text`` as (start, end, cue), leftmost-longest and not overlapping."""
    low = text.lower()
    matches: list[tuple[int, int, int]] = []
    for index, anchors in enumerate(_ANCHORS):
        if anchors is not None and not any(anchor in low for anchor in anchors):
            continue
        for m in _COMPILED[index].finditer(text):
            if m.end() > m.start():
                matches.append((m.start(), m.end(), index))
    matches.sort(key=lambda item: (item[0], item[0] - item[1]))
    kept: list[tuple[int, int, Cue]] = []
    last_end = -1
    for start, end, index in matches:
        if start >= last_end:
            kept.append((start, end, CUES[index]))
            last_end = end
    return kept


# A facilitator cue inside the scope of one of these reads as its absence: "lack of a champion".
NEGATORS = re.compile(
    r"\b(?:lack(?:s|ed|ing)?(?: of)?|without|no|not|absence of|absent|loss of|lost|lose|losing|limited|"
    r"insufficient|inadequate|(?<!every )(?<!a )little|less|fewer|few|unable to|fail(?:ed|s)? to|never|"
    r"weak|poor|"
    r"(?:could|did|do|does|was|were|is|are)n['’]t|cannot|difficult(?:y|ies)? (?:to|in|with)|hard to)\b"
    # "less-resourced" is a compound adjective, not a negation of what follows.
    r"(?!-)[^.;:!?]*$",
    re.IGNORECASE,
)
# "Facilitators and barriers", "successes and challenges": naming both roles is talk about the topic.
ROLE_PAIR = re.compile(
    r"\b(?:facilitators?|barriers?|successes|challenges|strengths|weaknesses|enablers?|obstacles?)"
    r"\s+(?:and|or|&)\s+(?:\w+\s+)?"
    r"(?:facilitators?|barriers?|successes|challenges|strengths|weaknesses|enablers?|obstacles?)\b",
    re.IGNORECASE,
)
# "not only" does not negate.
NOT_ONLY = re.compile(r"\bnot only\b", re.IGNORECASE)
# A barrier cue after one of these is being removed or worked around: "helped communities overcome barriers".
REMEDIES = re.compile(
    r"\b(?:overc[oa]me|overcoming|address(?:ed|es|ing)?|reduc(?:e|ed|es|ing)|remov(?:e|ed|es|ing)|"
    r"mitigat(?:e|ed|es|ing)|tackl(?:e|ed|es|ing)|alleviat(?:e|ed|es|ing)|solv(?:e|ed|es|ing)|"
    r"counter(?:ed|ing)?|minimiz(?:e|ed|es|ing)|eliminat(?:e|ed|es|ing)|without|despite|no|few|minimal|"
    # "… may reach people who otherwise would be unwilling or unable to enroll": the barrier worked around.
    r"otherwise)\b"
    r"[^.;:!?]*$",
    re.IGNORECASE,
)
STRONG_REMEDIES = re.compile(r"\b(?:overc[oa]me|overcoming|remov\w*|eliminat\w*|solv\w*)\b", re.IGNORECASE)

# Clause markers: the clause after "but/however" carries the point; an "although/despite" clause concedes.
CONTRAST_AFTER = re.compile(
    r"(?:,|;)?\s*\b(?:but|however|yet|in contrast|nevertheless|nonetheless)\b,?", re.I
)
CONCESSIVE = re.compile(r"\b(?:although|though|even though|despite|in spite of|while|whereas)\b", re.I)

# Numbers as findings: percentages, ratios, test statistics, "16 of 18".
STAT_REGEX = re.compile(
    r"\d+(?:\.\d+)?\s?%|\b\d+ of \d+\b|\bP\s?[<=>]|\b(?:CI|OR|RR|HR|aOR|SD)\b|\bn\s?=\s?\d|"
    r"\b(?:increased|decreased|declined|rose|fell) from\b|\b\d+(?:\.\d+)? (?:vs|versus)\.? \d|"
    r"\b(?:mean|median|rate|prevalence|proportion|percentage)s? (?:of|was|were)\b",
)
NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")

# English function words, to tell English prose from other languages and from non-text.
_ENGLISH_TEXT = (
    "the of and to in a is that for it as was with be by on not he i this are or his from at which but "
    "have an they you were their one all we can her has there been if more when will would who so no "
    "she other its our than them these may into some could only also after should how because about "
    "those such"
)
ENGLISH_WORDS = frozenset(_ENGLISH_TEXT.split())
# A text that prescribes what to do: a modal, "… are warranted", "will require", "would expand", the authors'
# "we recommend" or "recommendations include". (Not a cue: it settles a reading the cues and model made.)
PRESCRIBES = re.compile(
    r"\b(?:should|ought to|needs? to|must|(?:is|are) (?:needed|warranted|recommended|required) (?:to|for)\b|"
    r"(?:is|are) warranted\b|will (?:require|need)|would (?:expand|increase|enable|allow|strengthen|broaden|widen)\b|"
    r"it is (?:also )?(?:important|essential|critical|necessary|vital|imperative|crucial) (?:to|that)|we recommend|"
    r"(?:is|are|was|were) recommended\b|recommend(?:s|ed)? that|(?:our|these|key|the)? ?recommendations? "
    r"(?:include|are|were|is)\b|"
    # "By enhancing accessibility and awareness of screenings, we could mitigate …": a means to an end.
    r"^\s*by (?:\w+ing)\b[^.;]{0,200}?,\s*(?:[\w-]+ ){1,6}?(?:could|can|may|might|would|will) (?:\w+ ){0,3}?"
    r"(?:mitigate|reduce|improve|prevent|increase|lessen|address|lower|close|narrow|avert|enhance|leverage|"
    r"achieve|ensure|strengthen|safeguard)\b)",
    re.I,
)
