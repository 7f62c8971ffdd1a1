"""What the CLI prints, fitted to where it goes: a terminal of any width, a pipe or a file.

On a terminal, prose is wrapped to its width at word boundaries; code is printed as it is,
never wrapped or indented, so what is copied from the screen runs. A pipe gets plain lines:
no colour, no wrapping but Markdown's (rendered at COLUMNS, else 80), and none of the spaces
rich pads lines with. `NO_COLOR` and `TERM=dumb` are rich's to honour.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

    from tutor.context import FirstIngest
    from tutor.errors import TutorError
    from tutor.knowledge.index import IngestReport, NotesIndex
    from tutor.learning.progress import Progress


class Unpadded:
    """A stream that drops the spaces at the end of each line (rich pads lines to the width;
    in a pipe they are only noise)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        """Write the finished lines without their trailing spaces; keep the unfinished one."""
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.stream.write(line.rstrip(" ") + "\n")
        return len(text)

    def flush(self) -> None:
        """Write what there is (rich flushes after every print, so lines are whole)."""
        if self.pending:
            self.stream.write(self.pending)
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        """Never a terminal (only pipes and files are wrapped)."""
        return False

    def fileno(self) -> int:
        """The wrapped stream's descriptor."""
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        """The wrapped stream's encoding."""
        return getattr(self.stream, "encoding", None) or "utf-8"


def console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr): on a terminal it wraps at word boundaries; to a
    pipe it writes each line whole, without padding."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        width, height = _dumb_size(stream)
        return Console(file=stream, width=width, height=height, highlight=False, soft_wrap=False)
    return Console(file=cast(IO[str], Unpadded(stream)), highlight=False, soft_wrap=True)


def _dumb_size(stream: IO[str]) -> tuple[int | None, int | None]:
    """A dumb terminal's real size (rich takes every dumb terminal to be 80 by 25)."""
    if os.environ.get("TERM", "").lower() not in ("dumb", "unknown") or os.environ.get("COLUMNS"):
        return None, None
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError):
        return None, None
    return (size.columns, size.lines) if size.columns and size.lines else (None, None)


def print_markdown(
    out: Console,
    text: str,
    *,
    render: bool = True,
    sources: Iterable[Mapping[str, Any]] = (),
) -> None:
    """Markdown wrapped to the width, its code blocks printed whole and unindented so they
    run when copied; with `render=False` the prose is printed as it is written. Citations of
    `sources` that carry a `url` become hyperlinks on a terminal that shows them."""
    from rich.syntax import Syntax
    from rich.text import Text

    from tutor.knowledge.citations import citation_links

    links = citation_links(sources)
    for at, (kind, part, lexer) in enumerate(_blocks(text)):
        if at:
            out.print()  # the blank line Markdown puts between blocks
        if kind == "code":
            code = Syntax(part, lexer or "text", background_color="default").highlight(part)
            code.rstrip()
            out.print(code, soft_wrap=True)  # long lines run on: the terminal wraps them
        elif render:
            out.print(_markdown(part, links), soft_wrap=False)
        else:
            out.print(Text(part.strip("\n")))


class Relinked:
    """A renderable whose placeholder links (`#tutor-link-N`) point at the real links.

    Markdown refuses `file:` links (markdown-it keeps them as text), so a citation goes in
    as a placeholder link and gets its real target once rendered."""

    def __init__(self, inner: Any, targets: dict[str, str]) -> None:
        self.inner = inner
        self.targets = targets

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Any]:
        """The inner renderable's segments, each placeholder link replaced."""
        from rich.segment import Segment

        for segment in console.render(self.inner, options):
            style = segment.style
            if style is not None and style.link in self.targets:
                segment = Segment(segment.text, style.update_link(self.targets[style.link]))
            yield segment


def _markdown(part: str, links: Mapping[str, str]) -> Any:
    """Markdown of a prose block, each citation with a link made a link to it."""
    from rich.markdown import Markdown

    cited = [c for c in sorted(links, key=len, reverse=True) if c in part]
    if not cited:
        return Markdown(part)
    targets: dict[str, str] = {}

    def link(match: re.Match[str]) -> str:
        placeholder = f"#tutor-link-{len(targets)}"
        targets[placeholder] = links[match.group(0)]
        label = re.sub(r"([\[\]\\])", r"\\\1", match.group(0))
        return f"[{label}]({placeholder})"

    # Longest first, so a citation inside a longer one (`a.md` in `data.md`) is not split.
    pattern = re.compile(r"(?<!\[)(?:" + "|".join(map(re.escape, cited)) + ")")
    return Relinked(Markdown(pattern.sub(link, part)), targets)


def _blocks(text: str) -> list[tuple[str, str, str]]:
    """The text cut into prose and top-level code blocks: (kind, text, lexer)."""
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    blocks: list[tuple[str, str, str]] = []
    at = 0
    for token in MarkdownIt().parse(text):
        if token.type not in ("fence", "code_block") or token.level or not token.map:
            continue
        start, end = token.map
        if prose := "\n".join(lines[at:start]).strip("\n"):
            blocks.append(("prose", prose, ""))
        blocks.append(("code", token.content, token.info.partition(" ")[0]))
        at = end
    if prose := "\n".join(lines[at:]).strip("\n"):
        blocks.append(("prose", prose, ""))
    return blocks


