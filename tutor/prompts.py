"""Every prompt the tutor sends to a chat model, and the fixed texts it shows; nowhere else."""

from __future__ import annotations

ROUTER = """You route a learner's message in a study tutor that teaches from the learner's \
own notes. Pick exactly one route:
- explain: the learner wants a concept taught or clarified.
- retrieve: the learner wants to know where their notes cover something (which note, find, \
where), not an explanation.
- quiz: the learner wants to be asked questions or tested.
- code_run: the learner wants Python code run, or wants a runnable demonstration.
Also give the topic: the concept the message is about, in a few words (empty if none)."""

LEVELS = {
    "beginner": "a beginner: use plain words, one idea at a time, a concrete example",
    "intermediate": "an intermediate learner: precise terms, brief intuition, key details",
    "advanced": "an advanced learner: be concise and technical, mention trade-offs and math",
}

EXPLAIN = """You are a patient tutor teaching from the learner's own study notes.
Answer using ONLY the numbered passages below. Cite the passages you use as [1], [2] \
right after the sentence they support. Do not cite a number that is not listed. If the \
passages only partly answer, say which part the notes do not cover.
Shape the answer so it teaches, in this order:
1. Open with the definition of the topic: one or two sentences saying what it is, from the \
passage that defines it.
2. Then why it matters or how it works (a short paragraph or a few bullets).
3. Then one example, under a line "**Example**", only if the passages give one; never \
invent an example.
4. Last, under "**See also**", short bullets for related remarks from other passages that \
are not about the topic itself; leave the part out when there are none.
Every sentence and bullet ends with its citation.
Pitch the explanation for {level}. Keep it under about 250 words; use Markdown.

Passages from the notes:
{passages}"""

GENERAL = """You are a patient tutor. The learner's notes do not cover this question, and the \
learner asked for an answer from general knowledge. Answer it briefly for {level}. Do not \
pretend the answer comes from their notes."""

QUIZ_WRITE = """Write ONE quiz question that checks understanding of the passage below, from \
the learner's notes. The question must be answerable from the passage alone. Give a \
reference answer (one to three sentences) and a rubric of two to four short criteria a \
correct answer meets. Pitch it for {level}.

Passage ({citation}):
{passage}"""

QUIZ_GRADE = """Grade the learner's answer to a quiz question against the reference answer \
and rubric. Score from 0 to 1 (1 = meets every criterion). Verdict: correct (score >= 0.7), \
partial (>= 0.3) or incorrect. List what the answer got right and what it missed (short \
phrases). Feedback: one or two sentences, say what was right and what was missing; be \
encouraging and specific.

Question: {question}
Reference answer: {reference}
Rubric:
{rubric}

Learner's answer: {answer}"""

CODE_WRITE = """Write a short, self-contained Python program (standard library only, no \
input(), no network, no files outside the current folder, runs in under a second, prints \
a small readable result) that demonstrates this concept for a learner: {topic}
Relevant notes, if any:
{passages}"""

CODE_EXPLAIN = """A learner ran this Python code in a sandbox. Explain in two to four \
sentences what the output shows (or why it failed and how to fix it), for {level}.

Code:
```python
{code}
```
Exit code: {exit_code}{timed_out}
Output:
{stdout}
Errors:
{stderr}"""

HELP = """I teach from your notes. Ask me anything, or use a command:

- `/explain TOPIC`: teach a concept from your notes, with sources
- `/search TOPIC`: where your notes cover something (no explanation)
- `/quiz [TOPIC]`: one question from your notes; answer it, or `/skip`
- `/run CODE`: run Python in the sandbox (or `/run TOPIC` for a demonstration)
- `/level beginner|intermediate|advanced`: how explanations are pitched
- `/progress`: your cards, what is due and your mastery per topic
- `/map [TOPIC]`: the concepts of your notes, how they build on each other, your mastery
- `/next`: what to study next: due cards, then a concept you are ready for
- `/goal TEXT`, `/style TEXT`, `/profile`: what you are aiming for and how you like answers
- `/help`: this list

Plain messages work too: "quiz me on softmax", "where do my notes cover PPO?",
"run this" with a ```python block."""

SMALL_TALK = (
    'Hello! Ask me about anything in your notes ("what is the reward model?"), say "quiz me '
    'on softmax", or send `/help` for everything I can do.'
)
THANKS = 'You\'re welcome! Ask another question, or say "quiz me" to check what stuck.'
BYE = "Bye! Your conversation is saved; pick it up any time on this thread."

NO_NOTES = (
    "There are no notes in the index yet. Add some with `tutor ingest PATH`, or set "
    "TUTOR_NOTES to your notes folder."
)

# --- Fixed texts the tutor shows ---------------------------------------------------------

