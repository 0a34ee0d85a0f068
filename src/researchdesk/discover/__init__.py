"""Beyond the library: find published works in open scholarly indexes and bring them in.

OpenAlex, Crossref and Europe PMC are asked through one polite client (``http.py``); their answers
become candidates (``candidates.py``) that staff review before anything is brought in (``bring.py``).
Nothing is fetched unless a person asks (``researchdesk discover``) or a request's plan says so.
"""

from researchdesk.discover.bring import BringOutcome, bring_in
from researchdesk.discover.candidates import Candidate, Notice
from researchdesk.discover.http import Answer, Exchange, PoliteClient
from researchdesk.discover.service import DiscoverResult, discover, load_candidates

__all__ = [
    "Answer",
    "BringOutcome",
    "Candidate",
    "DiscoverResult",
    "Exchange",
    "Notice",
    "PoliteClient",
    "bring_in",
    "discover",
    "load_candidates",
]
