"""What a turn runs with: settings and the collaborators nodes call (index, model, sandbox)."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tutor.config import Settings, load_settings
from tutor.tracing import traced

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langgraph.runtime import Runtime

    from tutor.knowledge.coverage import Coverage
    from tutor.knowledge.index import NotesIndex
    from tutor.knowledge.passage import Passage
    from tutor.knowledge.retriever import HybridRetriever
    from tutor.learning.memory import LearnerMemory
    from tutor.llm import Kind, StructuredCaller
    from tutor.sandbox import RunResult
    from tutor.studymap import StudyMap

    FirstIngest = Callable[[NotesIndex, list[Path]], object]
    """Fills an empty index from the notes folder (the CLI shows its progress bar)."""


class Services:
    """Collaborators for the nodes, created on first use so a turn pays only for what it uses."""

    def __init__(
        self,
        settings: Settings,
        *,
        embeddings: Embeddings | None = None,
        chat_model: BaseChatModel | None = None,
        rng: random.Random | None = None,
        first_ingest: FirstIngest | None = None,
    ) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._chat_model = chat_model
        self.rng = rng or random.Random()
        self.first_ingest = first_ingest
        """How an empty index is filled from TUTOR_NOTES (the CLI shows a progress bar)."""

    @property
    def mode(self) -> str:
        """`llm` or `offline`."""
        return "llm" if self.chat is not None else "offline"

    @property
    def model_name(self) -> str | None:
        """The configured model, None offline."""
        return self.settings.model or None if self.chat is not None else None

    @cached_property
    def chat(self) -> BaseChatModel | None:
        """The chat model, or None in offline mode."""
        if self._chat_model is not None:
            return self._chat_model
        from tutor.llm import make_chat_model

        return make_chat_model(self.settings)

    def ask(self, kind: Kind, messages: Sequence[Any]) -> AIMessage:
        """The model's reply, bounded in tokens and in the turn's time (LLM mode only); a
        failure of any kind is a ModelFailure."""
        from tutor.llm import ask_model

        assert self.chat is not None, "asked the model in offline mode"
        return ask_model(self.chat, self.settings, kind, messages)

    @cached_property
    def structured(self) -> StructuredCaller | None:
        """Structured output from the chat model (None offline)."""
        from tutor.llm import StructuredCaller

        return StructuredCaller(self.chat, self.settings) if self.chat is not None else None

    @cached_property
    def index(self) -> NotesIndex:
        """The notes index; filled from TUTOR_NOTES on first use if it is empty."""
        index = open_index(self.settings, self._embeddings)
        if index.count() == 0 and self.settings.notes.exists():
            if self.first_ingest is not None:
                self.first_ingest(index, [self.settings.notes])
            else:
                index.ingest([self.settings.notes])
        return index

    @cached_property
    def retriever(self) -> HybridRetriever:
        """Hybrid search over the index."""
        from tutor.knowledge.retriever import HybridRetriever

        return HybridRetriever(index=self.index)

    def study_map(self) -> StudyMap:
        """The study map of the notes as indexed now, built once per version of the index
        (the keyword index's: a new version has new aliases, so they key the cache)."""
        from tutor.knowledge.retriever import one_index_version
        from tutor.studymap.build import build_map

        retriever = self.retriever
        with one_index_version():  # the aliases and the rows of one version
            aliases = retriever.aliases
            cached = self.__dict__.get("_study_map")
            if cached is None or cached[0] is not aliases:
                cached = (aliases, build_map(retriever.rows(), aliases))
                self.__dict__["_study_map"] = cached  # swapped whole: a turn sees one version
        return cached[1]

    def missing_notes(self) -> str | None:
        """Why there is nothing to teach from, when the index is empty; None otherwise."""
        if self.index.count():
            return None
        from tutor.prompts import NO_NOTES

        notes = self.settings.notes
        if not notes.exists():
            return f"The notes folder {notes} (TUTOR_NOTES) does not exist. {NO_NOTES}"
        return f"Nothing could be indexed from {notes}: `tutor ingest` shows why. {NO_NOTES}"

    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The best passages for a query."""
        from tutor.knowledge.citations import linked

        if self.index.count() == 0:
            return []
        return linked(self.retriever.search(query, k=k), self.settings)

    def look_up(
        self, topic: str, k: int = 5, parts: tuple[str, ...] = ()
    ) -> tuple[list[Passage], Coverage]:
        """The best passages for a topic and what they cover of it (each compared part
        searched on its own). Abbreviations the notes spell out are searched spelled out."""
        from tutor.knowledge.coverage import (
            Coverage,
            as_noted,
            judge,
            spelled_out,
            with_shared_head,
        )
        from tutor.knowledge.field_terms import as_named_in_notes

        if self.index.count() == 0:
            return [], Coverage(covered=False, mentioned=False)
        if self.retriever.tagged(topic):  # a front-matter tag: the tagged notes cover it
            return self.search(topic, k=k), Coverage(covered=True, mentioned=True)
        vocabulary = self.retriever.vocabulary
        texts = self.retriever.texts()
        notes = self.retriever.text
        query = as_named_in_notes(spelled_out(topic, texts, vocabulary), notes, vocabulary)
        passages = self.search(as_noted(query, vocabulary), k=k)
        found = None
        parts = with_shared_head(parts, notes, vocabulary)
        if len(parts) > 1:
            found = {
                part: self.search(as_noted(spelled_out(part, texts, vocabulary), vocabulary), k=3)
                for part in parts
            }
        return passages, judge(query, passages, vocabulary, found, notes)

    def random_passages(self, n: int) -> list[Passage]:
        """A random sample of passages (a quiz with no topic)."""
        from tutor.knowledge.passage import Passage

        ids, texts, metas = self.index.everything()
        picks = self.rng.sample(range(len(ids)), min(n, len(ids)))
        return [Passage.from_row(ids[i], texts[i], metas[i]) for i in picks]

    def run_code(self, code: str) -> RunResult:
        """Run Python in the sandbox with the configured isolation and time limit."""
        return sandbox_run(code, timeout=self.settings.code_timeout, mode=self.settings.sandbox)

    def close(self) -> None:
        """Release the index's files."""
        if "index" in self.__dict__:
            self.index.close()


def open_index(settings: Settings, embeddings: Embeddings | None = None) -> NotesIndex:
    """The notes index with the rules' question bank built at ingest (the hook that keeps
    `tutor.knowledge` from importing `tutor.learning`)."""
    from tutor.knowledge.index import NotesIndex
    from tutor.learning.bank import build_bank

    return NotesIndex(settings, embeddings, questions=build_bank)


def _run_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"code": inputs.get("code"), "timeout": inputs.get("timeout")}


