"""The fixed texts the Slack bot shows (Slack mrkdwn), in one place."""

from __future__ import annotations

COMMAND = "/tutor"
THINKING = ":hourglass_flowing_sand: _Thinking…_"
ERROR = ":warning: {message}"
HINT = "_{hint}_"
KEPT = "_Your message is kept: send it again to retry._"
CRASHED = (
    ":warning: Something went wrong on my side (the details are in the tutor's log). "
    "Send your message again to retry."
)
RATE_LIMITED = (
    "You're going faster than I can keep up: {limit} messages a minute is my limit. "
    "Send it again in {wait} s and I'll take it."
)
ANSWER_HERE = "Reply in this thread with your answer, or `skip`."
ANSWER_DM = "Reply with your answer, or `skip`."
RUN_BUTTONS = "Only <@{owner}> can decide: they asked for it."
CHOSE = ":white_check_mark: <@{user}> chose *{label}*"
NOT_YOURS_RATE = "Only <@{owner}> can rate that answer: it's their card."
NOT_YOURS_RUN = "Only <@{owner}> can run that code: they asked for it."
WAITING_FOR = (
    "I'm waiting for <@{owner}> to decide here (rate their answer, or run the code they "
    "asked for). Mention me again once they have, or ask me in a new thread."
)
STALE = "That button belongs to something I'm no longer waiting for, so I left it alone."
ALREADY = "That was already pressed; nothing more to do."
FEEDBACK_THANKS = "Thanks, your feedback on that answer is recorded."
FEEDBACK_OFF = "Thanks! (It isn't recorded: LangSmith tracing is off on this tutor.)"
FEEDBACK_AGAIN = "You already gave feedback on that answer."
QUIZ_IN_DM = "A question is on its way to our direct messages (Apps › tutor)."
USAGE = (
    "`/tutor quiz [topic]` sends you a question in our direct messages · "
    "`/tutor progress` shows your cards and what is due · `/tutor help` explains the rest."
)
NO_ANSWER = "(no answer)"
SOURCES = ":page_facing_up: *Sources*"
SLACK_GUIDE = """*In Slack*
• Mention me in a channel (`@tutor explain softmax`) and I answer in a thread; or message \
me directly.
• In a thread I answered in, reply without mentioning me while it's just the two of us, or \
when I'm waiting for your answer; once others join, mention me.
• Slack keeps messages starting with `/` for its own commands: write mine without it \
(`quiz softmax`, `progress`, `level beginner`, `search PPO`), or start with `@tutor /quiz`.
• `/tutor quiz [topic]`, `/tutor progress`, `/tutor help` work anywhere.
• You are learner `{learner}` here; {mode}."""
MODE_OFFLINE = "I'm in offline mode (answers come only from the notes)"
MODE_LLM = "I'm using the model {model}"
