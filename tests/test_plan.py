from researchdesk.requests.plan import ResearchPlan, asks_for_prior_products, derive_plan

DEMO = (
    "We are launching a cross-sector initiative on chronic disease prevention with our county health department "
    "and local partners. What are the barriers and facilitators of getting local tobacco and nutrition policies "
    "adopted and implemented? Have we produced any products or case studies on this?"
)
SCAN = (
    "We are running a cross-sector innovation initiative on public health and doing an environmental scan of the "
    "barriers and facilitators of cross-sector collaboration. Have we produced any products or case studies that "
    "highlight barriers or facilitators, or give examples?"
)


def test_demo_prompt_plan() -> None:
    plan = derive_plan(DEMO)
    assert plan.topic.lower().startswith("barriers and facilitators of")
    assert "tobacco" in plan.topic and "nutrition" in plan.topic
    assert plan.domain == "public health"
    facets = [f.facet for f in plan.facets]
    assert facets[0] == "prior products"
    assert {"barriers", "facilitators", "examples"} <= set(facets)
    prior = plan.facets[0]
    assert prior.filters == {"our_products": "only"}
    assert all(f.filters == {"our_products": "exclude"} for f in plan.facets[1:])
    # The subject is kept apart from the facets: no facet word stands in a subject.
    assert any("tobacco" in s for s in plan.subjects) and any("nutrition" in s for s in plan.subjects)
    assert not any(w in " ".join(plan.subjects) for w in ("barrier", "facilitator", "products", "case"))
    for f in plan.facets:
        # The first query searches the whole subject; the others one part of it each.
        assert "tobacco" in f.queries[0] and "nutrition" in f.queries[0]
        assert all(any(s in q for s in plan.subjects) or "cross-sector" in q for q in f.queries)


def test_environmental_scan_prompt() -> None:
    plan = derive_plan(SCAN)
    assert plan.topic == "Barriers and facilitators of cross-sector collaboration"
    assert "collaboration" in plan.keywords
    assert asks_for_prior_products(SCAN)


def test_other_questions_get_sensible_facets() -> None:
    plan = derive_plan(
        "How many counties have adopted tobacco 21 laws, and what data exist on their effects?"
    )
    assert "statistics" in [f.facet for f in plan.facets]
    plan = derive_plan("Please define complete streets and give examples from small towns.")
    facets = [f.facet for f in plan.facets]
    assert "definitions" in facets and "examples" in facets
    assert not asks_for_prior_products("What works to reduce sugary drink consumption?")


def test_plan_round_trips_and_rejects_unknown_facets() -> None:
    plan = derive_plan(DEMO)
    assert ResearchPlan.from_dict(plan.to_dict()) == plan
    bad = plan.to_dict()
    bad["facets"][0]["facet"] = "astrology"
    import pytest

    from researchdesk.errors import UnknownChoice

    with pytest.raises(UnknownChoice):
        ResearchPlan.from_dict(bad)


def test_questions_that_ask_what_was_met_when_doing_something() -> None:
    plan = derive_plan(
        "What barriers have local governments met when adopting tobacco policies, and what helped them?"
    )
    assert plan.topic == "Barriers and facilitators for local governments adopting tobacco policies"
    plan = derive_plan("What challenges did small cities face when launching food policy councils?")
    assert plan.topic == "Challenges for small cities launching food policy councils"


def test_questions_of_fact_also_ask_for_the_findings() -> None:
    for prompt in (
        "Is trouble paying for heating and cooling linked to diabetes?",
        "Is there evidence that what teenagers drink affects their mood?",
        "Which patients are most likely to build up multiple conditions, and does a poorer neighborhood play a part?",
        "Does booking a follow-up visit reduce readmissions after heart failure?",
        "How far did use of preventive services fall during the pandemic?",
        "Are people who rent more likely than homeowners to have chronic illnesses?",
        "Where are these risks worst, and how has weight gain in pregnancy changed since COVID?",
    ):
        facets = [f.facet for f in derive_plan(prompt).facets]
        assert "statistics" in facets, prompt
        assert {"barriers", "facilitators"} <= set(facets), prompt  # what helps and hinders stays asked
    assert "statistics" not in [
        f.facet for f in derive_plan("What helps schools adopt wellness policies?").facets
    ]


def test_what_a_prompt_asks_for_findings_or_factors() -> None:
    from researchdesk.requests.plan import asks_for_factors, asks_for_findings

    for prompt in (
        "How many people with asthma get vaccinated, and who tends to miss out?",
        "Nationally, which children are most affected by asthma?",
        "Have the racial gaps in asthma hospital stays narrowed over the past decade?",
        "How much farther do rural women now travel to reach a birthing hospital?",
        "Are more lung cancers being caught at an early stage than ten years ago?",
        "Has menthol use been rising or falling over the past twenty years?",
    ):
        assert asks_for_findings(prompt), prompt
        assert not asks_for_factors(prompt), prompt
    assert asks_for_factors("What helps clinics raise screening rates, and what gets in the way?")
    assert not asks_for_findings("What helps clinics raise screening rates, and what gets in the way?")


def test_what_do_you_have_on_two_questions_asks_each_of_them() -> None:
    from researchdesk.requests.plan import questions

    prompt = (
        "Our coalition has two concerns. What do you have on where these risks before pregnancy are worst, and "
        "on how weight during pregnancy has changed since COVID?"
    )
    assert questions(prompt) == [
        "Where these risks before pregnancy are worst?",
        "How weight during pregnancy has changed since COVID?",
    ]
    assert questions("What do you have on heat-health plans?") == ["What do you have on heat-health plans?"]
