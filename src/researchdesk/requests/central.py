"""Which passages state a source's central result: what the authors themselves put in their abstract.

A structured abstract's results and conclusions are the source's central findings whatever their role; an
abstract without headings (a program brief's, a report's) mixes background and aims with its results, so only its
results and the factors it names count.
"""

from __future__ import annotations

from researchdesk.evidence.findings import Part, passage_part
from researchdesk.models import Passage, Role
from researchdesk.search.profiles import in_abstract


def is_abstract_finding(passage: Passage) -> bool:
    """Return True for a passage of an abstract's results or conclusions (the authors' own summary)."""
    return (
        in_abstract(passage.section)
        and " › " in passage.section
        and passage_part(passage.section, passage.kind, passage.text) is Part.FINDINGS
    )


def is_plain_abstract(passage: Passage) -> bool:
    """Return True for a passage of an abstract without headings of its own (a program brief's, a report's)."""
    return (
        in_abstract(passage.section)
        and " › " not in passage.section
        and passage_part(passage.section, passage.kind, passage.text) in (Part.ABSTRACT, Part.FINDINGS)
    )


# What an abstract without headings states among its background and aims: its results and the factors it names.
CENTRAL_IN_PLAIN_ABSTRACT = frozenset({Role.STATISTIC, Role.FACILITATOR, Role.BARRIER})


def is_central(passage: Passage, role: Role) -> bool:
    """Return True when a quote of this role from this passage states its source's central result: anything of an
    abstract's results or conclusions, the results and factors of an abstract without headings."""
    return is_abstract_finding(passage) or (is_plain_abstract(passage) and role in CENTRAL_IN_PLAIN_ABSTRACT)
