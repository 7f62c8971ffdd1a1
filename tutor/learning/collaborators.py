"""What learning asks of a turn's collaborators, as a protocol: `tutor.context.Services` is
the one the tutor passes, and learning never imports the layer above it to name it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import random

    from tutor.config import Settings
    from tutor.knowledge.coverage import Coverage
    from tutor.knowledge.index import NotesIndex
    from tutor.knowledge.passage import Passage
    from tutor.knowledge.retriever import HybridRetriever
    from tutor.llm import StructuredCaller


class Collaborators(Protocol):
    """The notes, the model (None offline), the settings and the turn's random choices."""

    settings: Settings
    rng: random.Random

    @property
    def index(self) -> NotesIndex: ...

    @property
    def retriever(self) -> HybridRetriever: ...

    @property
    def structured(self) -> StructuredCaller | None: ...

    def look_up(
        self, topic: str, k: int = 5, parts: tuple[str, ...] = ()
    ) -> tuple[list[Passage], Coverage]: ...
