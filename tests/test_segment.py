from researchdesk.ingest.segment import build_text, passage_spans, sentence_spans
from researchdesk.models import Block, BlockKind


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_of_the_field_do_not_end_sentences() -> None:
    text = (
        "Smith et al. found gaps in U.S. counties, e.g. rural ones, i.e. those far from cities. "
        "Dr. Jones compared cities vs. counties (see Fig. 2 and No. 4). The results held."
    )
    assert sentences(text) == [
        "Smith et al. found gaps in U.S. counties, e.g. rural ones, i.e. those far from cities.",
        "Dr. Jones compared cities vs. counties (see Fig. 2 and No. 4).",
        "The results held.",
    ]


def test_numbered_lists_and_line_breaks() -> None:
    text = "Steps:\n1. Build partnerships early.\n2. Secure funding. Then evaluate.\n3. Share results"
    assert sentences(text) == [
        "Steps:",
        "1. Build partnerships early.",
        "2. Secure funding.",
        "Then evaluate.",
        "3. Share results",
    ]


def test_quotes_and_question_marks() -> None:
    text = 'She said, "It worked." Did it last? Yes!'
    assert sentences(text) == ['She said, "It worked."', "Did it last?", "Yes!"]


def test_offsets_slice_exactly() -> None:
    blocks = [
        Block("A Title", BlockKind.HEADING, level=1),
        Block("Results", BlockKind.HEADING, level=2),
        Block("First  paragraph with   odd spacing. Second sentence."),
        Block("Short."),
        Block("Barriers | Lack of funding", BlockKind.TABLE_ROW, label="Barriers"),
        Block("x " * 2000),
    ]
    text, spans = build_text(blocks)
    for span in spans:
        assert text[span.start : span.end].strip() == text[span.start : span.end]
    passages = passage_spans(text, spans)
    assert passages[0].section == "Results"
    assert any(
        p.label == "Barriers" and text[p.start : p.end] == "Barriers | Lack of funding" for p in passages
    )
    for p in passages:
        for s, e in sentence_spans(text, p.start, p.end):
            assert p.start <= s < e <= p.end
            assert text[s:e] == text[s:e].strip()
    assert max(p.end - p.start for p in passages) <= 1500