SWITCH_ON = (
    "set TUTOR_MODEL (e.g. openai:gpt-4o-mini) with OPENAI_API_KEY, or OPENAI_BASE_URL for a "
    "local OpenAI-compatible server"
)
OFFLINE_BANNER = f"Offline mode: answers come only from your notes. For LLM mode, {SWITCH_ON}."
OFFLINE_MODE = "offline mode (set TUTOR_MODEL for LLM mode)"
LLM_MODE = "llm mode · {model}"
"""The mode in a status line (the CLI's and the Slack bot's banners, a turn's footer)."""
NO_ANSWER = "(no answer)"
TOP_OF_NOTE = "(top of note)"
"""Where a heading is shown: the part of a note above its first heading."""
PATH_MISSING = "path does not exist"
"""Why ingest skipped a path given to it; the CLI knows a mistyped command line by it."""

NOT_COVERED = "Your notes don't cover **{topic}**."
NEVER_NAMED = "They never mention {names}."
PART_MISSING = "_Your notes don't cover **{parts}**, so this answers only the rest._"
NEAREST_ONLY = "_Your notes never name **{topic}** as such: this is what they have nearest to it._"
NOT_MENTIONED = "Your notes don't mention **{topic}**; the nearest passages:"
FOUND_IN_NOTES = "Where your notes cover **{topic}**:"
NEAREST = "The closest passages (weak matches):"
NO_GENERAL_OFFLINE = (
    f"Offline mode answers only from your notes. For general knowledge, {SWITCH_ON}."
)
ASK_GENERAL = 'Ask again with "from general knowledge" for an answer beyond your notes.'
GENERAL_LABEL = "**General knowledge, not from your notes.**"

VERDICTS = {
    "correct": "✅ **Correct.**",
    "partial": "🟡 **Partly right.**",
    "incorrect": "❌ **Not quite.**",
    "skipped": "⏭️ **Skipped.**",
}
QUIZ_NOTHING_THERE = "So there is nothing to quiz you on there."
QUIZ_NOT_IN_NOTES = "**{topic}** is not in your notes, so I have no question on it."
QUIZ_NEAREST_TOPICS = "The nearest topics your notes do have:"
QUIZ_TRY_TOPIC = "Try `/quiz {topic}`."
QUIZ_IN_PASSING = (
    "_Your notes mention **{topic}** only in passing; this question is from where they do._"
)
QUIZ_RELATED = (
    "_No heading or definition in your notes names **{topic}**; this question is from the "
    "passage closest to it._"
)
QUIZ_NONE_ON_TOPIC = (
    "Your notes have **{topic}** ({where}), but I could not make a question from it; "
    "try `/explain {topic}`."
)
QUIZ_ALL_ASKED_ON_TOPIC = (
    "You have had every question I can make on **{topic}**, and none is due yet: your next "
    "review is {when}. Try `/quiz` on another topic meanwhile."
)
QUIZ_NO_QUESTION = (
    "I could not make a question from those passages; try `/quiz` with another topic."
)
QUIZ_ALL_ASKED = (
    "You have had every question I can make there, and none is due yet: your next review is "
    "{when}. Try `/quiz` on another topic meanwhile."
)
QUIZ_SET_ASIDE = "_The quiz question is set aside; `/quiz` asks another._"
QUIZ_UNCLEAR_CHOICE = "I couldn't tell which option you meant: answer with {labels}, or `/skip`."
QUIZ_ANOTHER = "Say `/quiz` for another question."
QUIZ_REVIEW = "_Review: this card was due {when}._"
QUIZ_NEW = "_New card._"
RATE = (
    "**How well did you know it?** `again` · `hard` · `good` · `easy` "
    "(my estimate: **{suggested}**; `ok` takes it)."
)
RATE_AGAIN = (
    "Rate it with `again`, `hard`, `good` or `easy` (or `ok` to take my estimate, {suggested})."
)
SCHEDULED = "Rated **{rating}**: this card comes back {when}."
SCHEDULED_ESTIMATE = "Rated **{rating}** (my estimate): this card comes back {when}."
RATE_REPEATED = (
    "That is the answer you already gave; now rate it: `again`, `hard`, `good` or `easy` "
    "(or `ok` to take my estimate, {suggested})."
)
SKIPPED_RATED = "Rated **again**: this card comes back {when}."
ESTIMATE = "_{how} estimate: {verdict} ({score:.0%})._"
DUE_NUDGE = "You have **{due}** due for review: send `/quiz` to go through them."
RECORD_LINE = "_Your record here: {topics}. `/quiz {topic}` reviews it._"
PROFILE_LINE = "The learner's goals: {goals}. Preferred style: {style}."
MASTERY_LINE = (
    "The learner's quiz record on these topics (mastery 0-100%): {record}. Spend more care on "
    "what they found hard."
)
GOAL_SET = "Noted your goal: {goal}."
STYLE_SET = "Noted your preferred style: {style}."
PROFILE_OFFLINE = " Offline, answers quote your notes; a model (`TUTOR_MODEL`) will use it."
PROFILE_NOW = (
    "Level: {level} · goals: {goals} · style: {style}. "
    "Set them with `/level`, `/goal TEXT`, `/style TEXT`."
)
PROGRESS_EMPTY = (
    "You have no cards yet. Send `/quiz` (or `/quiz TOPIC`) for a first question: "
    "every answer you rate becomes a card, scheduled for review when you are about to forget it."
)
PROGRESS_ALL_RETIRED = (
    "None of your cards is live: their notes were deleted. `/quiz` starts new ones."
)
NO_MEMORY = "Learner memory is not available in this run (the graph has no store)."
NOTHING_TO_SKIP = "Nothing to skip: no question is waiting."

