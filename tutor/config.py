"""Settings from the environment and `.env`: one object, read once, passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
SHIPPED_NOTES = PACKAGE_ROOT.parent / "knowledge"
LOCAL_EMBEDDINGS = "local"


def default_home() -> Path:
    """The per-user data directory that holds the index, threads and learner memory."""
    from platformdirs import user_data_path

    return user_data_path("tutor", appauthor=False)


class Settings(BaseSettings):
    """Everything tutor can be told; each field has an environment variable."""

    model_config = SettingsConfigDict(
        # No populate_by_name: it would also read each field's bare name from the environment,
        # so $HOME would become TUTOR_HOME and $MODEL the chat model.
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    home: Path = Field(default_factory=default_home, validation_alias="TUTOR_HOME")
    """Where all state lives: the Chroma index, the ingest records, threads, learner memory."""

    notes: Path = Field(default=SHIPPED_NOTES, validation_alias="TUTOR_NOTES")
    """The notes folder ingested by default (the shipped `knowledge/`)."""

    embeddings: str = Field(default=LOCAL_EMBEDDINGS, validation_alias="TUTOR_EMBEDDINGS")
    """`local` (MiniLM on onnxruntime, offline) or `openai:<model>`."""

    model: str = Field(default="", validation_alias="TUTOR_MODEL")
    """Chat model as `provider:model`; empty means offline mode."""

    openai_api_key: str = Field(default="", validation_alias="OPENAI_API_KEY")
    openai_base_url: str = Field(default="", validation_alias="OPENAI_BASE_URL")

    model_timeout: float = Field(default=60.0, gt=0, validation_alias="TUTOR_MODEL_TIMEOUT")
    """Wall-clock seconds the model may take over one turn, all its replies together (a
    streamed reply too); past it, the turn goes on without the model."""

    route_model_below: float = Field(
        default=0.3, ge=0.0, le=1.0, validation_alias="TUTOR_ROUTE_MODEL_BELOW"
    )
    """With a model, the offline router's confidence under which the model routes instead.
    Small local models route worse than the offline router (Qwen2.5-1.5B: 0.38-0.62 against
    1.00 on the tuning half), so only what the router cannot read goes to the model."""

    tokens_route: int = Field(default=128, ge=16, validation_alias="TUTOR_TOKENS_ROUTE")
    """Most tokens the model may write to route a message (a small JSON object)."""
    tokens_explain: int = Field(default=1024, ge=16, validation_alias="TUTOR_TOKENS_EXPLAIN")
    """Most tokens of an explanation (or of what a run showed)."""
    tokens_question: int = Field(default=512, ge=16, validation_alias="TUTOR_TOKENS_QUESTION")
    """Most tokens of a written quiz question with its reference and rubric."""
    tokens_grade: int = Field(default=384, ge=16, validation_alias="TUTOR_TOKENS_GRADE")
    """Most tokens of a rubric grade."""
    tokens_demo: int = Field(default=768, ge=16, validation_alias="TUTOR_TOKENS_DEMO")
    """Most tokens of a demonstration program with its one-line explanation."""

    model_retries: int = Field(default=1, ge=0, le=5, validation_alias="TUTOR_MODEL_RETRIES")
    """Retries of a failed model call (connection errors, 5xx) before the turn fails."""

    level: str = Field(default="intermediate", validation_alias="TUTOR_LEVEL")
    """The learner's level explanations are pitched at: beginner, intermediate or advanced."""

    code_timeout: float = Field(default=10.0, gt=0, validation_alias="TUTOR_CODE_TIMEOUT")
    """Wall-clock limit in seconds for code the tutor runs in the sandbox."""

    chroma_url: str = Field(default="", validation_alias="TUTOR_CHROMA_URL")
    """A Chroma server (`http://host:port`); empty means a persistent directory under home."""

    database_url: str = Field(default="", validation_alias="TUTOR_DATABASE_URL")
    """A PostgreSQL server (`postgresql://user:password@host:port/db`) for every piece of
    state: conversations, learners' cards and profiles, the ingest records and question bank,
    the Slack bot's records and the per-thread turn lock. Empty: SQLite files under home."""

    database_pool: int = Field(default=20, ge=2, le=500, validation_alias="TUTOR_DATABASE_POOL")
    """Most connections one process keeps to TUTOR_DATABASE_URL (a running turn holds one for
    its thread lock and borrows another for each read or write)."""

    max_file_mb: float = Field(default=5.0, validation_alias="TUTOR_MAX_FILE_MB")
    """Files larger than this are skipped at ingest, with a reason."""

    chunk_chars: int = Field(default=900, validation_alias="TUTOR_CHUNK_CHARS")
    """Target chunk size in characters; code fences are never split."""

    notes_exclude: str = Field(default="", validation_alias="TUTOR_NOTES_EXCLUDE")
    """Paths under the notes folder to leave out of the index, gitignore patterns separated by
    commas or newlines (added to a `.tutorignore` file at the notes' root, if there is one)."""

    obsidian_vault: str = Field(default="", validation_alias="TUTOR_OBSIDIAN_VAULT")
    """The Obsidian vault name citations link into (`obsidian://open?vault=...`); empty: the
    notes folder's name when it holds a `.obsidian` folder, else plain `file://` links."""

    sandbox: str = Field(default="auto", validation_alias="TUTOR_SANDBOX")
    """Code isolation: `auto` or `bwrap` (bubblewrap; refuse without it), or `unsafe` (none)."""

    langsmith_tracing: bool = Field(
        default=False, validation_alias=AliasChoices("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2")
    )
    langsmith_api_key: str = Field(
        default="", validation_alias=AliasChoices("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")
    )
    langsmith_project: str = Field(default="tutor", validation_alias="LANGSMITH_PROJECT")
    langsmith_endpoint: str = Field(default="", validation_alias="LANGSMITH_ENDPOINT")
    trace_hide_inputs: bool = Field(default=False, validation_alias="TUTOR_TRACE_HIDE_INPUTS")
    """Keep what learners write out of LangSmith traces (replaced by `[hidden]`)."""

    slack_bot_token: str = Field(default="", validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str = Field(default="", validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: str = Field(default="", validation_alias="SLACK_SIGNING_SECRET")

    slack_api_url: str = Field(default="", validation_alias="SLACK_API_URL")
    """The Slack Web API's base URL (`https://.../api/`); empty means Slack's own. GovSlack
    and compatible endpoints set it."""

    slack_learners: str = Field(default="", validation_alias="TUTOR_SLACK_LEARNERS")
    """Slack users mapped to CLI learners, `U012ABCDE=alice,U034FGHIJ=bob`, to share cards;
    anyone else is learner `slack-TEAM-USER`."""

    slack_rate_limit: int = Field(default=20, ge=0, validation_alias="TUTOR_SLACK_RATE_LIMIT")
    """Turns one Slack user may start per minute (0: no limit)."""

    slack_workers: int = Field(default=4, ge=1, le=64, validation_alias="TUTOR_SLACK_WORKERS")
    """Turns the Slack bot runs at once (one at a time per thread)."""

    @property
    def chroma_dir(self) -> Path:
        """The persistent Chroma directory."""
        return self.home / "chroma"

    @property
    def records_path(self) -> Path:
        """The SQLite file that records what was ingested from which file."""
        return self.home / "ingest.sqlite"

    @property
    def threads_path(self) -> Path:
        """The SQLite checkpoint file that keeps every conversation thread."""
        return self.home / "threads.sqlite"

    @property
    def memory_path(self) -> Path:
        """The SQLite LangGraph Store file that keeps learners' cards and profiles."""
        return self.home / "memory.sqlite"

    @property
    def backend(self) -> str:
        """Where state is kept: `postgresql` (TUTOR_DATABASE_URL) or `sqlite` (under home)."""
        return "postgresql" if self.database_url.strip() else "sqlite"

    def max_tokens(self, kind: str) -> int:
        """The token limit for a kind of model call: route, explain, question, grade, demo."""
        return int(getattr(self, f"tokens_{kind}"))

    @property
    def mode(self) -> str:
        """`llm` when a chat model is configured, else `offline`."""
        return "llm" if self.model else "offline"


def _input_name(field: str) -> str:
    """The name Settings accepts a field under (its first environment variable)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return alias if isinstance(alias, str) else field


def load_settings(**overrides: object) -> Settings:
    """Read settings once from env and `.env`; keyword overrides win (used by tests and flags)."""
    settings = Settings(**{_input_name(name): value for name, value in overrides.items()})  # type: ignore[arg-type]
    settings.home = settings.home.expanduser()
    settings.notes = settings.notes.expanduser()
    return settings
