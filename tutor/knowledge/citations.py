"""How answers name their sources: numbered passages for prompts, citation footers, refs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tutor import prompts
from tutor.knowledge.passage import Passage, Source, cite
from tutor.prompts import NO_NOTES

if TYPE_CHECKING:
    from tutor.config import Settings

CITATION = re.compile(r"\[(\d{1,2})\]")
GENERAL = re.compile(
    r"\b(from |with |using )?(your )?general knowledge\b|\bin general\b|\boutside (of )?my notes\b"
    r"|\banyway\b",
    re.I,
)


def source_ref(passage: Passage) -> Source:
    """The JSON shape of a source: file, heading, line range, a notebook's cells, and the
    link back into the notes (`url`) when the index recorded where the note is."""
    ref = passage.ref()
    if url := passage.link():
        ref["url"] = url
    return ref


def linked(passages: Iterable[Passage], settings: Settings) -> list[Passage]:
    """The passages with their links as the settings say (TUTOR_OBSIDIAN_VAULT names the
    notes folder's vault); without this a link is found from the note's `.obsidian` alone."""
    return [p.linked(settings.obsidian_vault, settings.notes) for p in passages]


def citation_links(sources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`file › heading (lines a–b)` → its link, for the sources that carry one (sources
    recorded before citations carried links have none, and stay plain text)."""
    return {cite(ref): str(ref["url"]) for ref in sources if ref.get("url") and ref.get("file")}


def where(ref: Source) -> str:
    """`file › heading (lines a–b)` for a source ref (`(cell n)` in a notebook)."""
    return cite(ref)


def numbered_passages(passages: list[Passage], limit: int = 1500) -> str:
    """Passages as `[n] file › heading` blocks for a prompt."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        text = p.text if len(p.text) <= limit else p.text[:limit] + " …"
        blocks.append(f"[{n}] {p.citation}\n{text}")
    return "\n\n".join(blocks)


def keep_valid_citations(text: str, count: int) -> tuple[str, list[int]]:
    """Drop citation numbers outside 1..count; return the text and the numbers cited, in order."""
    cited: list[int] = []

    def check(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= count:
            return ""
        if n not in cited:
            cited.append(n)
        return match.group(0)

    return CITATION.sub(check, text), cited


def sources_footer(numbered: list[tuple[int, Source]]) -> str:
    """A Markdown `Sources` block: one `[n] file › heading (lines)` line per source."""
    if not numbered:
        return ""
    lines = [f"[{n}] {where(ref)}" for n, ref in numbered]
    return "\n\n**Sources**\n" + "\n".join(f"- {line}" for line in lines)


def wants_general_knowledge(text: str) -> bool:
    """Whether the learner asked for an answer beyond their notes."""
    return bool(GENERAL.search(text))


def without_general_request(text: str) -> str:
    """The question with its "from general knowledge" request removed (for searching)."""
    return GENERAL.sub("", text).strip(" ,.?") or text


def not_covered(
    topic: str, nearest: list[Passage], hint: str, unnamed: tuple[str, ...] = ()
) -> str:
    """The plain statement that the notes do not cover a topic (and the names of the field in
    it they never write), the nearest places, a hint."""
    if not nearest:
        return NO_NOTES  # search finds something whenever anything is indexed
    shown = topic if len(topic) <= 80 else topic[:80].rsplit(" ", 1)[0] + " …"
    said = prompts.NOT_COVERED.format(topic=shown)
    named = [n for n in unnamed if n.casefold() != topic.casefold()]  # not said twice
    if named:
        said += " " + prompts.NEVER_NAMED.format(names=", ".join(f"**{n}**" for n in named))
    lines = [said, "", prompts.NEAREST]
    lines += [f"- {p.citation}" for p in nearest[:3]]
    return "\n".join([*lines, "", hint])
