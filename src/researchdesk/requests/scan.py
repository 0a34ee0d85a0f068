"""The scan: run a request's research plan over the library, log every query, suggest evidence.

The choice among candidate quotes is ``spread.py``'s; the look beyond the library ``beyond_library.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.evidence.desk_model import Learned, learned
from researchdesk.evidence.extract import own_role
from researchdesk.evidence.findings import PART_WEIGHT, Part, passage_part
from researchdesk.evidence.harvest import harvest, harvest_passages, table_captions
from researchdesk.models import Document, Evidence, Passage, Role, SourceType, heading_of
from researchdesk.requests.aboutness import CORE_MARGIN, Aboutness, read_subjects
from researchdesk.requests.beyond_library import BEYOND_SERVICES, look_beyond
from researchdesk.requests.central import is_abstract_finding, is_central, is_plain_abstract
from researchdesk.requests.plan import (
    FacetPlan,
    ResearchPlan,
    asks_for_factors,
    asks_for_findings,
    derive_plan,
    questions,
)
from researchdesk.requests.spread import spread
from researchdesk.requests.workflow import advance_to
from researchdesk.search.desk import DeskIndex, sync_index
from researchdesk.search.embed import Embedder
from researchdesk.search.filters import Filters
from researchdesk.search.profiles import load_profiles
from researchdesk.search.results import SearchResults

# The roles a facet's quotes may carry. A barrier found while looking for facilitators is still
# a barrier, so every facet accepts the two main roles; context alone is never suggested.
# Recommendations of what to do are facilitators in the service's grouping. A finding without a
# direction (context) is shown only as a source's central result (its abstract's results or conclusions).
FACET_ROLES: dict[str, set[Role]] = {
    "barriers": {Role.BARRIER, Role.FACILITATOR, Role.RECOMMENDATION, Role.EXAMPLE, Role.CONTEXT},
    "facilitators": {Role.FACILITATOR, Role.BARRIER, Role.RECOMMENDATION, Role.EXAMPLE, Role.CONTEXT},
    "examples": {Role.EXAMPLE, Role.FACILITATOR, Role.BARRIER, Role.RECOMMENDATION, Role.CONTEXT},
    "definitions": {Role.DEFINITION},
    "statistics": {Role.STATISTIC},
    "research gaps": {Role.RESEARCH_GAP},
    "recommendations": {Role.RECOMMENDATION, Role.FACILITATOR},
}
PER_DOCUMENT_QUOTES = 5  # suggestions per document, so a brief draws on many sources
PER_EDGE_DOCUMENT_QUOTES = 1  # from a source more than CORE_MARGIN below the subject's best match
# What a role is worth when suggestions are ranked: the answers to "what helps, what hinders" first.
ROLE_WEIGHT: dict[Role, float] = {
    Role.BARRIER: 1.0,
    Role.FACILITATOR: 1.0,
    Role.RECOMMENDATION: 0.9,
    Role.EXAMPLE: 0.7,
    Role.STATISTIC: 0.5,
    Role.DEFINITION: 0.6,
    Role.RESEARCH_GAP: 0.6,
    Role.CONTEXT: 0.45,
}
# A question of fact ("are renters more likely …?", "how many …?") is answered by what the studies found: their
# results with figures are worth as much as what helps, and a source may give several. What helps and hinders,
# when the member did not ask for it, is worth less than the answer.
FINDINGS_ROLE_WEIGHT: dict[Role, float] = {Role.STATISTIC: 1.0}
UNASKED_FACTOR_WEIGHT: dict[Role, float] = {
    Role.BARRIER: 0.7,
    Role.FACILITATOR: 0.7,
    Role.RECOMMENDATION: 0.6,
}
FINDINGS_PER_DOCUMENT = 3
# ... and among a source's findings, the one that answers the question comes first: a suggestion's worth is
# scaled by its closeness in meaning (MiniLM cosine) to the nearest of the prompt's questions, or to the prompt,
# over ANSWER_FIT ("Compared with renters, homeowners had lower prevalence of chronic conditions" 0.82 to
# "are renters more likely to have chronic illnesses?"; "Odds of homeownership increased with age" 0.50),
# within FIT_BOUNDS.
ANSWER_FIT = 0.5
FIT_BOUNDS = (0.5, 1.5)
OWN_CODING_WEIGHT = 1.5  # the authors' own "Barriers" table or "Challenges" heading outranks any classifier
CENTRAL_WEIGHT = 1.3  # an abstract's results and conclusions: the source's central finding, ranked first
MIN_CONFIDENCE = 0.5
# The desk model (learned from this desk's review decisions): a suggestion a reviewer would very
# likely drop is not shown, once the model has learned from enough decisions to say so.
HIDE_BELOW = 0.15
HIDE_AFTER_EXAMPLES = 30


@dataclass
class ScanResult:
    request_id: int
    run: int
    queries: int = 0
    passages: int = 0
    documents: list[int] = field(default_factory=list)  # scanned documents, best first
    prior_products: list[int] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)  # facets that yielded no evidence
    subjects: list[dict[str, Any]] = field(default_factory=list)  # each subject, its best match, its sources
    missing_subjects: list[str] = field(default_factory=list)  # subjects the library holds nothing on
    learned_from: int = 0  # reviewed quotes the desk model learned from (0: the shipped behaviour)
    hidden: int = 0  # suggestions the desk model left out (a reviewer would very likely drop them)
    relabelled: int = 0  # suggestions the desk model filed under another heading
    beyond: list[dict[str, Any]] = field(default_factory=list)  # candidates found outside the library


def plan_for(desk: Desk, request_id: int, who: str = "staff") -> ResearchPlan:
    """Return the request's plan, deriving and saving it the first time."""
    request = desk.store.request(request_id)
    if request.plan:
        return ResearchPlan.from_dict(request.plan)
    plan = derive_plan(request.prompt, request.context)
    desk.store.update_request(request_id, {"plan": plan.to_dict()}, who, "plan derived")
    return plan


