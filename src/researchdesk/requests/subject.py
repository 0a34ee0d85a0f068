"""The subject of a request, apart from its facets: what the member asks *about*.

"We want to run a community campaign about menthol cigarettes with our Black residents. What made
such campaigns work, and what challenges did they run into?" asks about *community campaign, menthol
cigarettes, Black residents*; "what made … work" and "challenges" are facets (facilitators,
barriers), and "we want to run" is how people ask. A source belongs in the brief when the document as
a whole is about the subject, so the subject is kept apart from the words of asking and the facet
cues, which every article shares ("barriers", "policy and practice", "community engagement").

The rules are plain: a word is a subject word unless it is a stop word, a facet cue or a word of
asking. Subject words that stand together in the prompt form one concept ("colorectal cancer
screening rates"). Two subjects joined by "and" ("tobacco and nutrition policies", "sugary drinks
…, and helping mothers keep breastfeeding") are proposed as two; the scan keeps them apart only when
the library's documents tell them apart (``requests/aboutness.py``).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words of asking, deciding and describing one's own situation: never what a request is about.
ASKING = _words(
    """
    want wants wanted wanting would like consider considering considered thinking think plan plans
    decide deciding decision weigh weighing looking look seeking seek hope hoping try trying tried
    run running launch launching start starting started begin beginning set setting up put putting
    made make makes making work works worked working succeed succeeded success successful helps helped
    help helping gets get got getting way ways came come comes problems problem issues issue went go goes
    other others elsewhere places place cities counties communities jurisdictions agencies departments
    similar such these those kind kinds sort type types something anything everything nothing lot lots
    many much more most less few several various different same own new also still actually really
    learned learn lessons lesson know known tell told say said find found show shows evidence results
    result research information produced produce products product prepared written done publish
    published brief briefs report reports question questions answer answers request requests please thanks
    thank can could should would will may might must need needs needed let able
    our we us you your their they them it its my me i he she his her who whom whose what which when where
    why how whether if than then there here this that
    is are was were be been being do does did have has had
    fund funding funded pay paid spend worth benefit benefits cost costs costing expensive cheap
    approach approaches strategy strategies option options idea ideas example examples case cases study
    studies model models practice practices practise
    barrier barriers challenge challenges challenging obstacle obstacles hinder hinders hindered difficulties
    difficulty facilitator facilitators facilitate facilitates enabler enablers enable enables factor factors
    key main important best good better bad worse
    into onto upon about around over under within without across through toward towards from with for
    and or but nor of to in on at by as a an the any some each every all both either neither no not
    so too very just only even again already soon now today currently recently year years
    environmental scan initiative initiatives program programs programme project projects
    local city county town village state member members staff board council residents' residents
    after before among amongst during while since until down off out back around along against between
    including include includes included except like unlike via per versus
    can't cannot won't don't doesn't didn't isn't aren't we'd we're we've i'd i'm you'd they'd
    take takes taking part face faces faced facing meet met meets keep keeping kept coming sign signing
    choose choosing check checking raise raising increase increasing reduce reducing cut cutting stop
    stopping add adding improve improving address addressing tackle tackling deal dealing
    buy buys buying serve serves serving offer offers offered offering provide provides providing use uses
    using used run runs worst priorities priority two three one first second next last
    doing highlight highlights give gives giving share sharing difference parts lower lowered innovation
    innovative track tracks tracking tracked collect collecting collected easier harder simpler faster
    """
)
# Words that make a subject of the weak word they qualify ("cross-sector collaboration", "multisector
# partnerships") but name nothing alone ("a cross-sector initiative on chronic disease prevention").
QUALIFIERS = _words(
    """
    cross-sector multisector multi-sector intersectoral inter-sectoral interagency inter-agency cross-agency
    cross-jurisdictional multijurisdictional
    """
)
# Facet-only prompts ("What are the barriers and facilitators?") leave nothing behind; these
# words may stand in a subject but never make one alone.
WEAK = _words(
    """
    health public community communities people residents population populations policy policies system
    systems services service change changes care support efforts effort outcomes outcome impact
    implementation implement implementing implemented adopt adopted adopting adoption engagement
    partners partnership partnerships collaboration coalition coalitions access rates rate level levels
    """
)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’/-]*")
_SENTENCE = re.compile(r"[.?!;:]+\s+")
_SPLIT = re.compile(r",?\s+(?:and|or|but also)\s+", re.IGNORECASE)
# A sentence that opens by setting its time ("During the pandemic …", "Since the rule took effect, …").
_TIME_OPENING = re.compile(
    r"^(?:during|since|after|amid|throughout|following|in the wake of)\s", re.IGNORECASE
)
MAX_SUBJECTS = 3


def _content(word: str) -> bool:
    lw = word.lower().strip("'’").replace("’", "'")
    if lw.endswith("'s"):
        lw = lw[:-2]
    return len(lw) > 2 and lw not in ASKING


def concepts(text: str) -> list[str]:
    """Return the prompt's subject concepts: runs of subject words that stand together, in order.

    "community health worker home visits for children with asthma" gives "community health worker
    home visits", "children", "asthma". A concept made only of weak words ("public health",
    "community") is kept only beside a strong one, since alone it names no subject.
    """
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            phrase = " ".join(run)
            if phrase.lower() not in (c.lower() for c in out):
                out.append(phrase)
            run.clear()

    for m in re.finditer(r"[A-Za-z][A-Za-z0-9'’/-]*|[^\sA-Za-z]+|\s+", text):
        token = m.group(0)
        if token.isspace():
            continue
        if _WORD.fullmatch(token) and _content(token):
            run.append(token.strip("'’").removesuffix("'s").removesuffix("’s"))
        else:
            flush()
    flush()
    # A qualifier names a subject only with the word it qualifies.
    out = [c for c in out if any(w.lower() not in QUALIFIERS for w in c.split())]
    if not any(has_strong(c) for c in out):
        return []
    return out


def has_strong(concept: str) -> bool:
    """Return True when a concept has a word that names a subject on its own (not only weak words), or a
    qualifier that makes one of a weak word ("cross-sector collaboration")."""
    words = [w.lower() for w in _WORD.findall(concept) if _content(w)]
    if any(w in QUALIFIERS for w in words) and any(w in WEAK for w in words):
        return True
    return any(w not in WEAK and w not in QUALIFIERS for w in words)


def derive_subjects(prompt: str) -> list[str]:
    """Return the request's subjects: usually one, two or three when the prompt joins distinct ones.

    The prompt is cut at sentence ends and coordinations ("…, and …", " and "); each part's concepts
    make a candidate subject, and a part with no strong word joins its neighbour (so "toddlers and
    preschoolers" or "adopted and implemented" do not split a subject). Parts are merged back to at
    most MAX_SUBJECTS. An empty list means the prompt names no subject at all.
    """
    parts: list[list[str]] = []
    for sentence in _SENTENCE.split(" ".join(prompt.split())):
        setting = _time_setting(sentence)
        for piece in _SPLIT.split(sentence):
            found = concepts(piece) if piece else []
            if setting and found and setting not in found:
                found.insert(0, setting)
            _add_part(parts, found)
    subjects = [" ".join(p) for p in parts if p]
    while len(subjects) > MAX_SUBJECTS:
        subjects[-2:] = [subjects[-2] + " " + subjects[-1]]
    return subjects


def _time_setting(sentence: str) -> str:
    """Return the concept a sentence opens with when it sets the time for all of it, else "".

    "During the COVID-19 pandemic many residents put off checkups and cancer screenings" asks about
    checkups and cancer screenings *during the pandemic*: the setting belongs to each part the sentence's
    "and" cuts it into, or "cancer screenings" alone would bring in every article on screening.
    """
    if not _TIME_OPENING.match(sentence):
        return ""
    found = concepts(sentence)
    return found[0] if found else ""


def _add_part(parts: list[list[str]], found: list[str]) -> None:
    """Add one cut of the prompt as a part, or join it to the part before when it only qualifies it."""
    strong = [c for c in found if has_strong(c)]
    if not strong:
        return
        # A part of one short concept is a modifier of its neighbour ("local tobacco" and
        # "nutrition policies" stay two; "preschoolers" alone joins the part before it).
    if parts and len(strong) == 1 and len(strong[0].split()) == 1 and _is_setting(strong[0]):
        parts[-1].extend(c for c in found if c not in parts[-1])
        return
    parts.append(found)


# Words that name who or where rather than what: a part made of one of them qualifies its neighbour.
_SETTING = re.compile(
    r"^(?:children|child|kids|youth|adolescents|teens|toddlers|preschoolers|infants|adults|seniors|"
    r"elders|women|men|mothers|fathers|parents|families|students|schools?|residents|patients|veterans|"
    r"workers|employees|rural|urban|black|latino|latina|hispanic|asian|immigrants|refugees|"
    r"low-income|neighborhoods?|towns?)$",
    re.IGNORECASE,
)


def _is_setting(concept: str) -> bool:
    return bool(_SETTING.match(concept.strip()))