RUN_IT = "Run it? (yes/no)"
CONFIRM_RUN = "Run this code?"
CONFIRM_AGAIN = "Please answer yes (run it) or no (don't)."
NOT_RUN = "Not run."
CATALOGUE_DEMO = "A demonstration from tutor's catalogue: **{title}**. {summary}"
NO_DEMO = "I have no demonstration for **{topic}**. "
HOW_TO_RUN = (
    "Send code to run in a ```python block (or `/run print(2 ** 10)`), or ask for one of the "
    "demonstrations: {names}."
)
CANNOT_RUN = "I can't run code here: {reason}"
FELL_BACK = "_({done}: the model failed: {reason}.)_"
"""One line under a step that went its offline way because the model call failed."""
ANSWERED_OFFLINE = "Answered offline, from the notes' own sentences"
NOT_ANSWERED = "No answer from general knowledge"
ROUTED_OFFLINE = "Routed offline"
BANK_QUESTION = "A question from the notes' bank"
SHIPPED_DEMO = "The shipped demonstration instead"
NOT_CODE = "its program was not runnable code"
NO_EXPLANATION = "_(The model could not explain the result: {reason})_"
MODEL_GRADE_FAILED = "_(Graded by the offline rules: the model could not grade it: {reason})_"
UNREADABLE_GRADE = "its reply was not a grade in the expected form"

LEVEL_SET = "Explanations are now pitched at the {level} level."
LEVEL_OFFLINE = (
    " Offline, explanations quote your notes as they are; the level shapes answers once a "
    "model is configured."
)
LEVEL_UNKNOWN = "`{wanted}` is not a level. "
LEVEL_NOW = "Your level is {level}; choose with `/level beginner|intermediate|advanced`."
UNKNOWN_COMMAND = "I don't know `{command}`.\n\n"

MAP_NOT_IN_NOTES = "{topic} is not in your notes"
MAP_NEAREST = "the nearest concepts your notes have: {names}"
MAP_NO_CONCEPTS = "no concepts could be read from your notes (no headings or defined terms)"
MAP_NOT_STARTED = "not started"
MAP_TITLE = "**Study map{of}** · {concepts} · mastery per concept, from your cards"
MAP_MORE = "… and {more} (narrow it with `/map TOPIC`)"
MAP_PNG_HINT = "give --png a file in a folder you can write to"
MAP_PNG_WROTE = "wrote {path} ({concepts})"
NEXT_TITLE = "**What next**"
NEXT_DUE = "Review your {cards} due first ({where}): send `/quiz`."
NEXT_LEARN = "Learn **{concept}**: {reason}."
NEXT_QUIZ = "Check it: `{quiz}`."
NEXT_BUILDS_ON = "you know {known}; {concept} builds on it"
NEXT_WEAKEST = "you retain {mastery} of it, the least of what you are ready for"
NEXT_UNLOCKS = "; {after} builds on it"
NEXT_START = "a starting point: it needs nothing else from your notes"
NEXT_ALL_MASTERED = "Every concept in your notes is mastered: `/quiz` keeps it that way."
NEXT_NOTHING_READY = (
    "Nothing new is ready to learn: review what you missed recently first (`/quiz`)."
)
NEXT_HELD_BACK = "_Waiting until you know their prerequisite again: {concepts}._"


# --- Fixed texts the Slack bot shows (Slack mrkdwn, not Markdown) ------------------------

