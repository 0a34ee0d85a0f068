"""Hybrid retrieval over passages: BM25, sentence embeddings, score fusion, query expansion, filters."""

from researchdesk.search.desk import PassageSource, search, sync_index
from researchdesk.search.embed import EMBEDDERS, Embedder, MiniLMEmbedder, get_embedder
from researchdesk.search.expand import Expansion, find_expansions
from researchdesk.search.filters import FILTER_KEYS, Filters, parse_filters
from researchdesk.search.fusion import FusionSettings, reciprocal_rank_fusion
from researchdesk.search.highlight import highlight
from researchdesk.search.index import MODES, SearchIndex
from researchdesk.search.results import DocumentHit, SearchResults
from researchdesk.search.tokenize import tokenize

__all__ = [
    "EMBEDDERS",
    "FILTER_KEYS",
    "MODES",
    "DocumentHit",
    "Embedder",
    "Expansion",
    "Filters",
    "FusionSettings",
    "MiniLMEmbedder",
    "PassageSource",
    "SearchIndex",
    "SearchResults",
    "find_expansions",
    "get_embedder",
    "highlight",
    "parse_filters",
    "reciprocal_rank_fusion",
    "search",
    "sync_index",
    "tokenize",
]
