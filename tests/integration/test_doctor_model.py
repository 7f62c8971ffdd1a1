"""`tutor doctor` contacts the configured model server and says what is wrong with it."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.integration.openai_stub import running_stub
from tutor.config import load_settings
from tutor.terminal.doctor import run_checks

pytestmark = pytest.mark.integration


def model_check(**settings: object) -> tuple[str, str, str]:
    checks = {c.name: c for c in run_checks(load_settings(**settings))}
    check = checks["model"]
    return check.status, check.detail, check.fix


def test_a_live_server_that_offers_the_model_is_ok() -> None:
    with running_stub() as stub:
        status, detail, _ = model_check(
            model="openai:stub-model", openai_base_url=stub.base_url, openai_api_key="test-key"
        )
    assert status == "ok" and "offers stub-model" in detail


def test_an_unknown_model_is_a_warning_that_names_what_is_offered() -> None:
    with running_stub() as stub:
        status, detail, fix = model_check(
            model="openai:gpt-9", openai_base_url=stub.base_url, openai_api_key="test-key"
        )
    assert status == "warn" and "gpt-9" in detail and "stub-model" in fix


def test_dead_server_wrong_key_and_missing_key_fail_with_a_reason() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    status, detail, _ = model_check(model="openai:m", openai_base_url=dead)
    assert status == "fail" and "cannot reach the model server" in detail
    with running_stub() as stub:
        status, detail, _ = model_check(
            model="openai:stub-model", openai_base_url=stub.base_url, openai_api_key="nope"
        )
    assert status == "fail" and "refused the API key" in detail
    status, detail, fix = model_check(model="openai:gpt-4o-mini")
    assert status == "fail" and "OPENAI_API_KEY is not set" in detail and fix


def test_offline_mode_has_no_model_check() -> None:
    assert "model" not in {c.name for c in run_checks(load_settings())}
