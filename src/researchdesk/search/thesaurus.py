"""The built-in query thesaurus: groups of near-synonyms used in public administration and public health.

Each group is a set of phrases that researchers use for the same idea; a query containing one phrase
is expanded with the others at a lower weight. Spelling variants (hyphenated or not) are listed
because the tokenizer keeps compounds as tokens of their own.
"""

from __future__ import annotations

THESAURUS: tuple[tuple[str, ...], ...] = (
    # Working across organizations.
    (
        "cross-sector",
        "multisector",
        "multi-sector",
        "intersectoral",
        "interagency",
        "inter-agency",
        "partnership",
        "coalition",
        "collective impact",
    ),
    # What stands in the way (facet cue for barriers).
    ("barrier", "challenge", "obstacle", "impediment", "hindrance", "lack of"),
    # What helps (facet cue for facilitators).
    ("facilitator", "enabler", "success factor", "lesson learned", "facilitating factor"),
    # The level of government the members work in.
    ("local government", "city", "county", "municipality", "municipal"),
    # Rules a government adopts.
    # ("legislation" is left out: it stems like "legislator", which belongs to the group below.)
    ("policy", "ordinance", "regulation", "statute", "bylaw"),
    # Putting something into practice.
    ("implementation", "adoption", "rollout", "roll-out", "uptake"),
    # Who takes part.
    ("stakeholder", "partner"),
    ("legislator", "lawmaker", "policymaker", "policy maker", "elected official"),
    ("community health worker", "promotora", "lay health worker"),
    # Places.
    ("rural", "nonmetropolitan", "non-metropolitan", "small town"),
    # Topics a health department often scans.
    ("tobacco", "nicotine", "e-cigarette", "vaping", "cigarette"),
    ("health equity", "health disparity", "health inequity"),
    ("funding", "financing", "grant", "budget"),
    ("evaluation", "assessment", "monitoring"),
)