def save_plan(desk: Desk, request_id: int, plan: ResearchPlan, who: str) -> None:
    """Store an edited plan; the change is in the request's event log."""
    desk.store.update_request(request_id, {"plan": plan.to_dict()}, who, "plan edited")


def run_scan(
    desk: Desk,
    request_id: int,
    who: str = "staff",
    top_k: int = 25,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Run every query of the plan over the documents on its subject, log it, and store suggested evidence.

    First the library is read as a whole: which documents are about the plan's subjects
    (``aboutness.py``); only they are searched for the facets, and the scan log records each subject,
    its best match and its sources. The document's own coding (tables and headings that name barriers,
    challenges, facilitators or lessons) is harvested from every on-subject document, whatever the
    searches rank. A plan with no subject is refused: a brief of everything answers nothing.
    """
    plan = plan_for(desk, request_id, who)
    if not plan.subjects:
        raise InputError(
            f"The plan of request {request_id} names no subject: the prompt asks about barriers or "
            "facilitators, but not of what.",
            f'Name what the member asks about: `researchdesk request plan {request_id} --subject "heat-health '
            'action plans"` (or on the plan page), then scan again. If the request does not say, ask the member '
            f"(a reply ready to send: “{ASK_FOR_SUBJECT}”).",
        )
    if desk.store.request(request_id).status in ("received", "scoping"):
        advance_to(desk, request_id, "researching", who)
    index = sync_index(desk.store, desk.settings)
    store = desk.store
    result = ScanResult(request_id, store.next_scan_run(request_id))
    prompt = store.request(request_id).prompt
    about, prior = read_library(desk, plan, index.embedder)
    on_subject = about.on_subject()
    result.subjects = about.readings_dicts()
    result.missing_subjects = about.missing()
    picks = _Harvest(desk, request_id, plan, on_subject, prompt)
    for facet in plan.facets:
        for query in facet.queries:
            if progress:
                progress(f"{facet.facet}: {query}")
            result.queries += 1
            if facet.facet == "prior products":
                ids = sorted(prior.on_subject(), key=lambda d: -prior.on_subject()[d])
                store.add_scan_entry(
                    request_id, result.run, facet.facet, query, facet.filters, "subject", len(ids), ids
                )
                result.prior_products.extend(d for d in ids if d not in result.prior_products)
            elif not on_subject:
                store.add_scan_entry(
                    request_id, result.run, facet.facet, query, facet.filters, "subject", 0, []
                )
            else:
                found = picks.search(index, facet, query, top_k)
                doc_ids = list(dict.fromkeys(h.document_id for h in found.hits))
                store.add_scan_entry(
                    request_id,
                    result.run,
                    facet.facet,
                    query,
                    facet.filters,
                    found.mode,
                    len(found.hits),
                    doc_ids,
                )
                result.passages += len(found.hits)
    if plan.look_beyond:
        if progress:
            progress("beyond the library")
        result.beyond = look_beyond(desk, request_id, result.run, plan.subjects)
        result.queries += len(plan.subjects) * len(BEYOND_SERVICES)
    picks.own_coding()
    picks.central_results()
    picks.fit_answers(index.embedder)
    taught = learned(desk, index.embedder)
    result.evidence_ids = store.add_evidence(picks.choose(taught), who)
    result.learned_from = len(taught.model.examples) if taught.model else 0
    result.hidden, result.relabelled = picks.hidden, picks.relabelled
    result.documents = sorted(on_subject, key=lambda d: -on_subject[d])
    result.not_found = [f for f, items in picks.found.items() if not items and f != "prior products"]
    store.log_event(
        request_id,
        "scan",
        result.run,
        "scanned",
        {
            "queries": result.queries,
            "passages": result.passages,
            "evidence": len(result.evidence_ids),
            "not_found": result.not_found,
            "subjects": result.subjects,
            "learned_from": result.learned_from,
            "hidden": result.hidden,
            "relabelled": result.relabelled,
        },
        who,
    )
    return result


# What staff can send a member whose request names no subject.
ASK_FOR_SUBJECT = (
    "Thank you for your request. So that we can look for the right evidence, could you tell us which program, "
    "policy or health issue you have in mind (for example, heat-health action plans or vaping prevention in "
    "middle schools), and where you plan to use it?"
)


def role_weights(prompt: str) -> dict[Role, float]:
    """Return what each role is worth when the scan ranks suggestions for this prompt (ROLE_WEIGHT, with a
    question of fact's findings raised and unasked factors lowered)."""
    weights = dict(ROLE_WEIGHT)
    if asks_for_findings(prompt):
        weights.update(FINDINGS_ROLE_WEIGHT)
        if not asks_for_factors(prompt):
            weights.update(UNASKED_FACTOR_WEIGHT)
    return weights


class _Harvest:
    """The candidate quotes of one scan, from the on-subject documents, and the choice among them.

    Three ways in: the facets' searches (``search``), the document's own coding (``own_coding``) and
    each source's central result (``central_results``); ``choose`` ranks them all by worth (role
    confidence x how high the searches ranked the passage x the part of the document x how squarely
    the source is on the subject) and spreads them over the sources.
    """

    def __init__(
        self,
        desk: Desk,
        request_id: int,
        plan: ResearchPlan,
        on_subject: dict[int, float],
        prompt: str = "",
    ) -> None:
        self.desk, self.request_id, self.plan, self.on_subject = desk, request_id, plan, on_subject
        self.prompt, self.findings_asked = prompt, asks_for_findings(prompt)
        self.weights = role_weights(prompt)
        self.found: dict[str, list[Evidence]] = {f.facet: [] for f in plan.facets}
        self.seen: set[tuple[int, int, int]] = set()
        self.weight: dict[int, float] = {}  # passage id → how high the searches ranked it (1.0 = first)
        self.coded: set[int] = set()  # passages the document's own coding labels
        self.docs: dict[int, Document] = {}
        self.captions: dict[int, dict[int, str]] = {}
        self.hidden = self.relabelled = 0
        # quote → how closely it answers the prompt's questions (1.0 = no change; set by fit_answers)
        self.fit: dict[str, float] = {}

    def keep(self, ev: Evidence, facet: str, central: bool = False) -> None:
        """Keep a candidate for a facet that accepts its role (a context quote only as a central result)."""
        key = (ev.document_id, ev.start, ev.end)
        if key in self.seen or ev.role not in FACET_ROLES.get(facet, set()):
            return
        if ev.role is Role.CONTEXT:
            if not central:
                return
        elif ev.confidence < MIN_CONFIDENCE:
            return
        self.seen.add(key)
        ev.request_id = self.request_id
        ev.facet = facet
        self.found[facet].append(ev)

    def search(self, index: DeskIndex, facet: FacetPlan, query: str, top_k: int) -> SearchResults:
        """Search the on-subject documents for one query of a facet, keep its candidates, return the results."""
        filters = Filters(**{**facet.filters, "document_ids": sorted(self.on_subject)})
        # Few sources on the subject are read deeper: the cap spreads results, it should not starve them.
        cap = max(3, top_k // len(self.on_subject))
        results = index.search(query, top_k=top_k, mode="hybrid", filters=filters, max_per_document=cap)
        hits = results.hits
        for hit in hits:
            self.weight[hit.passage_id] = max(
                self.weight.get(hit.passage_id, 0.0), 1.0 / (1.0 + (hit.rank - 1) / 5)
            )
        for ev in harvest(
            self.desk, hits, facet=facet.facet, query_terms=self.plan.subjects, documents=self.docs
        ):
            self.keep(ev, facet.facet)
        return results

    def own_coding(self) -> None:
        """Keep every row and paragraph the on-subject documents' authors filed under a role."""
        if not {f for f in self.found} & {"barriers", "facilitators", "recommendations"}:
            return
        store = self.desk.store
        own = [
            p for d in self.on_subject for p in own_coded(store.passages(d), self.captions.setdefault(d, {}))
        ]
        self.coded = {p.id for p in own}
        facet_of = {
            Role.BARRIER: "barriers",
            Role.FACILITATOR: "facilitators",
            Role.RECOMMENDATION: "recommendations",
        }
        for ev in harvest_passages(self.desk, own, documents=self.docs, captions=self.captions):
            named = facet_of.get(ev.role, "")
            if named in self.found:
                self.keep(ev, named)
            elif ev.role is Role.RECOMMENDATION and "facilitators" in self.found:
                self.keep(ev, "facilitators")

    def central_results(self) -> None:
        """Keep the central finding of each source squarely on the subject: its abstract's results and
        conclusions, whatever was searched."""
        homes = [f for f in ("facilitators", "barriers", "examples", "statistics") if f in self.found]
        best = max(self.on_subject.values(), default=0.0)
        # Only sources squarely on the subject: an edge source's headline result is usually about its own
        # question (a national trend), not the member's.
        for d in (d for d, s in self.on_subject.items() if s >= best - CORE_MARGIN):
            summary = {
                p.id: p for p in self.desk.store.passages(d) if is_abstract_finding(p) or is_plain_abstract(p)
            }
            for ev in harvest_passages(
                self.desk, list(summary.values()), documents=self.docs, captions=self.captions
            ):
                if not is_central(summary[ev.passage_id], ev.role):
                    continue
                home = next((f for f in homes if ev.role in FACET_ROLES[f]), "")
                if home:
                    self.weight[ev.passage_id] = max(self.weight.get(ev.passage_id, 0.0), CENTRAL_WEIGHT)
                    self.keep(ev, home, central=True)

    def fit_answers(self, embedder: Embedder | None) -> None:
        """For a question of fact, scale each candidate by how closely it answers the prompt's questions
        (ANSWER_FIT, FIT_BOUNDS); other prompts are ranked as they were."""
        texts = list(dict.fromkeys(e.quote for items in self.found.values() for e in items))
        if not self.findings_asked or embedder is None or not texts:
            return
        asked = list(dict.fromkeys([*questions(self.prompt), " ".join(self.prompt.split())]))
        vectors = embedder.encode(asked + texts)
        closeness = (vectors[len(asked) :] @ vectors[: len(asked)].T).max(axis=1)
        low, high = FIT_BOUNDS
        self.fit = {
            t: min(high, max(low, float(c) / ANSWER_FIT)) for t, c in zip(texts, closeness, strict=True)
        }

    def learn(self, taught: Learned) -> dict[tuple[int, int, int], float]:
        """Read every candidate with the desk model; return each one's keep factor (1.0 = no change).

        A candidate the reviewers' decisions say belongs under another heading is moved there (its
        reason names the reviewed quote it is like); one they would very likely drop is left out.
        """
        model = taught.model
        if model is None:
            return {}
        items = [(facet, ev) for facet, evs in self.found.items() for ev in evs]
        subject = "; ".join(self.plan.subjects)
        readings = model.read(
            [ev.quote for _, ev in items], subject, [ev.role for _, ev in items], taught.vectors
        )
        may_hide = len(model.examples) >= HIDE_AFTER_EXAMPLES
        factor: dict[tuple[int, int, int], float] = {}
        for (facet, ev), reading in zip(items, readings, strict=True):
            if may_hide and reading.keep_p < HIDE_BELOW:
                self.found[facet].remove(ev)
                self.hidden += 1
                continue
            if reading.role is not ev.role:
                home = (
                    facet
                    if reading.role in FACET_ROLES[facet]
                    else next((f for f in self.found if reading.role in FACET_ROLES.get(f, set())), "")
                )
                if home:
                    ev.reason = f"filed under {heading_of(reading.role) or reading.role} by this desk's reviews; {ev.reason}"
                    ev.role, ev.confidence = reading.role, max(reading.role_p, MIN_CONFIDENCE)
                    if home != facet:
                        self.found[facet].remove(ev)
                        self.found[home].append(ev)
                        ev.facet = home
                    self.relabelled += 1
            if reading.like:
                ev.reason = f"{ev.reason}; {reading.like}" if ev.reason else reading.like
            factor[(ev.document_id, ev.start, ev.end)] = 2.0 * reading.keep_p
        return factor

    def choose(self, taught: Learned | None = None) -> list[Evidence]:
        """Return the suggestions, best first, spread over the sources (and read by the desk model)."""
        keep_factor = self.learn(taught) if taught is not None else {}
        everything = [e for items in self.found.values() for e in items]
        passages = self.desk.store.passages_by_id([e.passage_id for e in everything])
        parts = {p.id: passage_part(p.section, p.kind, p.text) for p in passages.values()}
        best = max(self.on_subject.values(), default=1.0)

        def worth(ev: Evidence) -> float:
            searched = self.weight.get(ev.passage_id, 0.2)
            if ev.passage_id in self.coded:
                searched = max(searched, 1.0) * OWN_CODING_WEIGHT
            part = PART_WEIGHT.get(parts.get(ev.passage_id, Part.OTHER), 0.5)
            confidence = ev.confidence if ev.role is not Role.CONTEXT else 1.0
            subject = self.on_subject.get(ev.document_id, 0.0) / best
            learned = keep_factor.get((ev.document_id, ev.start, ev.end), 1.0)
            answers = self.fit.get(ev.quote, 1.0)
            return confidence * self.weights.get(ev.role, 0.5) * searched * part * subject * learned * answers

        def quota(document_id: int) -> int:
            # Sources nearer the edge of the subject give fewer quotes than those squarely on it.
            close = self.on_subject.get(document_id, 0.0) >= best - CORE_MARGIN
            return PER_DOCUMENT_QUOTES if close else PER_EDGE_DOCUMENT_QUOTES

        limits = {Role.STATISTIC: FINDINGS_PER_DOCUMENT} if self.findings_asked else {}
        return spread(self.found, worth, quota, limits)


def read_library(desk: Desk, plan: ResearchPlan, embedder: Embedder | None) -> tuple[Aboutness, Aboutness]:
    """Return how the library's sources, and the service's own products, stand to the plan's subjects."""
    profiles = load_profiles(desk.store, embedder, desk.settings.profiles_dir)  # made by sync_index
    products = {d.id for d in desk.store.documents() if d.meta.source_type is SourceType.OUR_PRODUCT}
    sources = set(profiles.document_ids) - products
    return (
        read_subjects(plan.subjects, profiles, embedder, sources),
        read_subjects(plan.subjects, profiles, embedder, products),
    )


def own_coded(passages: list[Passage], captions: dict[int, str]) -> list[Passage]:
    """Return the passages a document's own coding files under a role (tables, role headings)."""
    if not captions:
        captions.update(table_captions(passages))
    return [p for p in passages if own_role(p, captions.get(p.seq, "")) is not None]