SLACK_COMMAND = "/tutor"
SLACK_THINKING = ":hourglass_flowing_sand: _Thinking…_"
SLACK_ERROR = ":warning: {message}"
SLACK_HINT = "_{hint}_"
SLACK_KEPT = "_Your message is kept: send it again to retry._"
SLACK_CRASHED = (
    ":warning: Something went wrong on my side (the details are in the tutor's log). "
    "Send your message again to retry."
)
SLACK_RATE_LIMITED = (
    "You're going faster than I can keep up: {limit} messages a minute is my limit. "
    "Send it again in {wait} s and I'll take it."
)
SLACK_ANSWER_HERE = "Reply in this thread with your answer, or `skip`."
SLACK_ANSWER_DM = "Reply with your answer, or `skip`."
SLACK_RUN_BUTTONS = "Only <@{owner}> can decide: they asked for it."
SLACK_CHOSE = ":white_check_mark: <@{user}> chose *{label}*"
SLACK_NOT_YOURS_RATE = "Only <@{owner}> can rate that answer: it's their card."
SLACK_NOT_YOURS_RUN = "Only <@{owner}> can run that code: they asked for it."
SLACK_WAITING_FOR = (
    "I'm waiting for <@{owner}> to decide here (rate their answer, or run the code they "
    "asked for). Mention me again once they have, or ask me in a new thread."
)
SLACK_STALE = "That button belongs to something I'm no longer waiting for, so I left it alone."
SLACK_ALREADY = "That was already pressed; nothing more to do."
SLACK_FEEDBACK_THANKS = "Thanks, your feedback on that answer is recorded."
SLACK_FEEDBACK_OFF = "Thanks! (It isn't recorded: LangSmith tracing is off on this tutor.)"
SLACK_FEEDBACK_AGAIN = "You already gave feedback on that answer."
SLACK_QUIZ_IN_DM = "A question is on its way to our direct messages (Apps › tutor)."
SLACK_REMIND_DUE = (
    ":alarm_clock: You have {cards} due for review. Press *Start* and I'll ask the first "
    "question here."
)
SLACK_REMIND_START = "Start"
SLACK_REMIND_SET = (
    ":alarm_clock: I'll message you at *{at}* ({tz}) on days you have cards due, from "
    "{when}. `/tutor remind off` stops it."
)
SLACK_REMIND_TODAY = "today"
SLACK_REMIND_TOMORROW = "tomorrow"
SLACK_REMIND_SHOW = (
    ":alarm_clock: I message you at *{at}* ({tz}) on days you have cards due. "
    "`/tutor remind off` stops it."
)
SLACK_REMIND_NONE = (
    "No reminder is set. `/tutor remind 9:00` has me message you at 9:00 on days you have "
    "cards due."
)
SLACK_REMIND_OFF = "Reminder off. `/tutor remind 9:00` turns it on again."
SLACK_REMIND_USAGE = (
    "I can't read `{given}` as a time of day. Write `/tutor remind 9:00` (or `09:00`, `9am`, "
    "`21:30`, `9:30pm`), `/tutor remind off`, or `/tutor remind` to see yours."
)
SLACK_REMIND_ZONE_OFFSET = (
    "\n_Slack gave me your offset from UTC but not your time zone, so the time won't follow "
    "daylight saving: set it again when the clocks change._"
)
SLACK_REMIND_UTC = (
    "\n_I couldn't read your time zone from Slack, so I use UTC for now; I look again "
    "each day and move to your zone once Slack tells me._"
)
SLACK_USAGE = (
    "`/tutor quiz [topic]` sends you a question in our direct messages · "
    "`/tutor progress` shows your cards and what is due · `/tutor remind 9:00` messages "
    "you when cards are due · `/tutor help` explains the rest."
)
SLACK_SOURCES = ":page_facing_up: *Sources*"
SLACK_GUIDE = """*In Slack*
• Mention me in a channel (`@tutor explain softmax`) and I answer in a thread; or message \
me directly.
• In a thread I answered in, reply without mentioning me while it's just the two of us, or \
when I'm waiting for your answer; once others join, mention me.
• Slack keeps messages starting with `/` for its own commands: write mine without it \
(`quiz softmax`, `progress`, `level beginner`, `search PPO`), or start with `@tutor /quiz`.
• `/tutor quiz [topic]`, `/tutor progress`, `/tutor map [topic]`, `/tutor next`, \
`/tutor help` work anywhere.
• `/tutor remind 9:00` (your time zone in Slack) has me message you at 9:00 on days you \
have cards due, with a *Start* button; `/tutor remind off` stops it, `/tutor remind` shows it.
• You are learner `{learner}` here; {mode}."""
SLACK_MODE_OFFLINE = "I'm in offline mode (answers come only from the notes)"
SLACK_MODE_LLM = "I'm using the model {model}"
SLACK_USERS_MAPPED = "{users} mapped to learners"
"""How many Slack users have a learner of their own (`tutor slack`'s banner, `tutor doctor`)."""


def counted(n: int, noun: str, plural: str = "") -> str:
    """`1 passage`, `2 passages`: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