def _run_outputs(result: Any) -> dict[str, Any]:
    """What a trace shows of a sandbox run (never its environment)."""
    fields = ("stdout", "stderr", "exit_code", "timed_out", "truncated", "files", "isolation")
    return {name: getattr(result, name, None) for name in fields}


@traced("sandbox", "tool", process_inputs=_run_inputs, process_outputs=_run_outputs)
def sandbox_run(code: str, *, timeout: float, mode: str) -> RunResult:
    """The sandbox as a traced tool run: the code in, what it printed and how it ended out."""
    from tutor.sandbox import run

    return run(code, timeout=timeout, mode=mode)


@dataclass
class TutorContext:
    """Run context for one turn; Studio may leave `services` empty and pass overrides."""

    home: str = ""
    """TUTOR_HOME for this run (empty: the environment's)."""

    model: str = ""
    """TUTOR_MODEL for this run (empty: the environment's)."""

    services: Services | None = field(default=None, repr=False, compare=False)
    """Ready collaborators (the CLI and Slack pass theirs; Studio gets them built)."""

    run_id: str = ""
    """The turn's LangSmith root run id (empty when it is not traced), for quiz feedback."""


_BUILT: dict[tuple[str, str], Services] = {}
_BUILDING = threading.Lock()


def services_of(runtime: Runtime[TutorContext] | Any) -> Services:
    """The services for a turn: the caller's, or built once per process from the environment."""
    context = getattr(runtime, "context", None) or TutorContext()
    if isinstance(context, dict):
        context = TutorContext(**{k: v for k, v in context.items() if k in ("home", "model")})
    if context.services is not None:
        return context.services
    key = (context.home, context.model)
    with _BUILDING:  # LangGraph's server runs nodes on worker threads: build once
        if key not in _BUILT:
            overrides = {k: v for k, v in (("home", context.home), ("model", context.model)) if v}
            _BUILT[key] = Services(load_settings(**overrides))
        return _BUILT[key]


def memory_of(runtime: Runtime[TutorContext] | Any, learner: str | None) -> LearnerMemory | None:
    """The learner's memory in the graph's Store (None when the graph runs without a store)."""
    store = getattr(runtime, "store", None)
    if store is None:
        return None
    from tutor.learning.memory import LearnerMemory

    return LearnerMemory(store, learner or "default")


def level_of(state: Any, services: Services, memory: LearnerMemory | None) -> str:
    """The level this message asked for ("like I'm a beginner"), else the learner's (their
    profile; the thread's when there is no store), else the configured one."""
    if asked := state.get("asked_level"):
        return str(asked)
    profile = memory.profile() if memory is not None else {}
    return str(profile.get("level") or state.get("level") or services.settings.level)
