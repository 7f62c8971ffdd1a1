"""Every shipped demo runs cleanly in the real sandbox, as `/run` would run it offline."""

from __future__ import annotations

import pytest

from tutor.demos import Demo, all_demos
from tutor.sandbox import run

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.name)
def test_demo_runs_in_the_sandbox(demo: Demo) -> None:
    result = run(demo.code, timeout=10, mode="auto")
    assert not result.timed_out
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip()
    assert len(result.stdout.splitlines()) <= 25
