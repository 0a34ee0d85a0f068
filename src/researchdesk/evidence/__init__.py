"""Evidence: quote candidates, role classification, codebooks, quote verification and agreement.

Pure functions over plain data; the store and the CLI call them.
"""

from researchdesk.evidence.agreement import Agreement, agreement, cohens_kappa
from researchdesk.evidence.classify import classify, classify_many, role_from_label
from researchdesk.evidence.codebooks import (
    Category,
    Code,
    Codebook,
    available_codebooks,
    builtin_codebooks,
    desk_codebooks,
    load_codebook,
    load_codebooks,
    suggest_codes,
    validate_code,
)
from researchdesk.evidence.extract import FACET_ROLES, candidates, cell_spans, is_fragment, is_noise
from researchdesk.evidence.verify import ELLIPSIS, Verification, join_pieces, locate, split_pieces, verify

__all__ = [
    "ELLIPSIS",
    "FACET_ROLES",
    "Agreement",
    "Category",
    "Code",
    "Codebook",
    "Verification",
    "agreement",
    "available_codebooks",
    "builtin_codebooks",
    "candidates",
    "cell_spans",
    "classify",
    "classify_many",
    "cohens_kappa",
    "desk_codebooks",
    "is_fragment",
    "is_noise",
    "join_pieces",
    "load_codebook",
    "load_codebooks",
    "locate",
    "role_from_label",
    "split_pieces",
    "suggest_codes",
    "validate_code",
    "verify",
]
