"""The Slack bot: how it connects, who is who, text conversion, turns and replies.

- `app`: `run_slack`, the bot put together (Socket Mode or the HTTP events endpoint);
- `connect`: tokens, the connection mode, learner and thread ids;
- `inbound`: events and button presses in, turns out;
- `turns`, `workers`: the turn queue per thread, the worker pool, rate limits;
- `render`, `mrkdwn`: replies as Slack messages, Markdown as Slack mrkdwn and back (the
  bot's fixed texts are in `tutor.prompts`, with the tutor's own);
- `store`, `listening`: the bot's own event log and the threads it follows;
- `reminders`, `remind_times`, `reminder_store`: `/tutor remind`, daily direct messages
  when cards are due.

Nothing is imported here: `tutor --help` loads none of it.
"""

__all__ = [
    "app",
    "connect",
    "inbound",
    "listening",
    "mrkdwn",
    "remind_times",
    "reminder_store",
    "reminders",
    "render",
    "store",
    "turns",
    "workers",
]
