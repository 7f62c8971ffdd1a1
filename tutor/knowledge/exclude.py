"""What to leave out of the index: gitignore patterns from defaults, settings and `.tutorignore`.

Patterns are read in order (defaults, then TUTOR_NOTES_EXCLUDE, then the `.tutorignore` file
at the root of the folder being ingested) with git's rules: the last pattern that matches a
path decides, `!pattern` takes a path back in, and nothing comes back from inside a folder
that is itself left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.errors import TutorError

IGNORE_FILE = ".tutorignore"
DEFAULT_EXCLUDE = (".*", "node_modules/", "__pycache__/", "*.excalidraw.md")
"""Hidden files and folders (Obsidian's `.obsidian/` settings and `.trash/`, `.git/`,
`.ipynb_checkpoints/`), tool folders, and Excalidraw drawings (JSON that merely ends in .md).
Attachment folders are not listed: only notes (.md, .txt, .ipynb) are ever read, so their
images never are, and a note kept there is still a note."""
DEFAULT = "default"
SETTING = "TUTOR_NOTES_EXCLUDE"
EXCLUDED = "excluded by "
"""How every exclusion's reason begins."""


@dataclass(frozen=True)
class Rule:
    """One pattern and where it was written, to say why a path was left out."""

    pattern: str
    origin: str


@dataclass
class Exclusion:
    """The patterns that apply under one notes folder."""

    rules: list[Rule]
    spec: Any

    def reason(self, relative: str, is_dir: bool) -> str | None:
        """Why `relative` (a path under the folder, `/`-separated) is left out, or None."""
        result = self.spec.check_file(relative + "/" if is_dir else relative)
        if not result.include:
            return None
        rule = self.rules[result.index] if result.index < len(self.rules) else Rule("?", "?")
        return f"{EXCLUDED}{rule.pattern!r} ({rule.origin})"

    def by_user(self, reason: str) -> bool:
        """True when a reason names a pattern the user wrote (not one of the defaults)."""
        return not reason.endswith(f"({DEFAULT})")


def setting_patterns(value: str) -> list[str]:
    """TUTOR_NOTES_EXCLUDE's patterns: separated by commas or newlines, blanks dropped."""
    return [p.strip() for p in re.split(r"[,\n]", value) if p.strip()]


def exclusion_for(root: Path, setting: str = "") -> Exclusion:
    """The defaults, the setting's patterns and `root/.tutorignore`, checked and compiled.

    A pattern git cannot read is an error naming where it was written: guessing what it
    meant could take notes out of the index, or put private ones in.
    """
    import pathspec

    rules = [Rule(p, DEFAULT) for p in DEFAULT_EXCLUDE]
    rules += [Rule(p, SETTING) for p in setting_patterns(setting)]
    ignore = root / IGNORE_FILE
    if ignore.is_file():
        try:
            lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise TutorError(
                f"cannot read {ignore}: {exc.strerror or exc}", "fix its permissions"
            ) from exc
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                rules.append(Rule(line.rstrip(), f"{IGNORE_FILE} line {number}"))
    for rule in rules:
        try:
            pathspec.GitIgnoreSpec.from_lines([rule.pattern])
        except (ValueError, TypeError) as exc:  # GitIgnorePatternError is a ValueError
            where = root / IGNORE_FILE if rule.origin.startswith(IGNORE_FILE) else rule.origin
            raise TutorError(
                f"invalid exclude pattern {rule.pattern!r} in {where} ({rule.origin}): {exc}",
                "fix or remove it (gitignore syntax); nothing was indexed or removed",
            ) from exc
    spec = pathspec.GitIgnoreSpec.from_lines([r.pattern for r in rules])
    return Exclusion(rules, spec)
