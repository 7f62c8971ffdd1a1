"""Where tutor keeps its own small files under TUTOR_HOME (ingest records, the Slack
bot's event log), opened one way."""

from tutor.storage.sqlite import open_sqlite

__all__ = ["open_sqlite"]
