"""Loader for the TREC 2017 LiveQA Medical test set with its judged answers from MedQuAD.

Consumer health questions (104, of which 103 have judged answers) and the 2,479 judgments of answers
retrieved from MedQuAD (1,935 distinct answers), graded 1-Incorrect, 2-Related, 3-Incomplete,
4-Excellent. The data is public but not shipped here; put these three files in one folder and pass
it as ``--liveqa DIR``:

* ``All-2479-Answers-retrieved-from-MedQuAD.csv`` and
  ``All-qrels_LiveQAMed2017-TestQuestions_2479_Judged-Answers.txt``, from
  ``QA-TestSet-LiveQA-Med-Qrels-2479-Answers.zip`` in https://github.com/abachaa/MedQuAD (unzipped);
* ``TREC-2017-LiveQA-Medical-Test-Questions-w-summaries.xml``, from ``TestDataset/`` in
  https://github.com/abachaa/LiveQA_MedicalTask_TREC2017.

Each answer is written as a user would keep it: a plain-text file named after its answer id whose first
line is the MedQuAD question the answer belongs to (its title), then a blank line, then the answer.
The answer's URL is left out: it is where the answer came from, not words of it, and the reference
methods (plain MiniLM, BM25 over title + text) do not see it either.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ANSWERS = "All-2479-Answers-retrieved-from-MedQuAD.csv"
QRELS = "All-qrels_LiveQAMed2017-TestQuestions_2479_Judged-Answers.txt"
QUESTIONS = "TREC-2017-LiveQA-Medical-Test-Questions-w-summaries.xml"
_ANSWER = re.compile(r"\AQuestion:(?P<question>.*?)\nURL:(?P<url>.*?)\nAnswer:(?P<answer>.*)\Z", re.S)
csv.field_size_limit(10**8)


@dataclass
class Answer:
    """One judged MedQuAD answer: the question it answers (its title), its source URL and its text."""

    id: str  # e.g. "ADAM_0003147_Sec1.txt"
    question: str
    url: str
    text: str

    def document(self) -> str:
        """Return the answer as a plain-text file holds it: the question, a blank line, the answer."""
        return f"{self.question}\n\n{self.text}\n"


@dataclass
class LiveQA:
    """Queries (question number -> text), graded gains (number -> answer id -> grade - 1) and answers."""

    summaries: dict[int, str]  # NLM-Summary: the question as NLM's annotators restated it
    originals: dict[int, str]  # the consumer's own SUBJECT and MESSAGE
    gains: dict[int, dict[str, int]]
    answers: dict[str, Answer]

    def write_documents(self, folder: Path) -> None:
        """Write every answer into ``folder`` as ``<answer id>`` (a .txt file), one document each."""
        folder.mkdir(parents=True, exist_ok=True)
        for answer in self.answers.values():
            (folder / answer.id).write_text(answer.document(), encoding="utf-8")


def load_liveqa(folder: Path) -> LiveQA:
    """Return the LiveQA Medical test set read from ``folder`` (the three files named above)."""
    missing = [name for name in (ANSWERS, QRELS, QUESTIONS) if not (folder / name).is_file()]
    if missing:
        raise SystemExit(
            f"{folder} lacks {', '.join(missing)}: download them as benchmarks/_liveqa.py says "
            "(the MedQuAD and LiveQA_MedicalTask_TREC2017 repositories) and pass their folder as --liveqa."
        )
    answers: dict[str, Answer] = {}
    with (folder / ANSWERS).open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            match = _ANSWER.match(row["Answer"].replace("\r\n", "\n"))
            if not match:
                raise SystemExit(
                    f"{folder / ANSWERS}, row near line {line}: no 'Question:/URL:/Answer:' parts."
                )
            answers[row["AnswerID"]] = Answer(
                row["AnswerID"],
                " ".join(match["question"].split()),
                match["url"].strip(),
                match["answer"].strip(),
            )
    gains: dict[int, dict[str, int]] = {}
    for n, line in enumerate((folder / QRELS).read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3 or not fields[0].isdigit() or fields[1][:1] not in "1234":
            raise SystemExit(
                f"{folder / QRELS}, line {n}: expected '<question> <grade> <answer id>', got {line!r}."
            )
        if fields[2] not in answers:
            raise SystemExit(f"{folder / QRELS}, line {n}: answer {fields[2]} is not in {ANSWERS}.")
        gains.setdefault(int(fields[0]), {})[fields[2]] = int(fields[1][0]) - 1
    summaries: dict[int, str] = {}
    originals: dict[int, str] = {}
    for question in ET.parse(folder / QUESTIONS).getroot().iter("NLM-QUESTION"):
        number = int(question.get("qid", "").removeprefix("TQ"))
        summaries[number] = " ".join(question.findtext("NLM-Summary", "").split())
        original = question.find("Original-Question")
        parts = [original.findtext(tag, "") for tag in ("SUBJECT", "MESSAGE")] if original is not None else []
        originals[number] = " ".join(" ".join(parts).split())
    unknown = sorted(set(gains) - set(summaries))
    if unknown:
        raise SystemExit(f"{folder / QRELS} judges questions {unknown} that {QUESTIONS} does not hold.")
    return LiveQA(summaries, originals, gains, answers)
