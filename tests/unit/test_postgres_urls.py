"""TUTOR_DATABASE_URL as messages show it (the password never), which URLs are refused, and
the one line a failure of the database becomes."""

from __future__ import annotations

import pytest

from tutor.errors import TutorError
from tutor.storage.postgres import check_url, database_error, redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://tutor:s3cret@db.example:5432/tutor", "postgresql://tutor:***@db.example:5432/tutor"),
        ("postgres://tutor:s3cret@db/tutor?sslmode=require", "postgres://tutor:***@db/tutor?sslmode=require"),
        ("postgresql://tutor:p%40s3cret%2F@db/tutor", "postgresql://tutor:***@db/tutor"),
        ("postgresql://tutor:s3cret@[::1]:5432/tutor", "postgresql://tutor:***@[::1]:5432/tutor"),
        ("postgresql://tutor:s3cret@h1:5432,h2:5433/tutor", "postgresql://tutor:***@h1:5432,h2:5433/tutor"),
        ("postgresql://db/tutor?user=tutor&password=s3cret", "postgresql://db/tutor?user=tutor&password=***"),
        ("  postgresql://:s3cret@db/tutor\n", "postgresql://:***@db/tutor"),
    ],
)  # fmt: skip
def test_the_password_is_hidden_wherever_the_url_carries_it(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "s3cret" not in redact(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://tutor@db.example:5432/tutor",
        "postgresql://db/tutor?sslmode=require&application_name=tutor",
        "postgresql:///tutor?host=/var/run/postgresql",
    ],
)
def test_a_url_without_a_password_is_shown_as_it_is(url: str) -> None:
    assert redact(url) == url


@pytest.mark.parametrize(
    "url",
    ["mysql://x", "mysql://root:s3cret@db/tutor", "sqlite:///home/me/tutor.db", "db.example:5432"],
)
def test_only_postgresql_urls_are_accepted(url: str) -> None:
    with pytest.raises(TutorError, match="is not a PostgreSQL URL") as refused:
        check_url(url)
    assert "s3cret" not in str(refused.value)
    assert "postgresql://USER:PASSWORD@HOST:5432/DATABASE" in refused.value.hint


def test_a_postgresql_url_is_accepted_without_its_surrounding_space() -> None:
    assert check_url(" postgresql://tutor:s3cret@db:5432/tutor\n") == (
        "postgresql://tutor:s3cret@db:5432/tutor"
    )
    assert check_url("postgres:///tutor?host=/run/postgresql") == (
        "postgres:///tutor?host=/run/postgresql"
    )
    with pytest.raises(TutorError, match="is not a URL"):
        check_url("postgresql://tutor:s3cret@db:port/tutor")


def test_a_turn_that_waited_in_vain_for_a_connection_says_to_send_it_again() -> None:
    from psycopg_pool import PoolTimeout

    waited = PoolTimeout("couldn't get a connection after 10.00 sec")
    error = database_error(waited, "postgresql://tutor:s3cret@db/tutor", "running the turn")
    assert error.message == (
        "the database postgresql://tutor:***@db/tutor did not answer within 10 s "
        "while running the turn"
    )
    assert error.hint.startswith("send the message again") and error.exit_code == 1


def test_the_servers_own_words_are_one_line_without_the_password() -> None:
    import psycopg

    said = psycopg.OperationalError('server said:\n  no role "s3cret"\n  DETAIL: again')
    error = database_error(said, "postgresql://tutor:s3cret@db/tutor")
    assert "\n" not in error.message and "s3cret" not in str(error)
    assert 'no role "***" DETAIL: again' in error.message


def test_every_form_of_the_database_password_is_kept_out_of_traces() -> None:
    from tutor.tracing.traces import Redactor, database_secrets

    url = "postgresql://tutor:p%40ss-word1@db:5432/tutor?password=other-secret9"
    redactor = Redactor(database_secrets(url))
    said = f"see {url} or p@ss-word1 or p%40ss-word1 or other-secret9 please"
    hidden = redactor.text(said)
    for secret in ("p@ss-word1", "p%40ss-word1", "other-secret9"):
        assert secret not in hidden
    assert "please" in hidden
