"""What a brief says: the subject apart from the facets, findings only, the document's own coding, a
summary that answers. Pure rules first, then whole requests on the real sample library."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import make_desk
from researchdesk.brief.answer import Similarity, factor_name
from researchdesk.evidence.classify import classify
from researchdesk.evidence.extract import own_role
from researchdesk.evidence.findings import Part, passage_part, section_part
from researchdesk.evidence.not_findings import not_a_finding
from researchdesk.ingest.titles import byline_authors, is_byline
from researchdesk.models import BlockKind, Document, Evidence, IndexedPassage, Passage, Role, heading_of
from researchdesk.requests.plan import derive_plan, questions, with_subjects
from researchdesk.requests.subject import derive_subjects
from researchdesk.search.index import embedding_text


def test_the_subject_is_kept_apart_from_facets_and_asking() -> None:
    menthol = derive_subjects(
        "We want to run a community campaign about menthol cigarettes with our Black residents. "
        "What made such campaigns work, and what challenges did they run into?"
    )
    assert any("menthol cigarettes" in s for s in menthol)
    assert not any(w in " ".join(menthol).lower() for w in ("challenges", "work", "want"))
    assert (
        derive_subjects("What are the barriers and facilitators, and what has worked in other places?") == []
    )
    assert derive_subjects("What are the barriers to community engagement in public health policy?") == []
    # A qualifier makes a subject of the weak word it qualifies, and names nothing alone.
    assert derive_subjects(
        "We are running a cross-sector innovation initiative on public health and doing an environmental scan of "
        "the barriers and facilitators of cross-sector collaboration. Have we produced any case studies that "
        "highlight barriers or facilitators, or give examples?"
    ) == ["cross-sector collaboration"]
    assert not any(
        "cross-sector" in s
        for s in derive_subjects("We are launching a cross-sector initiative on chronic disease prevention.")
    )
    # Asking how to track or what makes work easier or harder names no subject.
    tracked = " ".join(
        derive_subjects(
            "Our hospitals want to track whether heart disease care is fair across patient groups. What makes "
            "collecting these data easier or harder?"
        )
    )
    assert "heart disease" in tracked
    assert not any(w in tracked.split() for w in ("track", "collecting", "easier", "harder"))
    two = derive_subjects("What helps local tobacco and nutrition policies get adopted?")
    assert len(two) == 2 and "tobacco" in two[0] and "nutrition" in two[1]


def test_a_plan_without_a_subject_is_named_by_staff() -> None:
    plan = derive_plan("What are the barriers and facilitators?")
    assert plan.subjects == []
    named = with_subjects(plan, ["heat-health action plans"])
    assert named.subjects == ["heat-health action plans"]
    assert [f.facet for f in named.facets] == [f.facet for f in plan.facets]
    assert all("heat-health action plans" in q for f in named.facets for q in f.queries)


@pytest.mark.parametrize(
    ("section", "kind", "part"),
    [
        ("Results › Lessons learned: challenges", BlockKind.PARAGRAPH, Part.FINDINGS),
        ("Discussion", BlockKind.PARAGRAPH, Part.FINDINGS),
        ("Acknowledgments", BlockKind.PARAGRAPH, Part.FURNITURE),
        ("References", BlockKind.LIST_ITEM, Part.FURNITURE),
        ("Author Information", BlockKind.PARAGRAPH, Part.FURNITURE),
        ("Methods › Interview guide", BlockKind.PARAGRAPH, Part.METHODS),
        ("Abstract › Evaluation Methods", BlockKind.PARAGRAPH, Part.METHODS),
        ("Abstract › Purpose and Objectives", BlockKind.PARAGRAPH, Part.AIMS),
        ("Discussion › Limitations", BlockKind.PARAGRAPH, Part.LIMITATIONS),
        ("Introduction", BlockKind.PARAGRAPH, Part.BACKGROUND),
        ("Tables", BlockKind.TABLE_ROW, Part.TABLE),
        ("Intervention Approach", BlockKind.PARAGRAPH, Part.OTHER),
    ],
)
def test_the_part_of_a_document_is_read_from_its_headings(section: str, kind: BlockKind, part: Part) -> None:
    assert section_part(section, kind) is part


def test_barrier_free_is_a_barrier_removed() -> None:
    from researchdesk.evidence.classify import classify

    quote = "The strategy is expected to increase awareness of barrier-free insurance coverage of cessation treatment."
    assert classify(quote).role is not Role.BARRIER
    assert classify("Cost was a barrier to cessation treatment.").role is Role.BARRIER


def test_a_figures_caption_is_not_quoted() -> None:
    caption = "Figure 2. Bivariate map of the percentage receiving energy assistance by US states, 2020. Note: tertiles."
    assert passage_part("Results", BlockKind.PARAGRAPH, caption) is Part.FURNITURE
    assert passage_part("Results", BlockKind.PARAGRAPH, "Table 2 shows that rates fell.") is Part.FINDINGS


def test_a_tables_notes_are_not_quoted() -> None:
    note = "a Data source: state survey, 2019-2021. Values are percentages. b Adjusted for age and income."
    assert passage_part("Tables", BlockKind.PARAGRAPH, note) is Part.FURNITURE


def test_a_paragraph_announcing_limitations_is_about_them() -> None:
    text = "This study has several limitations. First, the sample was small."
    assert passage_part("Discussion", BlockKind.PARAGRAPH, text) is Part.LIMITATIONS
    assert passage_part("Discussion", BlockKind.PARAGRAPH, "Trust mattered most.") is Part.FINDINGS


@pytest.mark.parametrize(
    "sentence",
    [
        "What helped your coalition pass the policy?",
        "The primary objective of our evaluation was to determine the facilitators and barriers.",
        "We interviewed 24 program directors between March and June.",
        "This work advances the understanding of cross-sector collaboration.",
        "These findings can help guide efforts to reduce tobacco use.",
        "This study has several limitations.",
        "The authors thank the county departments for their cooperation.",
        "Figure 2. Timeline of the campaign.",
        "Because of the nature of the registry, implementation presents challenges.",
        "Addressing these challenges head-on will be essential for leveraging AI.",
        "Most participants were female (63%).",
        "A key strength of this study is its large sample.",
        "The results of this evaluation will be used to plan next year's outreach in rural clinics.",
        "The state health department will share the findings with its local partners this spring.",
        "Our dashboard provides timely information for planning heat-health responses.",
        "Ongoing monitoring of overdose trends is needed to guide local prevention work.",
        "Continued monitoring of reactions can inform if warnings are achieving their regulatory goal.",
        "Smith and colleagues (12) examined survey data from 40 city planning departments.",
        "Several household and neighborhood factors were significantly associated with vaccine uptake.",
        "The second pilot advanced the evaluation of the program by repeating its measures.",
        "Values are adjusted odds ratios (95% CI) for each county group.",
        "As the program grows, the app will become more personal for each user.",
        "Of the 412 articles screened, 23 studies were included in the review.",
        "We identified 14 studies that evaluated clinic follow-up after discharge.",
        "Tailored interventions are needed to address these disparities in screening.",
        "It is crucial to design interventions that address the barriers the closures imposed.",
        "Much must be done to understand who is at risk and why.",
        "A plausible explanation could be the influence of providers' recommendations.",
        "Our findings should be viewed in the context of a high prevalence of anxiety among students.",
        "Our analysis included 27,526 survey respondents in 2018 and 2020.",
        "However, we did not have any information on these unreported infections by age group or sex.",
        "Of the 546,466 children with eligibility for 1 day or more in 2019, 78,641 (14%) were eligible for 365 days.",
        "Improving understanding about the reasons adults may be undiagnosed can help guide prevention strategies.",
        "This finding helped establish the face validity of our asthma prevalence estimate.",
        "Efforts were made to validate these results, whenever possible.",
        "Finally, diet often co-occurs with other behavioral factors that are causally related to mental health.",
        "As we delve into the transformative potential of AI in public health, it becomes apparent that bias matters.",
        "The findings of this study highlight the effect of disability status on screening rates.",
        "Our study results also have important implications for rental assistance programs.",
        "Dissemination of programs facilitating counseling for arthritis remains a public health priority.",
        "This finding was expected and is consistent with prior studies.",
        "Our study included 306,344 full-term, singleton live births among 239,597 mothers from 2015 through 2021.",
        "Participants lost to follow-up did not have significantly different measurements of blood pressure or HbA1c.",
        "Concept maps display perceived similarity of the 80 items and a 6-cluster solution.",
        "55. Partnering with community organizations to share health information 58. Use of multiple media sources",
        "Second, we identified cases from diagnosis codes because we lacked laboratory data.",
        "This reliance on diagnosis codes may have resulted in an underestimation of actual prevalence.",
        "Despite the potential utility of our results, county-level estimates should be interpreted with caution.",
        "These maps play an important role in improving stroke systems of care in the state.",
        "Future hypertension surveillance could leverage these timely data to track trends.",
        "The campaign could prove effective even where the industry outspends local health departments.",
        "Across the 14 studies that included a focus on nutrition, 7 described the nutritional component.",
        "Using health record data is necessary for advancing public health, but it is not without serious limitations.",
        "Thank you for helping the journal to make its mark on public health practice.",
        "This collection will feature student research on the prevention of chronic diseases.",
        "The sustainability of produce box distribution programs should also be considered.",
        "Knowledge and beliefs are important factors that enable health behaviors such as screening.",
        "Criteria for participation for the first group was that the participant must be aged at least 18 years.",
        "This evaluation had 3 primary outcomes: smoking, quit attempts and the cessation methods used.",
    ],
)
def test_sentences_that_are_not_findings(sentence: str) -> None:
    assert not_a_finding(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Coalitions that engaged youth were more likely to pass policies.",
        "We identified three barriers: cost, time and trust.",
        "Our findings suggest that trusted messengers mattered most.",
        "Limited staff capacity slowed implementation in smaller departments.",
        "Staff turnover presented challenges for the coalition in every county.",
        "Clinics can use the map to choose the barbershops closest to their patients.",
        "Our findings provide evidence that mailed reminders raised screening rates.",
        "Smith and colleagues (12) surveyed 40 departments. They found that dedicated staff doubled adoption.",
        "Training community health workers in asthma education was essential to the program's success.",
        "It is important to involve residents early in planning a new route.",
        "Our analysis included data from 3 states and found that screening fell by a third.",
        "We did not find a link between neighborhood income and enrollment.",
        "After adjusting for confounders, screening rates were higher in rural counties.",
        "As expected, screening rose in counties with mobile units.",
        "The results highlight that rural residents were less likely to be screened.",
        "Community health workers play an important role in connecting families to care.",
        "Trusted messengers proved effective in reaching older smokers.",
        "Across the 14 programs, staff turnover was the most common barrier.",
        "Staffing shortages and unstable funding limited what the coalitions could do.",
        "We found that trust in the clinic was an important factor that drives return visits.",
        "Clinics should offer evening hours so that working parents can attend.",
    ],
)
def test_findings_are_findings(sentence: str) -> None:
    assert not_a_finding(sentence) == ""


def _text_passage(text: str, section: str, kind: BlockKind = BlockKind.PARAGRAPH, label: str = "") -> Passage:
    """Return a passage that is the whole of ``text`` (document offsets 0 to its end)."""
    return Passage(
        document_id=1, seq=1, start=0, end=len(text), text=text, section=section, kind=kind, label=label
    )


def _passage(section: str = "", kind: BlockKind = BlockKind.PARAGRAPH, label: str = "") -> Passage:
    return Passage(document_id=1, seq=1, start=0, end=1, text="x", section=section, kind=kind, label=label)


def test_the_documents_own_coding_names_the_role() -> None:
    assert own_role(_passage("Results › Lessons learned: challenges")) is Role.BARRIER
    assert own_role(_passage("Results › Lessons learned: facilitators")) is Role.FACILITATOR
    assert own_role(_passage("Results › Barriers and facilitators")) is None
    assert own_role(_passage("Discussion")) is None
    row = _passage("Tables", BlockKind.TABLE_ROW, label="Facilitator")
    assert own_role(row) is Role.FACILITATOR
    unlabelled = _passage("Tables", BlockKind.TABLE_ROW, label="Theme")
    assert own_role(unlabelled, "Table 2. Barriers to Implementing the Program") is Role.BARRIER
    assert own_role(unlabelled, "Table 1. Characteristics of Participants") is None


def test_the_service_grouping() -> None:
    assert heading_of(Role.RECOMMENDATION) == heading_of(Role.FACILITATOR) == "Facilitators"
    assert heading_of(Role.RESEARCH_GAP) == heading_of(Role.BARRIER) == "Barriers"
    assert heading_of(Role.CONTEXT) == ""


def _evidence(quote: str, role: Role, label: str = "") -> Evidence:
    return Evidence(1, 1, 0, len(quote), quote, role, 0.9, "", label=label)


def test_factors_are_named_from_the_evidence() -> None:
    assert factor_name(
        _evidence("Smaller vendors have less capacity.", Role.BARRIER, "Capacity of vendors")
    ) == ("Capacity of vendors")
    listed = factor_name(
        _evidence("Barriers included cost, distance, and mistrust of clinics.", Role.BARRIER)
    )
    assert listed == "cost, distance, and mistrust of clinics"
    lack = factor_name(_evidence("Lack of staff nutrition knowledge was a major barrier (12).", Role.BARRIER))
    assert lack.lower().startswith("lack of staff nutrition knowledge")
    helped = factor_name(
        _evidence("Strong partnerships with county administrators facilitated adoption.", Role.FACILITATOR)
    )
    assert helped.lower().startswith("strong partnerships with county administrators")


def test_questions_of_a_prompt() -> None:
    assert questions("We run a clinic. What helps? What gets in the way?") == [
        "What helps?",
        "What gets in the way?",
    ]
    assert questions("Tell us about menthol campaigns.") == ["Tell us about menthol campaigns."]


def test_an_author_line_is_not_a_heading() -> None:
    line = "Michelle Wood, DrPH, MPP1; Brenda Robles, PhD, MPH2; Tony Kuo, MD, MSHS4,5 (View author affiliations)"
    assert is_byline(line)
    assert byline_authors(line) == ["Michelle Wood", "Brenda Robles", "Tony Kuo"]
    assert not is_byline("Lessons learned: challenges")
    assert not is_byline("Results; discussion")


def test_a_passage_is_embedded_with_its_title_and_headings() -> None:
    p = IndexedPassage(
        1,
        1,
        "Two of five cities lacked staff.",
        "Results › Staffing",
        None,
        0,
        10,
        "Barriers to Heat-Health Action Plans",
        "2024",
        "journal article",
        "",
        "",
        "a.pdf",
    )
    assert (
        embedding_text(p)
        == "Barriers to Heat-Health Action Plans › Results › Staffing. Two of five cities lacked staff."
    )
    bare = IndexedPassage(2, 1, "Text.", "", None, 0, 5, "", "", "", "", "", "b.txt")
    assert embedding_text(bare) == "Text."


RECORDS = """TY  - JOUR
TI  - Naloxone vending machines in public libraries: a county pilot
AU  - Rivera, Ana
AU  - Chen, Li
T2  - Journal of Public Health Management and Practice
PY  - 2023
DO  - 10.1000/naloxone.2023.1
AB  - Naloxone vending machines placed in six county libraries gave out 1,240 kits in their first year. Staff at small branches reported that restocking the machines every week was a barrier they could not meet without help. Partnerships with harm reduction organizations helped keep the machines supplied and trained library staff.
ER  -

