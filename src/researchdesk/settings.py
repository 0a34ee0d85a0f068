"""One settings model for the whole desk; every field reads ``RESEARCHDESK_<NAME>`` from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SERVICE_PARAGRAPH = (
    "This brief was prepared by the research service in response to a member request. "
    "It summarizes what the service's library holds on the question, quotes each source verbatim "
    "with its location, and lists further reading and next steps. Staff are glad to help further."
)


class SearchSettings(BaseModel):
    """How a search ranks: the ``search`` section of the settings (``RESEARCHDESK_SEARCH__<NAME>``).

    Both search backends read it through the one pipeline (``search/pipeline.py``). The fusion's
    defaults were chosen with ``python benchmarks/ranking_sets.py --tune`` on the tuning splits of two
    unlike sets only (MED's odd-numbered queries and the dev member requests): the best mean gain over
    each set's best single method. The feedback's were tuned on MED's odd-numbered queries.
    """

    fusion: Literal["scores", "rrf"] = Field(
        "scores",
        description="How hybrid search makes one list of its lexical and semantic lists: 'scores' adds each "
        "list's standardized scores times its weight; 'rrf' adds weight / (rrf_k + rank).",
    )
    lexical_weight: float = Field(
        0.35,
        ge=0,
        description="Weight of the lexical (BM25) list in hybrid search, the semantic list's being "
        "semantic_weight.",
    )
    semantic_weight: float = Field(
        1.0, ge=0, description="Weight of the semantic (embedding) list in hybrid search."
    )
    score_window: int = Field(
        100,
        ge=2,
        description="How many of each list's first scores its scores are standardized over (fusion 'scores').",
    )
    rrf_k: float = Field(20.0, gt=0, description="The k of reciprocal rank fusion (fusion 'rrf').")
    feedback_passages: int = Field(
        10,
        ge=0,
        description="Most top passages (the best of each top document) whose mean vector the query moves toward "
        "in a second semantic pass; a library gets 1 in 100 of its passages, up to this (0: no feedback).",
    )
    feedback_weight: float = Field(
        1.5,
        ge=0,
        description="How far the query vector moves toward those passages (scaled down with fewer).",
    )
    max_per_document: int = Field(
        3,
        ge=0,
        description="Most passages of one document in a search's results (0: no cap; `--per-document` per search).",
    )
    fusion_depth: int = Field(
        200,
        ge=1,
        description="How deep each ranked list goes before fusion (at least 5 x the results asked for; deeper "
        "while the per-document cap leaves too few).",
    )


class Settings(BaseSettings):
    """Settings of a desk. Functions take a ``Settings`` instead of reading the environment."""

    model_config = SettingsConfigDict(env_prefix="RESEARCHDESK_", extra="ignore", env_nested_delimiter="__")

    home: Path = Field(Path("desk"), description="Desk directory (database, files, indexes).")
    database_url: str = Field(
        "", description="Database URL; empty means the SQLite file inside the desk directory."
    )
    max_file_mb: float = Field(
        200.0, description="Largest file ingest accepts, in megabytes (a 200-page report fits)."
    )
    max_unpacked_mb: float = Field(
        500.0, description="Largest total uncompressed size accepted inside a DOCX (zip bomb guard)."
    )
    reader_timeout_s: float = Field(
        120.0,
        description="Seconds one file may take to read before it is stopped and reported; a scan read by "
        "OCR is timed from its last page read, so a long scan that keeps moving is not stopped.",
    )
    reader_memory_mb: int = Field(
        2048, description="Memory one file's reader may use (the reader runs in its own process)."
    )
    embedder: str = Field(
        "minilm-onnx",
        description=(
            "Sentence-embedding model for semantic search, all-MiniLM-L6-v2 run one of four ways: "
            "'minilm-onnx' (ONNX Runtime, fp32; the default: the same vectors as 'minilm', faster), "
            "'minilm' (PyTorch, fp32), 'minilm-int8-token' (int8 weights and per-token int8 "
            "activations outside attention: faster still, vectors of their own, see the README), "
            "'minilm-int8' (ONNX Runtime's per-tensor int8: slightly lower retrieval quality); "
            "or 'none' (lexical only)."
        ),
    )
    embed_batch_size: int = Field(
        64,
        description="Most text windows encoded per batch when embedding (a batch also holds at most about 2,048 tokens).",
    )
    expand_queries: bool = Field(True, description="Expand queries with the built-in thesaurus.")
    search: SearchSettings = Field(
        default_factory=SearchSettings,
        description="How searches rank (fusion, feedback, per-document cap, depth): one variable per field, "
        "RESEARCHDESK_SEARCH__<FIELD>.",
    )
    service_name: str = Field("Research Service", description="Name of the research service on briefs.")
    service_paragraph: str = Field(
        DEFAULT_SERVICE_PARAGRAPH, description="The paragraph about the research service on every brief."
    )
    prepared_by: str = Field("Research Service staff", description="Default 'prepared by' line on briefs.")
    csl_style: str = Field("apa", description="Citation style of briefs (a CSL style name).")
    codebooks: list[str] = Field(
        default_factory=lambda: ["collaboration-factors", "cfir-2009"],
        description="Codebooks used to suggest themes (built-in names or YAML files in <home>/codebooks).",
    )
    turnaround_days: int = Field(
        10,
        ge=1,
        description="Days the service needs for a request with no due date (the expected date told to members).",
    )
    smtp_host: str = Field(
        "", description="SMTP server that sends notification e-mail; empty = e-mail waits in <home>/outbox."
    )
    smtp_port: int = Field(25, description="Port of the SMTP server (587 with STARTTLS, 465 with TLS).")
    smtp_username: str = Field("", description="SMTP user name (empty: no sign-in).")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_security: str = Field("none", description="SMTP connection security: none, starttls or tls.")
    mail_from: str = Field("research-desk@localhost", description="Sender address of notification e-mail.")
    site_url: str = Field(
        "http://127.0.0.1:8000", description="Address of the web app, for links in notification e-mail."
    )

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    online: bool = Field(
        False,
        description=(
            "Let `discover` and a plan's 'look beyond the library' step ask the open scholarly indexes over "
            "the network; off, they answer from the desk's cache of earlier answers only."
        ),
    )
    contact_email: str = Field(
        "",
        description="Contact address sent to OpenAlex and Crossref (their 'polite pool': faster, fewer refusals).",
    )
    http_timeout_s: float = Field(20.0, description="Seconds one request to an outside service may take.")
    http_retries: int = Field(4, description="Tries after a 429 or 5xx answer or a dropped connection.")
    ocr: bool = Field(True, description="Read pages without a text layer (scans) with Tesseract OCR.")
    ocr_language: str = Field("eng", description="Tesseract language(s) for OCR, e.g. 'eng' or 'eng+spa'.")
    ocr_dpi: int = Field(
        300,
        ge=100,
        le=600,
        description="Resolution (dots per inch) at which pages without a text layer are rendered for OCR; "
        "200 reads clean print about a sixth faster at the same word error rate, 300 suits small or faint print.",
    )
    ocr_max_pages: int = Field(
        500,
        description="Most pages OCR reads in one file; a longer scan is refused, not half read "
        "(a 200-page scan takes a few minutes on two cores, with its progress shown page by page).",
    )

    @property
    def discover_dir(self) -> Path:
        return self.home / "discover"

    @property
    def db_path(self) -> Path:
        return self.home / "desk.sqlite3"

    @property
    def files_dir(self) -> Path:
        return self.home / "files"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def profiles_dir(self) -> Path:
        return self.home / "profiles"

    @property
    def model_dir(self) -> Path:
        """The desk model learned from review decisions (rebuilt from the labels whenever they change)."""
        return self.home / "model"

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)
