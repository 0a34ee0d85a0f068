"""The research plan: topic, domain, facets and the queries ("research pathways") run for each facet.

Derived from the member's prompt by plain rules a reviewer can read (their words are ``plan_words.py``'s);
staff can edit every part.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from researchdesk.errors import UnknownChoice
from researchdesk.requests.plan_words import (
    CUE_WORDS,
    DOMAINS,
    FACET_CUES,
    FACET_TERMS,
    FACT_QUESTION_CUES,
    STOP,
    WHAT_DO_YOU_HAVE,
)
from researchdesk.requests.subject import derive_subjects

FACETS: dict[str, str] = {
    "prior products": "What the service has produced before on this topic",
    "barriers": "Barriers, challenges and obstacles",
    "facilitators": "Facilitators, enablers and success factors",
    "examples": "Examples, case studies and programs",
    "definitions": "Definitions and frameworks",
    "statistics": "Data and statistics",
    "research gaps": "Gaps and limits of the evidence",
    "recommendations": "Recommendations and lessons",
}


_SENTENCE = re.compile(r"[^.?!]+[.?!]?")


@dataclass
class FacetPlan:
    facet: str
    queries: list[str]
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResearchPlan:
    """What the scan looks for: the subjects (what the member asks about), the facets and their queries.

    ``subjects`` are kept apart from the facets: a source enters the brief because the document as a
    whole is about a subject, never because it shares facet words ("barriers", "policy"). An empty
    list means the prompt names no subject, and the scan waits for staff to name one.
    """

    topic: str
    domain: str
    facets: list[FacetPlan]
    keywords: list[str]
    subjects: list[str] = field(default_factory=list)
    # Also ask the open scholarly indexes about each subject ("look beyond the library"); only when
    # a person sets it, and only online (RESEARCHDESK_ONLINE) or from answers already cached.
    look_beyond: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ResearchPlan:
        facets = [FacetPlan(**f) for f in data.get("facets", [])]
        for f in facets:
            if f.facet not in FACETS:
                raise UnknownChoice("facet", f.facet, FACETS)
        keywords = list(data.get("keywords", []))
        if "subjects" in data:
            subjects = [" ".join(str(s).split()) for s in data["subjects"] if str(s).strip()]
        else:  # a plan saved before subjects were kept: its keywords name the subject
            subjects = [" ".join(keywords)] if keywords else []
        return ResearchPlan(
            data.get("topic", ""),
            data.get("domain", ""),
            facets,
            keywords,
            subjects,
            bool(data.get("look_beyond", False)),
        )


def derive_plan(prompt: str, context: str = "") -> ResearchPlan:
    """Return a research plan for ``prompt``: the topic, the domain, the facets and their queries."""
    text = " ".join(prompt.split())
    lowered = text.lower()
    facets = [name for name, cues in FACET_CUES.items() if any(re.search(c, lowered) for c in cues)]
    if not any(f in facets for f in ("barriers", "facilitators", "examples", "definitions", "statistics")):
        facets += ["examples", "facilitators", "barriers"]
    if "statistics" not in facets and asks_for_findings(text):
        facets.append("statistics")
    topic_sentence = _topic_sentence(text)
    topic = _topic(topic_sentence, text)
    keywords = _keywords(topic_sentence) or _keywords(text)
    setting = [
        w
        for w in _keywords(" ".join(s for s in _sentences(text) if s != topic_sentence))
        if w not in keywords
    ]
    subjects = derive_subjects(text)
    return plan_with_subjects(
        subjects, facets, topic, _domain(lowered + " " + context.lower()), keywords, setting
    )


def plan_with_subjects(
    subjects: list[str],
    facets: list[str],
    topic: str = "",
    domain: str = "local government",
    keywords: list[str] | None = None,
    setting: list[str] | None = None,
) -> ResearchPlan:
    """Return a plan whose queries search each subject for each facet (the prompt's setting words too)."""
    keywords = list(keywords or [])
    setting = list(setting or [])
    core = " ".join(subjects) or " ".join(keywords)
    plans: list[FacetPlan] = []
    ordered = ["prior products"] + [f for f in FACETS if f != "prior products"]
    for facet in ordered:
        if facet not in facets and facet != "prior products":
            continue
        if facet == "prior products":
            # Every request searches the service's own products first (they are few and precious).
            plans.append(FacetPlan(facet, [core], {"our_products": "only"}))
            continue
        # The whole subject first, then each part of a prompt with several (each may hold its own sources).
        parts = [core] + (subjects if len(subjects) > 1 else [])
        queries = [f"{subject} {FACET_TERMS[facet]}".strip() for subject in parts]
        if setting and facet in ("barriers", "facilitators", "examples"):
            queries.append(f"{' '.join(setting[:6])} {FACET_TERMS[facet]}".strip())
        plans.append(FacetPlan(facet, list(dict.fromkeys(queries)), {"our_products": "exclude"}))
    return ResearchPlan(
        topic=topic or (subjects[0] if subjects else ""),
        domain=domain,
        facets=plans,
        keywords=keywords,
        subjects=list(subjects),
    )


def with_subjects(plan: ResearchPlan, subjects: list[str]) -> ResearchPlan:
    """Return the plan with its subjects replaced and every facet's queries rewritten for them.

    The facets, their filters, the topic and the domain stay as they are.
    """
    cleaned = [" ".join(s.split()) for s in subjects if s.strip()]
    fresh = plan_with_subjects(
        cleaned, [f.facet for f in plan.facets], plan.topic, plan.domain, plan.keywords
    )
    filters = {f.facet: f.filters for f in plan.facets}
    for f in fresh.facets:
        f.filters = filters.get(f.facet, f.filters)
    fresh.facets = [f for f in fresh.facets if f.facet in filters]
    fresh.look_beyond = plan.look_beyond
    return fresh


def asks_about(text: str, *facets: str) -> bool:
    """Return True when the text calls for any of the facets (by the plan's own cues)."""
    lowered = text.lower()
    return any(re.search(c, lowered) for f in facets for c in FACET_CUES[f])


def questions(prompt: str) -> list[str]:
    """Return the prompt's questions, each of its parts apart (a prompt with none is one question).

    "Is there evidence these projects work, and what helps staff get them built?" asks two things; the
    summary answers each. "What do you have on where these risks are worst, and on how weight has changed?"
    asks two questions of fact: "Where these risks are worst?" and "How weight has changed?".
    """
    found = [q.strip() for q in _QUESTION.findall(" ".join(prompt.split())) if q.strip()]
    out: list[str] = []
    for q in found or [" ".join(prompt.split())]:
        q = _HAVE_ON.sub("", q)
        parts = [p.strip(" ,") for p in _SECOND_QUESTION.split(q) if p.strip(" ,?")]
        if len(parts) > 1:
            parts = [p if p.endswith("?") else p + "?" for p in parts]
        out.extend(p[:1].upper() + p[1:] for p in parts or [q])
    return out


_QUESTION = re.compile(r"[^.?!]*\?")
# ", and what …" / ", and does …" / ", and on how …": a second question joined to the first.
_SECOND_QUESTION = re.compile(
    r",?\s+(?:and|or|but)\s+(?:on\s+|about\s+)?(?=(?:what|how|which|who|why|where|when|whether|does|do|did|is|"
    r"are|was|were|can|could|should|has|have)\b(?! (?:it|this|that)\b))",  # "… and has it come back?" stays
    re.I,
)
# "What do you have on where …?" asks the question it names.
_HAVE_ON = re.compile(
    r"^\s*what (?:do|does) (?:you|we|the library) (?:have|hold) (?:on|about) "
    r"(?=(?:where|how|whether|which|who|what|when|why)\b)",
    re.I,
)


def asks_for_findings(prompt: str) -> bool:
    """Return True when the prompt asks a question of fact ("are renters more likely …?", "how many …?",
    "has the gap narrowed?"): what the studies found, with its figures, is the answer, not only what helps."""
    lowered = " ".join(prompt.lower().split())
    return any(re.search(c, lowered) for c in FACT_QUESTION_CUES)


def asks_for_factors(prompt: str) -> bool:
    """Return True when the prompt asks what helps, what hinders, what to do or for examples."""
    return asks_about(prompt, "barriers", "facilitators", "recommendations", "examples")


def asks_for_prior_products(prompt: str) -> bool:
    """Return True when the member asks whether the service has produced anything."""
    return asks_about(prompt, "prior products")


def asks_what_we_wrote(prompt: str) -> bool:
    """Return True when the member asks whether the service itself has written on this ("have you
    produced …?"), not only what it holds ("what do you have on …?")."""
    lowered = prompt.lower()
    return any(re.search(c, lowered) for c in FACET_CUES["prior products"] if c != WHAT_DO_YOU_HAVE)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _topic_sentence(text: str) -> str:
    sentences = _sentences(text)
    questions = [
        s
        for s in sentences
        if s.endswith("?") and not re.search("|".join(FACET_CUES["prior products"]), s.lower())
    ]
    scored = questions or sentences
    # The question that names the most content words is the one the brief answers.
    return max(scored, key=lambda s: len(_keywords(s))) if scored else text


_FOCUS = re.compile(
    r"\b((?:barriers?|facilitators?|challenges|obstacles|enablers|success factors|lessons learned|best practices|"
    r"examples|case studies)(?:\s+(?:and|or)\s+(?:barriers?|facilitators?|challenges|enablers|success factors))?"
    r"\s+(?:of|to|for|in|on)\s+[^.?!,;]+)",
    re.IGNORECASE,
)


# "What barriers have local governments met when adopting tobacco policies, and what helped them?"
_ASKED_FACTORS = re.compile(
    r"^(?:what|which)\s+(barriers|challenges|obstacles|facilitators|factors|strategies|lessons)\s+"
    r"(?:have|has|did|do|does|are|were)\s+(.+?)\s+(?:met|meet|faced|face|encountered|encounter|experienced|experience|reported|report|seen|see|used|use|had|have)"
    r"\s+(?:when|while|in)\s+([^,;?]+)",
    re.IGNORECASE,
)


def _topic(sentence: str, prompt: str = "") -> str:
    focus = _FOCUS.search(sentence) or _FOCUS.search(prompt)
    asked = _ASKED_FACTORS.search(sentence.strip())
    if focus:
        s = focus.group(1)
    elif asked:
        helped = re.search(r"\b(?:helped|facilitat|enabl|worked)", sentence, re.IGNORECASE)
        kind = (
            "barriers and facilitators"
            if helped and asked.group(1).lower() != "facilitators"
            else asked.group(1)
        )
        s = f"{kind} for {asked.group(2)} {asked.group(3)}"
    else:
        s = sentence.strip().rstrip("?.!")
    s = re.sub(
        r"^(?:what are|what is|what were|are there|is there|do you have|can you (?:find|provide|share)|"
        r"we are (?:looking for|interested in)|we would like|please (?:find|provide)|how (?:can|do|should|could))\s+",
        "",
        s,
        flags=re.IGNORECASE,
    )
    s = re.sub(r"^(?:the|any|some)\s+", "", s, flags=re.IGNORECASE)
    s = s[:1].upper() + s[1:]
    return s[:120].rsplit(" ", 1)[0] if len(s) > 120 else s


def _keywords(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9'/-]*", text)
    out: list[str] = []
    for w in words:
        lw = w.lower().strip("'")
        if lw in STOP or lw in CUE_WORDS or len(lw) < 3:
            continue
        if lw not in out:
            out.append(lw)
    return out


def _domain(lowered: str) -> str:
    scores = {d: sum(lowered.count(k) for k in keys) for d, keys in DOMAINS.items()}
    best = max(scores, key=lambda d: scores[d])
    return best if scores[best] else "local government"