PROGRESS_COLUMNS = ("cards", "due now", "due 7d", "retention", "mastery")
Row = tuple[str, list[str]]


def print_progress(out: Console, report: Progress) -> None:
    """`tutor progress`: a table when every file name fits whole, else a list."""
    from rich.markup import escape
    from rich.table import Column, Table

    from tutor.learning.progress import Tally, habit_line, mastery_bar, percent
    from tutor.prompts import TOP_OF_NOTE, counted

    def cells(tally: Tally) -> list[str]:
        due = [str(tally.cards), str(tally.due_now), str(tally.due_7d)]
        return [*due, percent(tally.retention), mastery_bar(tally.mastery)]

    groups: list[list[Row]] = [
        [(escape(note.file), cells(note.tally))]
        + [(f"  › {escape(t.heading or TOP_OF_NOTE)}", cells(t.tally)) for t in note.topics]
        for note in report.notes
    ]
    groups.append([("all notes", cells(report.tally))])
    widths = _progress_widths(out.width, groups)
    if widths is None:  # too narrow for a table: the numbers under each name, indented
        from rich.padding import Padding
        from rich.text import Text

        for group in groups:
            for at, (name, values) in enumerate(group):
                label = Text.from_markup(name.lstrip(), style="" if at else "bold")
                out.print(Padding(label, (0, 0, 0, 2 if at else 0)), soft_wrap=False)
                cards, due, week, kept, mastery = values
                line = f"{counted(int(cards), 'card')} · {due} due now · {week} due in 7 days"
                line += f" · retention {kept} · mastery {mastery}"
                out.print(Padding(Text(line), (0, 0, 0, 4 if at else 2)), soft_wrap=False)
    else:
        note, *rest = widths
        numbers = [
            Column(h, justify="right", width=w)
            for h, w in zip(PROGRESS_COLUMNS[:-1], rest[:-1], strict=True)
        ]
        table = Table(
            Column("note › topic", width=note, overflow="fold"),
            *numbers,
            Column(PROGRESS_COLUMNS[-1], width=rest[-1], no_wrap=True),
        )
        for group in groups:
            for at, (name, values) in enumerate(group):
                table.add_row(name, *values, style="" if at else "bold")
            table.add_section()
        out.print(table)
    out.print(habit_line(report))


def _progress_widths(width: int, groups: list[list[Row]]) -> list[int] | None:
    """Column widths that keep every file name whole: headers on one line if that leaves
    room, else wrapped (`due` over `now`); None when not even that fits."""
    from rich.cells import cell_len

    rows = [row for group in groups for row in group]
    needed = max(cell_len(group[0][0]) for group in groups)
    longest = max(cell_len(name) for name, _ in rows)
    frame = 3 * (len(PROGRESS_COLUMNS) + 1) + 1  # a space each side of a cell, and a rule
    for wrapped in (False, True):
        rest = [
            max(
                max(map(len, h.split())) if wrapped else len(h),
                *(cell_len(values[i]) for _, values in rows),
            )
            for i, h in enumerate(PROGRESS_COLUMNS)
        ]
        room = width - frame - sum(rest)
        if room >= needed:
            return [min(room, longest), *rest]
    return None


def ingest_with_progress(index: NotesIndex, paths: list[Path], quiet: bool) -> IngestReport:
    """Ingest with a progress bar on stderr (on a terminal; nothing when piped or quiet)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    err = console(stderr=True)
    if quiet or not err.is_terminal or err.is_dumb_terminal:  # a dumb one cannot redraw a line
        return index.ingest(paths)
    columns = (
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(file: str, done: int, total: int) -> None:
            bar.update(
                task, completed=done, total=total, description=Path(file).name if file else ""
            )

        return index.ingest(paths, progress)


def ingesting_first(quiet: bool = False) -> FirstIngest:
    """What a command does when it finds the index empty: say on stderr that it ingests the
    notes, show the bar `tutor ingest` shows (on a terminal), and say what it indexed."""
    from tutor.prompts import counted

    def ingest(index: NotesIndex, paths: list[Path]) -> IngestReport:
        err = console(stderr=True)
        where = ", ".join(str(path) for path in paths)
        err.print(f"the index is empty: ingesting {where} first", style="dim", markup=False)
        report = ingest_with_progress(index, paths, quiet)
        done = f"indexed {counted(report.indexed, 'file')} · {counted(report.chunks, 'passage')}"
        err.print(done, style="dim", markup=False)
        return report

    return ingest


def error_json(error: TutorError) -> dict[str, Any]:
    """A user error as `--json` prints it on stdout: what happened, what to do, and the
    error's own fields (the thread to retry)."""
    return {**error.details, "error": error.message, "hint": error.hint}