TY  - JOUR
TI  - School gardens and fruit and vegetable intake among elementary students
AU  - Okafor, Grace
T2  - Journal of School Health
PY  - 2022
DO  - 10.1000/gardens.2022.7
AB  - Students in schools with gardens ate more vegetables at lunch. Teachers reported that summer maintenance of the gardens was difficult.
ER  -

TY  - JOUR
TI  - Protected bike lanes and cycling to work in mid-sized cities
AU  - Berg, Lars
T2  - Transport Policy
PY  - 2021
DO  - 10.1000/bikes.2021.3
AB  - Protected bike lanes raised commuter cycling by a fifth. Opposition from business owners slowed approval of new lanes.
ER  -
"""


def test_a_record_with_only_its_abstract_is_quoted_on_its_subject(tmp_path: Path) -> None:
    """A reference imported from a reference manager competes for the brief like a full text (and a
    desk without an embedding model reads the subject from words alone)."""
    from researchdesk.brief.service import draft
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import add_member, file_request

    desk = make_desk(tmp_path / "desk", embedder="none")
    path = tmp_path / "refs.ris"
    path.write_text(RECORDS, encoding="utf-8")
    ingest_paths(desk, [path])
    add_member(desk, "Harbor County", "county")
    rid = file_request(
        desk,
        "Harbor County",
        "What helped counties run naloxone vending machines in libraries, and what got in the way?",
    )
    run_scan(desk, rid)
    brief, report = draft(desk, rid, auto=True)
    assert report.ok, report.errors
    assert [s.title for s in brief.sources] == [
        "Naloxone vending machines in public libraries: a county pilot"
    ]
    quotes = brief.sources[0].quotes
    assert {q.location for q in quotes} == {"Abstract"}
    roles = {heading_of(q.role) for q in quotes}
    assert {"Barriers", "Facilitators"} <= roles
    assert len(brief.sources[0].authors) == 2
    desk.close()


def test_a_table_cell_is_quoted_as_a_statement_not_a_category() -> None:
    from researchdesk.evidence.extract import _is_content_cell

    assert _is_content_cell("Smaller vendors have less capacity to implement nutrition standards")
    assert _is_content_cell("Building partnerships with county administrators and contract managers.")
    assert not _is_content_cell("Group exercise classes or programs, in general")
    assert not _is_content_cell("Specific forms of physical activity (eg, swimming, walking, dancing)")
    # Names and label paths say nothing quoted alone, however long.
    assert not _is_content_cell(
        "Heat Ready Neighborhoods Campaign, “Cool Streets for Kids” and “Beat the Heat Together”"
    )
    assert not _is_content_cell("Household income level → Use of preventive dental services")


def test_a_summary_box_on_what_is_known_is_background() -> None:
    assert section_part("What is already known on this topic?") is Part.BACKGROUND
    assert section_part("What is added by this report?") is Part.FINDINGS


def test_each_part_of_a_question_is_answered_on_its_own() -> None:
    assert questions(
        "Is there evidence bike lanes increase cycling, and what helps staff get them built?"
    ) == [
        "Is there evidence bike lanes increase cycling?",
        "What helps staff get them built?",
    ]


def test_a_summary_answers_have_others_done_it_and_names_what_it_cannot_answer() -> None:
    from researchdesk.brief.answer import summarize
    from researchdesk.models import Document, DocumentMeta

    doc = Document(
        7,
        DocumentMeta(title="Nutrition Standards in County Food Contracts", authors=["Ana Wood"], date="2024"),
        "",
        "h",
        "a.html",
        "html",
        1,
    )
    barrier = Evidence(
        7, 1, 0, 60, "Smaller vendors had less capacity to meet the standards.", Role.BARRIER, 0.9, ""
    )
    barrier.id = 1
    paragraphs, support = summarize(
        "Have other counties written nutrition standards into vendor contracts, and what challenges did they "
        "run into? What did the standards cost?",
        ["nutrition standards vendor contracts"],
        [],
        [barrier],
        {7: doc},
        [],
        run="scan:1",
        held=1,
    )
    text = "\n".join(paragraphs)
    assert "On “Have other counties written nutrition standards into vendor contracts?”: yes" in text
    assert "Nutrition Standards in County Food Contracts" in text and "(Wood, 2024)" in text
    assert "What gets in the way" in text and "On costs: none of the quoted sources" in text
    assert "Have we produced anything" not in text  # the member did not ask what the service wrote
    assert "searches" not in text and "Next steps" not in text  # no counts, no promises: answers
    assert len(paragraphs) == len(support) and all(support)


def test_a_factor_is_never_a_hanging_fragment() -> None:
    cut = _evidence("Programs reported a lack of local. Staff were few.", Role.BARRIER)
    assert factor_name(cut) == "“Programs reported a lack of local”"
    predicate = _evidence(
        "Shared data systems and trained staff are key strategies to ensure programs are fair and durable.",
        Role.FACILITATOR,
    )
    assert factor_name(predicate) == "shared data systems and trained staff"


def test_how_questions_ask_what_helps_and_yes_no_questions_ask_whether_it_works() -> None:
    from researchdesk.brief.answer import _EFFECT, _asks_help

    assert _asks_help("How can we get more residents to sign up?")
    assert not _EFFECT.search("How can we reduce these risks?")
    assert _EFFECT.search("Does a shorter online class still work?")
    assert _EFFECT.search("Is there evidence that bike lanes increase cycling?")


def test_what_a_program_did_is_an_example_unless_the_text_says_it_helped() -> None:
    from researchdesk.evidence.classify import classify

    described = classify(
        "The campaign also ran radio spots through a partnership with a local Black-owned station."
    )
    assert described.role is Role.EXAMPLE
    judged = classify("The coalition partnered with faith leaders, which helped build trust in the program.")
    assert judged.role is Role.FACILITATOR


def test_a_summary_says_when_a_question_rests_on_one_source() -> None:
    from researchdesk.brief.answer import summarize
    from researchdesk.models import Document, DocumentMeta

    docs = {
        i: Document(
            i, DocumentMeta(title=f"Study {i}", authors=[name], date="2023"), "", "h", f"{i}.html", "html", 1
        )
        for i, name in ((7, "Ana Wood"), (8, "Li Chen"))
    }
    helps = Evidence(
        7, 1, 0, 60, "Trained vendors were key to meeting the standards.", Role.FACILITATOR, 0.9, ""
    )
    hinders = Evidence(
        8, 2, 0, 60, "Small vendors lacked staff to meet the standards.", Role.BARRIER, 0.9, ""
    )
    also = Evidence(7, 3, 0, 60, "Limited staff time made monitoring difficult.", Role.BARRIER, 0.9, "")
    for n, e in enumerate((helps, hinders, also), 1):
        e.id = n
    paragraphs, _ = summarize(
        "What helps counties put nutrition standards in vendor contracts, and what gets in the way?",
        ["nutrition standards vendor contracts"],
        [],
        [helps, hinders, also],
        docs,
        [],
        run="scan:1",
        held=2,
    )
    coverage = paragraphs[-1]
    assert "Gaps: only one source speaks to what helps (Wood, 2023)" in coverage
    assert "what gets in the way (" not in coverage  # two sources speak to it


def test_sources_beyond_the_quoted_few_are_kept_for_further_reading() -> None:
    import numpy as np

    from researchdesk.requests.aboutness import MAX_MORE, MAX_SOURCES, _reading

    scores = np.array([0.9 - 0.01 * i for i in range(MAX_SOURCES + MAX_MORE + 2)] + [0.1], dtype=np.float32)
    ids = list(range(100, 100 + len(scores)))
    reading = _reading("school gardens", scores, ids, floor=0.47)
    assert list(reading.documents) == ids[:MAX_SOURCES]
    assert reading.more == ids[MAX_SOURCES : MAX_SOURCES + MAX_MORE]  # then nothing: a bibliography it is not


def _quote(document_id: int, number: int, text: str, role: Role, confidence: float = 0.9) -> Evidence:
    """Return a quote of ``text`` as evidence numbered ``number`` (its id and passage), for the summary tests."""
    ev = Evidence(document_id, number, 0, len(text), text, role, confidence, "")
    ev.id = number
    return ev


def _summary(
    prompt: str, subjects: list[str], quotes: list[Evidence], similar: Similarity | None = None
) -> list[str]:
    """Return the summary paragraphs of quotes from ``_two_docs`` (quote 1 is the central result)."""
    from researchdesk.brief.answer import summarize

    paragraphs, _ = summarize(
        prompt, subjects, [], quotes, _two_docs(), [], run="scan:1", held=1, central=[1], similar=similar
    )
    return paragraphs


def _two_docs() -> dict[int, Document]:
    from researchdesk.models import Document, DocumentMeta

    return {
        7: Document(
            7,
            DocumentMeta(
                title="Estimating the Burden of Long COVID in One State", authors=["Ana Wood"], date="2024"
            ),
            "",
            "h",
            "7.html",
            "html",
            1,
        ),
        8: Document(
            8,
            DocumentMeta(title="Clinic Follow-Up", authors=["Li Chen"], date="2024"),
            "",
            "h",
            "8.html",
            "html",
            1,
        ),
    }


def test_the_summary_names_a_barrier_from_the_sentence_that_states_it() -> None:
    from researchdesk.brief.answer import main_factors, stating_sentence

    two = _quote(
        7,
        1,
        "Protecting population health is the goal of surveillance. However, many agencies lack the staff and funding to collect chronic disease data.",
        Role.BARRIER,
    )
    assert stating_sentence(two).startswith("However, many agencies lack")
    # A quote filed under Barriers with no sentence that reads as one is not summed up as a barrier.
    context = _quote(7, 2, "The program served 40 schools across the county.", Role.BARRIER)
    names = [f.name for f in main_factors([context, two], "Barriers")]
    assert len(names) == 1 and "lack the staff" in names[0]


def test_a_report_of_a_finding_is_not_named_as_a_factor() -> None:
    from researchdesk.brief.answer import factor_name

    ev = _quote(
        7,
        1,
        "Legislators reported that health data were important but rarely heard from researchers.",
        Role.BARRIER,
    )
    name = factor_name(ev)
    assert not name.startswith("legislators reported that"), name
    assert name.startswith("“Legislators reported")  # the sentence itself, whole, rather than a fragment


def test_a_question_about_findings_gets_no_helps_and_barriers_paragraphs() -> None:
    result = _quote(7, 1, "About 6.4% of adults were living with long COVID in 2023.", Role.STATISTIC)
    helps = _quote(
        7, 2, "Strong partnerships with clinics helped the survey reach rural residents.", Role.FACILITATOR
    )
    paragraphs = _summary("Which groups are most affected by long COVID?", ["long COVID"], [result, helps])
    assert not any(p.startswith("What helps") for p in paragraphs)
    asked_helps = _summary("What helps agencies study long COVID?", ["long COVID"], [result, helps])
    assert any(p.startswith("What helps") for p in asked_helps)


def test_how_to_find_out_is_answered_by_the_source_whose_title_asks_it() -> None:
    result = _quote(7, 1, "About 6.4% of adults were living with long COVID in 2023.", Role.STATISTIC)

    def similar(question: str, texts: Sequence[str]) -> list[float]:
        # Stands in for the embedder: closeness by shared words between the question and each text.
        q = set(question.lower().replace("?", "").split())
        return [len(q & set(t.lower().split())) / max(1, len(q)) for t in texts]

    paragraphs = _summary(
        "How can we estimate the burden of long COVID in our state?",
        ["long COVID"],
        [result],
        similar=similar,
    )
    answer = next(p for p in paragraphs if p.startswith("On “How can we estimate"))
    assert "take this up in “Estimating the Burden of Long COVID in One State”" in answer
    assert "6.4%" in answer
    assert "give the result, not how it was made" in answer  # the quote has the estimate, not the way
    assert not any(p.startswith("What helps") for p in paragraphs)  # how to find out is not what helps
    how = _quote(
        7,
        2,
        "We combined case reports with survey data to estimate that 6.4% of adults had long COVID.",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "How can we estimate the burden of long COVID in our state?", ["long COVID"], [how], similar=similar
    )
    answer = next(p for p in paragraphs if p.startswith("On “How can we estimate"))
    assert "6.4%" in answer and "not how it was made" not in answer


def test_a_follow_up_that_points_back_stays_with_its_question() -> None:
    from researchdesk.requests.plan import questions

    assert questions("How far did screening fall and has it come back, and which residents fell behind?") == [
        "How far did screening fall and has it come back?",
        "Which residents fell behind?",
    ]
    assert len(questions("How often do providers talk with patients, and do they recommend programs?")) == 2


def test_counts_caveats_and_biases_are_not_findings() -> None:
    from researchdesk.evidence.not_findings import not_a_finding

    assert not_a_finding("Of these, 32 articles underwent full-text review and 15 met inclusion criteria.")
    assert not_a_finding(
        "It may be difficult to document increases in intake in a population already eating well."
    )
    assert not_a_finding("Assigning the median value of a parameter might have biased our results.")
    assert not not_a_finding("Staff found it difficult to recruit volunteers in rural counties.")


def test_what_to_do_under_a_challenges_heading_is_a_recommendation() -> None:
    from researchdesk.evidence.extract import candidates
    from researchdesk.ingest.segment import sentence_spans

    text = (
        "Lack of governance limits access to the data agencies need. "
        "A modernized data system will require new data-sharing agreements between agencies."
    )
    passage = _text_passage(text, "Results › Shared Challenges")
    found = {e.quote: e.role for e in candidates(passage, sentence_spans(text), text, max_sentences=1)}
    assert found["Lack of governance limits access to the data agencies need."] is Role.BARRIER
    assert found["A modernized data system will require new data-sharing agreements between agencies."] is (
        Role.RECOMMENDATION
    )


def test_two_quotes_reporting_one_figure_repeat_a_finding() -> None:
    from researchdesk.requests.spread import figures

    abstract = "A mailed program would enable more than 110,000 additional screens (95% CI, 1.2-2.3)."
    discussion = "We project that the recommended strategy would enable more than 110,000 additional screens."
    other = "Screening rose by 6.4% in the second year (95% CI, 5.9%-6.8%), in 2021."
    assert figures(abstract) & figures(discussion) == {"110,000"}
    assert not figures(abstract) & figures(other)  # a confidence level or a year marks no finding


def test_which_groups_and_how_many_are_answered_by_groups_and_figures() -> None:
    from researchdesk.brief.answer import answer_sentence, answering, group_answers

    vague = _quote(
        7, 1, "Most older adults belonged to the group with a moderate number of conditions.", Role.STATISTIC
    )
    groups = _quote(
        7,
        2,
        "Our model covered the whole state. Prevalence was higher among women and rural residents than among men.",
        Role.STATISTIC,
    )
    which = "Which residents are most affected?"
    assert group_answers(which, [vague, groups]) == [groups]
    assert answer_sentence(which, groups.quote).startswith("Prevalence was higher among women")
    factors = _quote(
        8,
        5,
        "Factors such as sex, age and education were related to a worse trajectory.",
        Role.EXAMPLE,
        confidence=0.6,
    )
    assert group_answers("Which patients are most likely to build up conditions?", [vague, factors]) == [
        factors
    ]
    # Words alone would pick the vague line ("older adults"); it names no group that fared better or worse.
    assert answering("Which older adults build up conditions?", ["conditions"], [vague]) == []
    how_many = "How many adults have had a breathing test?"
    told = _quote(7, 3, "Breathing tests help adults learn whether they have COPD.", Role.CONTEXT)
    counted = _quote(7, 4, "Only 38% of adults at higher risk had ever had a breathing test.", Role.STATISTIC)
    assert answering(how_many, ["COPD"], [told, counted]) == [counted]


def test_rows_of_a_table_describing_who_took_part_are_not_quoted() -> None:
    from researchdesk.evidence.extract import candidates

    text = "Free or reduced-price school lunch or breakfast | 191 (45.8) | 128 (27.0)"
    row = _text_passage(text, "Tables", BlockKind.TABLE_ROW, label="Participation in assistance programs")
    sample = "Table 1. Demographic Characteristics, Participants in a Produce Box Program in 22 US Cities"
    assert candidates(row, [(0, len(text))], text, table_caption=sample) == []
    found = candidates(row, [(0, len(text))], text, table_caption="Table 4. What Helped Families Take Part")
    assert found  # the same row in a table of what helped is quoted


def test_at_higher_risk_is_not_a_question_about_obstacles() -> None:
    from researchdesk.brief.answer import _asks_hinder

    assert not _asks_hinder("How many of those at higher risk ever get a breathing test?")
    assert _asks_hinder("What equity and ethical risks should we plan for?")


def test_what_worked_is_named_when_no_quote_names_a_facilitator() -> None:
    result = _quote(
        7,
        1,
        "Participants had a greater increase in fruit consumption (0.43 times/d; P < .001).",
        Role.STATISTIC,
    )
    paragraphs = _summary("What programs have worked, and what were their obstacles?", ["fruit"], [result])
    helps = next(p for p in paragraphs if p.startswith("What helps"))
    assert "the sources show what worked" in helps and "Wood, 2024" in helps
    # Said in the authors' words when the source also says it without figures.
    in_words = _quote(
        7,
        2,
        "Findings indicate that a produce box model increased fruit consumption among families.",
        Role.CONTEXT,
    )
    paragraphs = _summary("What programs have worked?", ["fruit"], [result, in_words])
    helps = next(p for p in paragraphs if p.startswith("What helps"))
    assert "a produce box model increased fruit consumption" in helps and "0.43" not in helps


def test_the_summary_leads_with_the_factors_of_the_sources_most_on_the_subject() -> None:
    from researchdesk.brief.answer import main_factors

    edge = _quote(
        8, 1, "Strong leadership support helped clinics adopt the program.", Role.FACILITATOR, confidence=0.95
    )
    core = _quote(
        7, 2, "Trusted messengers helped the campaign reach residents.", Role.FACILITATOR, confidence=0.8
    )
    names = [f.name for f in main_factors([edge, core], "Facilitators", ranked=[7, 8])]
    assert "messengers" in names[0]
    # Under a heading where no sentence states the direction, the quotes are still summed up (never "none").
    plain = _quote(7, 3, "The program served 40 schools across the county.", Role.FACILITATOR)
    assert main_factors([plain], "Facilitators")


def test_a_sentence_about_recommendations_given_is_not_a_recommendation() -> None:
    from researchdesk.evidence.classify import classify

    lacking = classify(
        "Counseling about activity is lacking in frequency, actionable content, and recommendations to join programs."
    )
    assert lacking.role is Role.BARRIER
    assert classify("We recommend that counties adopt nutrition standards.").role is Role.RECOMMENDATION


def test_a_figure_title_set_as_prose_is_not_quoted() -> None:
    from researchdesk.evidence.extract import candidates, is_verbless
    from researchdesk.ingest.segment import sentence_spans

    title = "Multifaceted approach for ethical and equitable implementation of artificial intelligence in public health."
    text = f"{title} Figure. Partners must set shared standards for how AI tools are checked for bias before use."
    passage = _text_passage(text, "Discussion")
    quotes = [e.quote for e in candidates(passage, sentence_spans(text), text)]
    assert quotes and not any(q.startswith("Multifaceted") for q in quotes)
    assert is_verbless(title)
    assert not is_verbless("Participants in the program lost weight over the first year of classes.")


def test_an_aim_in_the_imperative_is_not_a_barrier() -> None:
    from researchdesk.evidence.classify import classify

    aim = classify(
        "Decrease disparities in the use of cessation treatment among populations with high smoking rates"
    )
    assert aim.role is Role.RECOMMENDATION
    assert classify("Increase in staff turnover was a barrier to the program.").role is Role.BARRIER
    assert classify("Reduced funding limited outreach in rural counties.").role is Role.BARRIER


def test_a_sentence_that_sets_the_time_qualifies_each_of_its_subjects() -> None:
    subjects = derive_subjects(
        "During the COVID-19 pandemic many residents put off checkups and cancer screenings. "
        "How far did use of preventive services fall?"
    )
    # "cancer screenings" alone would bring in every article on screening, pandemic or not.
    assert subjects[:2] == ["COVID-19 pandemic checkups", "COVID-19 pandemic cancer screenings"]
    assert derive_subjects("Residents put off checkups and cancer screenings.") == [
        "checkups",
        "cancer screenings",
    ]


def test_a_discussion_restating_the_abstract_in_other_small_words_repeats_a_finding() -> None:
    from researchdesk.requests.spread import restates, similarity, word_trigrams
    from researchdesk.search.tokenize import tokenize

    abstract = (
        "Strategies to improve patient awareness and patient–provider communications and promote use of "
        "breathing tests (spirometry) in patients at higher risk of COPD are needed to support early screening, "
        "diagnosis, and management of COPD."
    )
    discussion = (
        "Strategies to improve patient awareness and patient–provider communications and to promote the use of "
        "breathing tests among patients who are at higher risk for COPD are needed to support the early "
        "screening, diagnosis, and management of COPD and its symptoms."
    )
    related = (
        "More than half of adults at higher COPD risk had not received a breathing test and may benefit from "
        "discussing respiratory symptoms with their health care providers."
    )
    assert similarity(word_trigrams(abstract), word_trigrams(discussion)) < 0.4  # trigrams miss it
    assert restates(set(tokenize(abstract)), set(tokenize(discussion)))
    assert not restates(set(tokenize(abstract)), set(tokenize(related)))


@pytest.mark.parametrize(
    "sentence",
    [
        "By enhancing accessibility, affordability, and awareness of screenings, we could mitigate the effects "
        "of a crisis like the pandemic on screening rates.",
        "To advance public health responsibly, it is also imperative that partners work collaboratively.",
        "By implementing these steps, health care and public health professionals can leverage AI to enhance outcomes.",
    ],
)
def test_means_to_an_end_and_imperatives_prescribe(sentence: str) -> None:
    from researchdesk.evidence.cues import PRESCRIBES

    assert PRESCRIBES.search(sentence)


def test_a_year_opening_a_sentence_is_not_a_means() -> None:
    from researchdesk.evidence.cues import PRESCRIBES

    assert not PRESCRIBES.search("By 2020, rates had fallen, and we could not measure the change.")


def test_a_recommendation_named_only_as_a_noun_is_context() -> None:
    from researchdesk.evidence.classify import classify

    found = classify(
        "Colorectal screening and colonic adenoma detection by age group aligned with screening "
        "recommendation age changes during this period."
    )
    assert found.role is Role.CONTEXT


@pytest.mark.parametrize(
    ("question", "without", "with_it", "gap"),
    [
        (  # the size of a change: "declined" is not "fell by 27%"
            "How far did use of preventive services fall?",
            "Among over 30 million patients, use of preventive services declined in 2020 and then rebounded.",
            "Use of preventive services fell by 27% in 2020 and then rebounded.",
            "do not say by how much",
        ),
        (  # which groups: "the groups differ" is not "higher among women"
            "Which groups are most affected by long COVID?",
            "We found substantial differences in long COVID prevalence across age groups and sex.",
            "Long COVID prevalence was higher among women than among men.",
            "say the groups differ, not which fare worst",
        ),
    ],
)
def test_an_answer_without_what_the_question_asks_for_is_a_gap(
    question: str, without: str, with_it: str, gap: str
) -> None:
    paragraphs = _summary(question, ["pandemic"], [_quote(7, 1, without, Role.STATISTIC)])
    assert gap in paragraphs[-1]
    paragraphs = _summary(question, ["pandemic"], [_quote(7, 2, with_it, Role.STATISTIC)])
    assert gap not in paragraphs[-1]


def test_the_main_finding_of_a_source_is_its_result_closest_to_the_question() -> None:
    from researchdesk.brief.answer import summarize
    from researchdesk.brief.compose import _similarity

    first = _quote(
        7, 1, "Most older adults belonged to the group with a moderate number of conditions.", Role.CONTEXT
    )
    closest = _quote(
        7,
        2,
        "Sociodemographic factors such as sex, age and education were related to a worse trajectory of multimorbidity.",
        Role.CONTEXT,
    )
    advice = _quote(
        7,
        3,
        "Helping patients most likely to build up multiple chronic conditions remains a public health priority.",
        Role.FACILITATOR,
    )
    paragraphs, _ = summarize(
        "Which patients are most likely to build up multiple chronic conditions?",
        ["multiple chronic conditions"],
        [],
        [first, closest, advice],
        _two_docs(),
        [],
        run="scan:1",
        held=1,
        central=[1, 2, 3],
        similar=_similarity("minilm"),
    )
    # The closest result, never the source's advice however close its words.
    assert paragraphs[0].startswith("Main findings:") and "Sociodemographic factors" in paragraphs[0]


def test_each_quote_answers_the_question_it_is_closest_to() -> None:
    from researchdesk.brief.compose import _similarity

    trend = _quote(
        7,
        1,
        "Asthma hospitalization rates fell at a similar rate across all racial and ethnic groups from 2012 to 2019, "
        "so the gaps between groups did not narrow.",
        Role.STATISTIC,
    )
    prevalence = _quote(
        7,
        2,
        "Current asthma prevalence was higher among non-Hispanic Black children (12.5%) than among non-Hispanic "
        "White children (5.7%).",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "Have the racial gaps in asthma hospital stays narrowed over the past decade? And which children are most "
        "affected by asthma and its medical costs?",
        ["childhood asthma racial gaps"],
        [trend, prevalence],
        similar=_similarity("minilm"),
    )
    which = next(p for p in paragraphs if p.startswith("On “And which children"))
    narrowed = next(p for p in paragraphs if p.startswith("On “Have the racial gaps"))
    assert "12.5%" in which and "12.5%" not in narrowed
    # The trend leads the summary as its main finding; the answer points to it rather than quote it again.
    assert "did not narrow" in paragraphs[0] and "quoted above" in narrowed
    # "Its medical costs" is part of which children are most affected, not a question of what the work costs.
    assert not any(p.startswith("On costs") for p in paragraphs)


def test_a_central_result_far_from_the_question_does_not_lead_the_summary() -> None:
    from researchdesk.brief.compose import _similarity

    surges = _quote(
        7,
        1,
        "Local population-level surges in COVID-19 were associated with increases in HbA1c above trendlines.",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "What helps keep uninsured immigrant patients coming back to our free clinic's healthy-living classes?",
        ["free clinic healthy-living classes retention"],
        [surges],
        similar=_similarity("minilm"),
    )
    assert not any(p.startswith("Main findings") for p in paragraphs)


def test_quotes_that_answered_one_question_do_not_answer_the_next_again() -> None:
    rose = _quote(
        7,
        1,
        "Exposure to warning labels increased among male and female students from 2018 to 2019 (12.5% to 18.1%).",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "Are more students seeing these warning labels? Which students see them most and least?",
        ["warning labels"],
        [rose],
    )
    second = next(p for p in paragraphs if p.startswith("On “Which students"))
    assert "none of the quoted sources answers this directly" in second


def test_a_sentence_whose_means_is_left_out_points_back() -> None:
    from researchdesk.evidence.extract import _POINTS_BACK

    assert _POINTS_BACK.match("By implementing these recommendations, professionals can leverage AI.")
    assert not _POINTS_BACK.match("By enhancing awareness of screenings, we could mitigate the effects.")
    assert _POINTS_BACK.match(
        "Previous literature indicates that these differences may be due to access to care."
    )
    assert not _POINTS_BACK.match(
        "Rural counties had higher smoking rates; these differences persisted after 2019."
    )


def test_an_answer_option_of_a_survey_question_is_not_quoted() -> None:
    from researchdesk.evidence.extract import candidates

    row = "Talk about the types of physical activity should be doing | 297 | 50.9 (46.2–55.5)"
    question = (
        "When your provider talked about physical activity, which of the following did they do? (n = 583)"
    )
    asked = _text_passage(row, "Tables", BlockKind.TABLE_ROW, label=question)
    assert candidates(asked, [], row) == []
    stated = _text_passage(row, "Tables", BlockKind.TABLE_ROW, label="Facilitators")
    assert candidates(stated, [], row)  # the same row under a role label is a facilitator


def test_a_sentence_opening_of_these_points_back() -> None:
    from researchdesk.evidence.extract import _POINTS_BACK

    assert _POINTS_BACK.match("Of these, 9,785 (12%) had an asthma diagnosis in 2019.")
    assert not _POINTS_BACK.match("Of the 20 clinics, 12 sent reminder letters.")


def test_a_sentence_speaking_of_what_it_does_not_name_is_quoted_with_the_one_before() -> None:
    from researchdesk.evidence import candidates

    before = "States must spend a fifth of their grants on reducing tobacco-related disparities."
    after = "National networks help states with technical assistance to meet this requirement."
    text = f"{before} {after}"
    passage = Passage(document_id=1, seq=1, start=0, end=len(text), text=text, section="Results")
    spans = [(0, len(before)), (len(before) + 1, len(text))]
    quotes = [e.quote for e in candidates(passage, spans, text, max_sentences=2)]
    assert quotes and after not in quotes  # alone it says nothing: which requirement?


def test_an_edge_source_must_share_what_makes_the_core_on_the_subject() -> None:
    from researchdesk.requests.aboutness import SubjectReading, _keep_edge_on_subject_words
    from researchdesk.search.tokenize import tokenize

    subject, parts = "energy bills diabetes pantries", ["energy bills diabetes", "pantries"]
    words = {
        1: frozenset(tokenize("Energy insecurity, utility bills and diabetes management")),  # the core
        2: frozenset(
            tokenize("Diabetes self-management classes by county")
        ),  # diabetes only: another subject
        3: frozenset(tokenize("Unfair treatment at food pantries")),  # the prompt's second part
        4: frozenset(tokenize("Heating bills and energy assistance for adults with diabetes")),
    }
    weight = {t: 1.0 for w in words.values() for t in w} | {t: 1.0 for t in tokenize(subject)}
    reading = SubjectReading(subject, 0.8, {1: 0.8, 2: 0.68, 3: 0.66, 4: 0.65}, more=[9])
    _keep_edge_on_subject_words(reading, [set(tokenize(p)) for p in parts], words, None, weight)
    assert list(reading.documents) == [1, 3, 4]
    assert reading.more == [2, 9]  # named under Further Reading, ahead of those further off


def test_a_list_items_number_is_not_quoted_as_a_sentence() -> None:
    from researchdesk.brief.answer import _sentence, answer_sentence

    item = "55. Partnering with community organizations to share health information. 58. Use of media"
    assert _sentence(item).startswith("“Partnering with community")
    assert len(answer_sentence("What did they learn?", item).split()) >= 3


def test_a_question_of_fact_ranks_the_studies_results_above_unasked_advice() -> None:
    from researchdesk.requests.scan import ROLE_WEIGHT, role_weights

    fact = role_weights("Are people who rent more likely than homeowners to have chronic illnesses?")
    assert fact[Role.STATISTIC] >= fact[Role.FACILITATOR] and fact[Role.STATISTIC] > fact[Role.RECOMMENDATION]
    # Asked for both, what helps keeps its weight; asked for what helps only, nothing changes.
    both = role_weights("Are renters more likely to have asthma, and what helps them manage it?")
    assert (
        both[Role.FACILITATOR] == ROLE_WEIGHT[Role.FACILITATOR]
        and both[Role.STATISTIC] > ROLE_WEIGHT[Role.STATISTIC]
    )
    assert role_weights("What helps renters manage asthma?") == ROLE_WEIGHT


def test_a_source_gives_several_results_to_a_question_of_fact() -> None:
    from researchdesk.requests.spread import spread

    figures = ["14.2%", "21.7%", "9.8%", "33.1%"]
    found = {
        "statistics": [
            _quote(7, i, f"Renters in age group {i} had asthma at {f}, against owners.", Role.STATISTIC)
            for i, f in enumerate(figures, start=1)
        ]
    }
    for ev, start in zip(found["statistics"], range(0, 400, 100), strict=True):
        ev.start, ev.end = start, start + 50
    one = spread(found, lambda e: 1.0, lambda d: 5)
    three = spread(found, lambda e: 1.0, lambda d: 5, {Role.STATISTIC: 3})
    assert len(one) == 1 and len(three) == 3


def test_a_sources_further_quotes_far_below_the_best_are_left_out() -> None:
    from researchdesk.requests.spread import FAR_BELOW_BEST, spread

    texts = [
        "Dedicated staff time helped the coalition pass the ordinance.",
        "Partnering with schools helped the coalition reach parents.",
        "Volunteers handed out flyers at the county fair.",
    ]
    found = {"facilitators": [_quote(7, i, t, Role.FACILITATOR) for i, t in enumerate(texts, start=1)]}
    found["facilitators"].append(
        _quote(8, 4, "A state grant helped the second county hire staff.", Role.FACILITATOR)
    )
    for ev, start in zip(found["facilitators"], range(0, 400, 100), strict=True):
        ev.start, ev.end = start, start + 50
    worth = {1: 1.0, 2: 0.8, 3: FAR_BELOW_BEST * 0.9, 4: FAR_BELOW_BEST * 0.5}
    chosen = [e.id for e in spread(found, lambda e: worth[e.id or 0], lambda d: 5)]
    # The low third quote of source 7 is left out; source 8's only quote stays, however low: its best is enough.
    assert chosen == [1, 2, 4]


@pytest.mark.parametrize(
    "sentence",
    [
        "Obesity and weight gain are risk factors for many adverse maternal and infant pregnancy outcomes.",
        "The relationship between adequate housing and health has been well established.",
        "However, to our knowledge, this is the first peer-reviewed publication examining these indicators.",
        "Moving forward, the prioritized focus areas and strategies can inform the state's new cancer plan.",
        "Of the 1,451 older adults in the cohort, 1,098 (75.7%) were included in analysis.",
        "A substantial proportion of patients had unknown race and ethnicity (20%).",
        "To develop this toolkit, we performed literature scans to identify primary topics and themes.",
        "A higher proportion of these patients were female (59%) than male (41%).",
        "Over half were non-Hispanic White, approximately 16% were non-Hispanic Black, 13% were Hispanic.",
        "Percentage of adults with chronic conditions, by number of conditions and epilepsy status, National Health "
        "Interview Survey, United States, 2021 and 2022.",
        "Error bars indicate 95% CIs.",
        "Or maps of opioid overdoses, which demonstrated the severe loss of life that occurred.",
        "We know that many chronic diseases can be prevented.",
        "Risk behaviors such as tobacco use and poor nutrition are the leading contributors to preventable disease.",
        "Chronic conditions included were hypertension, coronary heart disease, stroke and diabetes.",
        "Alongside contextual evidence, these data may provide insight into future prevention strategies.",
        "Respondents who did not report age were not included in the table.",
        "If the answer is yes, then the respondent is considered to have this condition.",
        "Percentage was age standardized by using the 2000 US Census Bureau–projected US adult population.",
    ],
)
def test_background_novelty_and_missing_data_are_not_findings(sentence: str) -> None:
    assert not_a_finding(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "We found that renting is a risk factor for asthma among adults aged 45 to 64 years.",
        "Renters with unknown status were more likely to report asthma (12%).",
        "Lack of transportation was a major barrier for families.",
        "To reach more families, the county health department partnered with 12 elementary schools.",
        "Over half of rural women lived more than 30 minutes from a birthing hospital.",
        "Prevalence of smoking was highest among adults aged 18 to 24 years, by far the largest gap.",
        "Stroke survivors in Stroke Belt states were less likely to meet physical activity guidelines (OR = 0.77).",
    ],
)
def test_findings_that_share_words_with_background_stay_findings(sentence: str) -> None:
    assert not not_a_finding(sentence)


def test_positive_effects_are_a_facilitator_and_who_lack_names_a_group() -> None:
    ev = classify(
        "Our study illustrates that free health care and lifestyle education programs have positive effects on "
        "the health of people who lack health insurance."
    )
    assert ev.role is Role.FACILITATOR


def test_where_questions_want_places_compared_and_asides_do_not_hide_a_comparison() -> None:
    from researchdesk.brief.answer import _answers

    where = "Where are these risks before pregnancy worst?"
    assert _answers(
        where, "Cigarette use before pregnancy was highest among women living in Appalachian counties."
    )
    assert not _answers(where, "Smoking before pregnancy harms the health of mothers and infants.")
    which = "Which students see them most and least?"
    assert _answers(
        which,
        "A higher percentage of high school students (42.1%; 95% CI, 39.6%–44.7%) than middle school students "
        "(24.8%) reported high exposure.",
    )


def test_a_question_that_points_back_is_read_with_the_sentence_before_it() -> None:
    from researchdesk.brief.compose import _similarity

    symptoms = _quote(
        7,
        2,  # not the source's central result: it answers on its closeness to the question alone
        "Among adults without diagnosed COPD, shortness of breath was the most reported symptom (19.0%), followed "
        "by chronic cough (13.7%).",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "Many of our older patients have a lasting cough or get short of breath, but have never been told they "
        "have COPD. How common are these warning signs among adults who have not been diagnosed?",
        ["COPD undiagnosed adults"],
        [symptoms],
        similar=_similarity("minilm"),
    )
    answer = next(p for p in paragraphs if p.startswith("On “How common"))
    assert "19.0%" in answer
    # Read with the sentence before it, the question is nearer the quote that says what "these signs" are.
    from researchdesk.brief.answer import _with_antecedents

    prompt = (
        "Many of our older patients have a lasting cough or get short of breath, but have never been told they "
        "have COPD. How common are these warning signs among adults who have not been diagnosed?"
    )
    question = questions(prompt)[0]
    plain = _similarity("minilm")
    assert plain is not None
    in_context = _with_antecedents(plain, prompt, [question])
    assert in_context is not None
    assert in_context(question, [symptoms.quote])[0] > plain(question, [symptoms.quote])[0] + 0.05


def test_a_yes_no_question_about_recommending_asks_whether_not_what_helps() -> None:
    from researchdesk.brief.answer import _asks_help

    assert not _asks_help("Do they recommend specific programs?")
    assert _asks_help("What should a well-rounded program include, and what has helped?")
    assert _asks_help("Does coaching help staff build projects?")


def test_the_summary_does_not_read_the_same_quote_out_twice() -> None:
    from researchdesk.brief.compose import _similarity

    savings = _quote(
        7,
        1,
        "The projected asthma-related cost savings from home visits by community health workers were $566.58 per "
        "patient.",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "Should our county fund community health worker home visits for children with asthma? What evidence is "
        "there on costs?",
        ["community health worker asthma home visits"],
        [savings],
        similar=_similarity("minilm"),
    )
    assert paragraphs[0].startswith("Main findings") and "$566.58" in paragraphs[0]
    assert sum("$566.58" in p for p in paragraphs) == 1, paragraphs
    assert any(
        p.startswith("On costs: the finding quoted above answers this (Wood, 2024)") for p in paragraphs
    )


def test_what_keeps_people_from_and_what_held_programs_back_ask_what_hinders() -> None:
    from researchdesk.brief.answer import _asks_hinder

    assert _asks_hinder("What keeps them from getting the shots?")
    assert _asks_hinder("What has helped or held back state and local programs doing this work?")
    assert not _asks_hinder("How many people with asthma get vaccinated?")


def test_a_question_about_a_link_is_answered_by_an_association() -> None:
    from researchdesk.brief.answer import _answers

    linked = "Is trouble paying for heating and cooling linked to diabetes?"
    assert not _answers(linked, "The crude prevalence of household energy insecurity was 27.2% in 2020.")
    assert _answers(
        linked, "Household energy insecurity was associated with a higher prevalence of diabetes."
    )


def test_a_quote_closest_to_a_question_answers_it_at_a_lower_bar() -> None:
    from researchdesk.brief.compose import _similarity

    counselled = _quote(
        7,
        2,
        "Among adults with arthritis, 16.8% received counseling from a health care provider within the past 6 "
        "months and 30.4% never received it.",
        Role.STATISTIC,
    )
    programs = _quote(
        7,
        1,
        "Only 4.4% received a recommendation for arthritis-appropriate exercise programs.",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "We would like doctors to send patients with arthritis to our exercise classes. How often do health care "
        "providers actually talk with these patients about physical activity, and do they recommend specific "
        "programs?",
        ["arthritis physical activity counseling"],
        [programs, counselled],
        similar=_similarity("minilm"),
    )
    how_often = next(p for p in paragraphs if p.startswith("On “How often"))
    assert "16.8%" in how_often and "4.4%" not in how_often


def test_what_makes_something_useful_asks_what_helps_and_named_places_answer_where() -> None:
    from researchdesk.brief.answer import _answers, _asks_help

    assert _asks_help("What makes such maps useful for health promotion?")
    where = "Where in the country is cancer incidence highest among adults under 50?"
    assert _answers(
        where,
        "The states with the highest incidence rates of early-onset cancer were Kentucky and West Virginia.",
    )


def test_how_well_two_measures_match_is_answered_by_a_comparison() -> None:
    from researchdesk.brief.answer import _answers
    from researchdesk.requests.plan import asks_for_findings

    question = "How well do such records match survey estimates?"
    assert asks_for_findings(f"We may use health records to track diabetes. {question}")
    assert not _answers(question, "The data challenges in chronic disease prevention are considerable.")
    assert _answers(
        question, "Hypertension prevalence from health records was similar to the survey's estimate."
    )


def test_an_abstract_without_headings_gives_its_results_as_central_not_its_background() -> None:
    from researchdesk.requests.central import is_central

    plain = _text_passage("Smoking fell from 49.5% to 41.5% among clients.", "Abstract")
    structured = _text_passage("Smoking fell from 49.5% to 41.5% among clients.", "Abstract › Results")
    body = _text_passage("Smoking fell from 49.5% to 41.5% among clients.", "Results")
    assert is_central(plain, Role.STATISTIC) and is_central(plain, Role.FACILITATOR)
    assert not is_central(plain, Role.CONTEXT)  # "HIV has evolved from a serious infectious disease …"
    assert is_central(structured, Role.CONTEXT)
    assert not is_central(body, Role.STATISTIC)


def test_barriers_and_facilitators_named_together_are_both_asked_for() -> None:
    helps = _quote(
        7, 1, "Shared funding and a common data system helped the agencies work together.", Role.FACILITATOR
    )
    hinders = _quote(7, 2, "Different privacy rules kept the agencies from sharing data.", Role.BARRIER)
    paragraphs = _summary(
        "We are doing an environmental scan of the barriers and facilitators of cross-sector collaboration. Have "
        "we produced any case studies that highlight barriers or facilitators?",
        ["cross-sector collaboration"],
        [helps, hinders],
    )
    assert any(p.startswith("What helps: ") for p in paragraphs), paragraphs
    assert not any("though you asked mainly about obstacles" in p for p in paragraphs)


def test_a_result_in_words_is_a_measured_result_of_the_work() -> None:
    result = _quote(
        7,
        1,
        "A produce box distribution model increased fruit and vegetable consumption among participants.",
        Role.STATISTIC,
    )
    paragraphs = _summary("What made produce box programs work?", ["produce box programs"], [result])
    assert "no quoted source reports a measured result" not in paragraphs[-1]
    helps = next(p for p in paragraphs if p.startswith("What helps"))
    assert "the sources show what worked: the finding quoted above (Wood, 2024)" in helps
    opinion = _quote(7, 1, "Staff felt that local partners were essential to the program.", Role.FACILITATOR)
    paragraphs = _summary("What made produce box programs work?", ["produce box programs"], [opinion])
    assert "no quoted source reports a measured result" in paragraphs[-1]


def test_a_question_none_answers_directly_is_given_its_nearest_finding() -> None:
    from researchdesk.brief.answer import ANSWER_SIMILARITY, NEAR_ANSWER_SIMILARITY

    background = _quote(7, 1, "Most fairgoers who toured the exhibit were men aged 50 to 75.", Role.STATISTIC)
    knowledge = _quote(
        7,
        2,
        "Visitors who learned more on the tour were likelier to intend a colonoscopy.",
        Role.STATISTIC,
    )
    prompt = "Does a walk-through inflatable colon exhibit change people's knowledge or screening plans?"

    def closeness(near: float) -> Similarity:
        def similar(question: str, texts: Sequence[str]) -> list[float]:
            return [near if "learned more" in t else 0.1 for t in texts]

        return similar

    between = (NEAR_ANSWER_SIMILARITY + ANSWER_SIMILARITY) / 2
    paragraphs = _summary(
        prompt, ["inflatable colon exhibit"], [background, knowledge], similar=closeness(between)
    )
    answer = next(p for p in paragraphs if p.startswith("On “Does a walk-through"))
    assert "no quoted passage answers this in so many words; the nearest is" in answer
    assert "likelier to intend a colonoscopy" in answer
    assert "only an indirect answer to" in paragraphs[-1]
    far = _summary(prompt, ["inflatable colon exhibit"], [background, knowledge], similar=closeness(0.2))
    assert any("none of the quoted sources answers this directly" in p for p in far)


def test_whether_it_works_is_answered_by_what_the_source_measured_before_its_advice() -> None:
    from researchdesk.brief.compose import _similarity

    conclusion = _quote(
        7,
        1,
        "Short-term interventions involving physical activity and nutrition can achieve weight loss for adults.",
        Role.CONTEXT,
    )
    advice = _quote(
        7,
        2,
        "Offering both short- and long-term programs could help people choose one that suits their schedule.",
        Role.FACILITATOR,
    )
    pooled = _quote(
        7,
        3,
        "The pooled mean difference in weight change was −2.59 kg (95% CI, −3.47 to −1.72).",
        Role.STATISTIC,
    )
    paragraphs = _summary(
        "Do short programs produce meaningful weight loss?",
        ["short weight loss programs"],
        [conclusion, advice, pooled],
        similar=_similarity("minilm"),
    )
    answer = next(p for p in paragraphs if p.startswith("On “Do short programs"))
    assert "−2.59 kg" in answer and "suits their schedule" not in answer


def test_a_subject_the_library_lacks_is_named_in_the_members_own_words() -> None:
    from researchdesk.brief.answer import summarize

    prompt = (
        "Our city is writing its first extreme heat action plan, with cooling centers and alerts for older "
        "residents. What helped other cities put heat plans in place, and what got in the way?"
    )
    subject = ["extreme heat action cooling centers alerts older heat"]
    paragraphs, _ = summarize(prompt, subject, subject, [], {}, [], run="scan:1")
    assert paragraphs[0].startswith(
        "You asked about “Our city is writing its first extreme heat action plan, with cooling centers and alerts "
        "for older residents.” The library holds nothing on it:"
    )
    assert "we looked for" not in paragraphs[0]  # not the bare search words
