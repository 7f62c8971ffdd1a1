#!/usr/bin/env python
"""A reproducible big Obsidian-like vault made from the shipped notes, for the benches.

    .venv/bin/python bench/big_vault.py DEST [--passages 30000] [--seed 0]

The sections of knowledge/*.md are drawn at random (seeded) into notes of 10 to 50 passages,
filed in topic folders. Each copy of a section gets its own heading and a few words changed,
so no two passages are the same text (each is embedded, none is deduplicated), while lengths
and vocabulary stay those of real notes. The vault also holds what a real vault holds beside
notes: an `.obsidian/` settings folder and an `attachments/` folder of images.

Other benches import `make_vault(dest, passages, seed)`; the same arguments give the same
files, so every number can be measured again.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge"
TOPICS = ("foundations", "training", "alignment", "inference", "evaluation", "systems")
HEADING = re.compile(r"^(#{1,6}\s+\S|\*\*[^*]+\*\*\s*$)")
WORD = re.compile(r"[A-Za-z]{4,}")


def _sections() -> list[list[str]]:
    """The shipped notes cut at their headings (a section: its heading line, then its body)."""
    sections: list[list[str]] = []
    for path in sorted(SHIPPED.glob("*.md")):
        current: list[str] = []
        fenced = False
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            if not fenced and HEADING.match(line) and any(s.strip() for s in current[1:]):
                sections.append(current)
                current = []
            if current or (not fenced and HEADING.match(line)):
                current.append(line)
        if any(s.strip() for s in current[1:]):
            sections.append(current)
    return sections


def _passages(lines: Sequence[str]) -> int:
    """How many passages tutor's chunker makes of these lines as a note."""
    from tutor.knowledge.chunking import chunk_note
    from tutor.knowledge.loaders import parse_note

    return len(chunk_note(parse_note(Path("x.md"), "\n".join(lines).encode())))


def _varied(section: list[str], tag: str, words: list[str], rng: random.Random) -> list[str]:
    """A copy of a section under its own heading, with a few words swapped (code kept)."""
    head = section[0].rstrip()
    head = f"{head[:-2]} {tag}**" if head.endswith("**") else f"{head} {tag}"
    out = [head]
    fenced = False
    for line in section[1:]:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        found = [] if fenced else list(WORD.finditer(line))
        if found and rng.random() < 0.5:
            hit = rng.choice(found)
            line = line[: hit.start()] + rng.choice(words) + line[hit.end() :]
        out.append(line)
    return out


def make_vault(dest: Path, passages: int, seed: int = 0) -> Path:
    """Write a vault of about `passages` passages (exact for the chunker as shipped) to dest."""
    rng = random.Random(seed)
    pool = _sections()
    sizes = [_passages(s) for s in pool]
    words = sorted({w for s in pool for line in s for w in WORD.findall(line)})
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ".obsidian").mkdir(exist_ok=True)
    (dest / ".obsidian" / "app.json").write_text('{"attachmentFolderPath": "attachments"}\n')
    (dest / "attachments").mkdir(exist_ok=True)
    total = 0
    number = 0
    while total < passages:
        number += 1
        topic = TOPICS[number % len(TOPICS)]
        title = [f"# {topic.title()} notes {number}", ""]
        goal = min(rng.randint(10, 50), passages - total)
        blocks: list[list[str]] = []
        held = 0
        while held < goal:
            pick = rng.randrange(len(pool))
            if not 0 < sizes[pick] <= goal - held:
                continue  # one-passage sections exist, so some pick always fits
            blocks.append([*_varied(pool[pick], f"({number}.{len(blocks)})", words, rng), ""])
            held += sizes[pick]
        # A changed word can move a chunk boundary: count the note as written, trim to fit.
        while blocks and total + (held := _passages(title + sum(blocks, []))) > passages:
            blocks.pop()
        if not blocks:
            continue
        folder = dest / topic
        folder.mkdir(exist_ok=True)
        text = "\n".join(title + sum(blocks, []))
        (folder / f"note-{number:05d}.md").write_text(text, encoding="utf-8")
        if number % 10 == 0:
            (dest / "attachments" / f"figure-{number:05d}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        total += held
    return dest


def count_passages(vault: Path) -> int:
    """Passages in a vault's notes, as tutor chunks them."""
    from tutor.knowledge.chunking import chunk_note
    from tutor.knowledge.loaders import parse_note

    return sum(
        len(chunk_note(parse_note(p, p.read_bytes())))
        for p in sorted(vault.rglob("*.md"))
        if ".obsidian" not in p.parts
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--passages", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    make_vault(args.dest, args.passages, args.seed)
    notes = len([p for p in args.dest.rglob("*.md") if ".obsidian" not in p.parts])
    print(f"{args.dest}: {notes} notes, {count_passages(args.dest)} passages", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
