"""What Slack shows: Markdown as mrkdwn, long answers split, sources and buttons in blocks;
what the tutor hears from Slack; how `tutor slack` connects and who is which learner."""

from __future__ import annotations

import json
import re

import pytest

from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.knowledge.passage import Source
from tutor.session import Turn
from tutor.slack.connect import choose_connection, learner_map
from tutor.slack.listening import slack_command
from tutor.slack.mrkdwn import from_slack, slack_link, split_mrkdwn, to_mrkdwn, with_links
from tutor.slack.render import error_message, pending_key, turn_messages
from tutor.terminal.doctor import run_checks

EXPLAINED = """**Softmax function**

The softmax function converts *raw scores* into probabilities. [1]

**Key points**
- Logits are the raw scores [2]
- The probabilities sum to 1. [1]

**Sources**
- [1] deep-learning-qa-notebook.md › Forward Propagation (lines 55–58)
- [2] deep-learning-qa-notebook.md › Forward Propagation (lines 64–65)"""


def test_markdown_emphasis_headings_links_and_lists_become_mrkdwn() -> None:
    text = to_mrkdwn(
        "## The **softmax** function\n"
        "It is *smooth*, __bold__ and ~~old~~; see [the docs](https://docs.example/a?b=1&c=2).\n"
        "- first\n  - nested\n1. one\n> quoted\n\n---\n"
        "snake_case_name and 2*3*4 stay as they are."
    )
    assert text.splitlines() == [
        "*The softmax function*",
        "It is _smooth_, *bold* and ~old~; see <https://docs.example/a?b=1&c=2|the docs>.",
        "• first",
        "    ◦ nested",
        "1. one",
        "> quoted",
        "",
        "──────────",
        "snake_case_name and 2*3*4 stay as they are.",
    ]


def test_code_is_kept_verbatim_with_only_slacks_entities_escaped() -> None:
    text = to_mrkdwn('Run `a<b`:\n\n```python\nif a < b and **kw:\n    print("*x*")\n```')
    assert text.splitlines() == [
        "Run `a&lt;b`:",
        "",
        "```",
        "if a &lt; b and **kw:",
        '    print("*x*")',
        "```",
    ]
    assert to_mrkdwn("```python\nprint(1)").endswith("print(1)\n```")  # cut off mid-stream


def test_text_from_the_notes_or_a_model_cannot_mention_anyone() -> None:
    text = to_mrkdwn("Ping <!channel> and <@U012ABCDE> & co")
    assert "<!" not in text and "<@" not in text
    assert text == "Ping &lt;!channel&gt; and &lt;@U012ABCDE&gt; &amp; co"


def test_a_table_becomes_an_aligned_block_of_code() -> None:
    text = to_mrkdwn("| note | cards |\n|---|---:|\n| **rlhf.md** | 12 |\n| dl.md | 3 |")
    assert text == "```\nnote     cards\nrlhf.md  12\ndl.md    3\n```"


def test_a_long_answer_is_split_under_the_limit_and_code_stays_code() -> None:
    prose = "\n\n".join(f"Paragraph {n}: " + "word " * 60 for n in range(12))
    code = "```\n" + "\n".join(f"print({n})  # line {n}" for n in range(300)) + "\n```"
    pieces = split_mrkdwn(f"{prose}\n\n{code}\nAfter the code.", limit=1000)
    assert len(pieces) > 5 and all(len(p) <= 1000 for p in pieces)
    assert all(p.count("```") % 2 == 0 for p in pieces)  # every piece opens what it closes
    joined = "\n".join(pieces)
    for n in range(300):
        assert f"print({n})  # line {n}" in joined
    assert all(f"Paragraph {n}:" in joined for n in range(12))
    assert pieces[-1].endswith("After the code.")
    assert split_mrkdwn("x" * 2500, limit=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


def test_a_slack_message_becomes_what_the_learner_meant() -> None:
    said = from_slack(
        "<@UBOT> run this ```python\nprint(“hi” &lt; 'x')``` see <https://a.example|a.example>, "
        "<@U02|bob> in <#C03|general> &amp; <!here>",
        bot_user="UBOT",
    )
    assert said == (
        "run this \n```\nprint(\"hi\" < 'x')\n```\n see a.example, @bob in #general & @here"
    )
    assert from_slack("<@UBOT>: ", bot_user="UBOT") == ""


def test_an_explanation_keeps_its_text_and_moves_its_sources_into_a_context_block() -> None:
    turn = Turn("t", "explain", "offline", None, EXPLAINED, sources=[{"file": "x"}])
    [message] = turn_messages(turn, owner="U1", in_thread=True)
    section, context = message["blocks"]
    assert section["text"]["text"].startswith("*Softmax function*\n\nThe softmax function")
    assert "_raw scores_" in section["text"]["text"]
    assert "Sources" not in section["text"]["text"]
    sources = context["elements"][0]["text"]
    assert "[1] deep-learning-qa-notebook.md › Forward Propagation (lines 55–58)" in sources
    assert "[2]" in sources
    assert message["text"] == section["text"]["text"]  # the notification text


LINKED: list[Source] = [  # sources with links back into the notes: a vault's, a file's
    {
        "file": "deep-learning-qa-notebook.md",
        "heading": "Forward Propagation",
        "start_line": 55,
        "end_line": 58,
        "url": "obsidian://open?vault=My%20Notes&file=deep-learning-qa-notebook%23Forward",
    },
    {
        "file": "deep-learning-qa-notebook.md",
        "heading": "Forward Propagation",
        "start_line": 64,
        "end_line": 65,
        "url": "file:///srv/notes/deep-learning-qa-notebook.md#64",
    },
]


def test_sources_in_a_vault_become_slack_links_with_their_characters_escaped() -> None:
    turn = Turn("t", "explain", "offline", None, EXPLAINED, sources=LINKED)
    [message] = turn_messages(turn, owner="U1", in_thread=True)
    sources = message["blocks"][1]["elements"][0]["text"]
    # `&` in a link is `&amp;` as everywhere in mrkdwn.
    assert (
        "[1] <obsidian://open?vault=My%20Notes&amp;file=deep-learning-qa-notebook%23Forward"
        "|deep-learning-qa-notebook.md › Forward Propagation (lines 55–58)>"
    ) in sources
    # A file:// link is a path on the bot's machine, of no use to the learner: plain text.
    assert "\n[2] deep-learning-qa-notebook.md › Forward Propagation (lines 64–65)" in sources
    assert "file:" not in sources

    listed = "Found in your notes:\n\n1. **deep-learning-qa-notebook.md › Forward Propagation "
    search = Turn("t", "retrieve", "offline", None, listed + "(lines 55–58)**", sources=LINKED)
    [message] = turn_messages(search, owner="U1", in_thread=True)
    text = message["blocks"][0]["text"]["text"]
    assert "1. *<obsidian://open?vault=My%20Notes&amp;file=" in text


def test_a_link_label_keeps_its_text_safe() -> None:
    # A `|` or `>` in the URL would end it; Slack has no entity for a `|` in the label.
    assert slack_link("obsidian://open?vault=a|b>c&file=n d", "Q&A <x> | y") == (
        "<obsidian://open?vault=a%7Cb%3Ec&amp;file=n%20d|Q&amp;A &lt;x&gt; ¦ y>"
    )
    # A citation in code stays code: Slack would show the link syntax as text there.
    code = with_links("see a.md\n```\na.md\n```", {"a.md": "file:///a.md"})
    assert code == "see <file:///a.md|a.md>\n```\na.md\n```"


def test_buttons_follow_what_the_tutor_waits_for() -> None:
    rate = {"type": "rating", "prompt": "How well did you know it?"}
    rating = Turn("t1", "quiz", "offline", None, "Correct.", pending=rate)
    [message] = turn_messages(rating, owner="U1", in_thread=True)
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    words = [json.loads(b["value"])["say"] for b in actions["elements"]]
    assert words == ["again", "hard", "good", "easy"]
    value = json.loads(actions["elements"][2]["value"])
    assert value == {"t": "t1", "u": "U1", "p": pending_key(rate), "say": "good"}

    confirm = {"type": "confirm_code", "prompt": "Run this code?"}
    offer = Turn("t2", "code_run", "offline", None, "```python\nprint(1)\n```", pending=confirm)
    [message] = turn_messages(offer, owner="U1", in_thread=True)
    ids = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ids == ["tutor_run_yes", "tutor_run_no"]
    assert "Only <@U1> can decide" in json.dumps(message["blocks"])

    question = {"type": "quiz_answer", "prompt": "What is a logit?"}
    source = {"file": "dl.md", "heading": "Logits", "start_line": 1, "end_line": 2}
    asked = Turn("t3", "quiz", "offline", None, "What is a logit?", [source], question)
    [message] = turn_messages(asked, owner="U1", in_thread=False)
    assert "dl.md" not in json.dumps(message["blocks"])  # no hint at the answer's source
    assert "Reply with your answer" in json.dumps(message["blocks"])

    graded = Turn("t4", "quiz", "llm", "m", "✅ **Correct.** (model's score 90%)", [source])
    [message] = turn_messages(graded, owner="U1", in_thread=True)
    assert [b["type"] for b in message["blocks"]] == ["section"]  # a model grade: no rating

    graded.run_id = "run-1"
    [message] = turn_messages(graded, owner="U1", in_thread=True)
    thumbs = message["blocks"][-1]
    assert [e["value"] for e in thumbs["elements"]] == ["run-1", "run-1"]


def test_an_error_is_one_short_message_that_says_what_to_do() -> None:
    error = TutorError("the model server did not answer", "start it <now>")
    text = error_message(error, kept=True)["text"]
    assert text.splitlines() == [
        ":warning: the model server did not answer",
        "_start it &lt;now&gt;_",
        "_Your message is kept: send it again to retry._",
    ]


@pytest.mark.parametrize(
    ("typed", "waiting", "sent"),
    [
        ("progress", False, "/progress"),
        ("Help", False, "/help"),
        ("help me understand softmax", False, "help me understand softmax"),
        ("level beginner", False, "/level beginner"),
        ("level up my skills", False, "level up my skills"),
        ("search PPO", False, "/search PPO"),
        ("goal: pass the exam", False, "/goal pass the exam"),
        ("style transfer in CNNs?", False, "style transfer in CNNs?"),
        ("skip", True, "skip"),
        ("", False, "/help"),
        ("", True, ""),
        ("/quiz softmax", False, "/quiz softmax"),
        ("map", False, "/map"),
        ("map PPO", False, "/map PPO"),
        ("next", False, "/next"),
        ("next", True, "next"),
    ],
)
def test_a_few_commands_work_without_the_slash_slack_keeps(
    typed: str, waiting: bool, sent: str
) -> None:
    assert slack_command(typed, waiting) == sent


def test_the_connection_follows_the_tokens_and_says_which_one_is_missing() -> None:
    def connect(port: int | None = None, **tokens: str) -> str:
        settings = load_settings(**tokens)
        connection = choose_connection(settings, port)
        return f"{connection.mode}:{connection.port}"

    bot = "xoxb-1-2-abc"
    assert connect(slack_bot_token=bot, slack_app_token="xapp-1-A-2") == "socket:3000"
    assert connect(slack_bot_token=bot, slack_signing_secret="s") == "http:3000"
    both = {"slack_app_token": "xapp-1", "slack_signing_secret": "s"}
    assert connect(slack_bot_token=bot, **both) == "socket:3000"
    assert connect(8080, slack_bot_token=bot, **both) == "http:8080"
    with pytest.raises(TutorError, match="SLACK_BOT_TOKEN is not set") as missing:
        connect(slack_app_token="xapp-1")
    assert "manifest.yml" in missing.value.hint
    with pytest.raises(TutorError, match="SLACK_SIGNING_SECRET"):
        connect(8080, slack_bot_token=bot, slack_app_token="xapp-1")
    with pytest.raises(TutorError, match="neither SLACK_APP_TOKEN"):
        connect(slack_bot_token=bot)
    with pytest.raises(TutorError, match="not a bot token"):
        connect(slack_bot_token="xapp-1-oops", slack_app_token="xapp-1")


def test_slack_users_map_to_cli_learners() -> None:
    settings = load_settings(slack_learners="U012ABCDE=alice, W0456=bob;U99=carol")
    assert learner_map(settings) == {"U012ABCDE": "alice", "W0456": "bob", "U99": "carol"}
    with pytest.raises(TutorError, match="can't read: 'alice'"):
        learner_map(load_settings(slack_learners="U1=bob,alice"))


def test_the_doctor_names_the_tokens_and_the_mode_but_never_their_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tutor.terminal.doctor._sandbox", lambda settings: None)
    monkeypatch.setattr("tutor.terminal.doctor._embeddings", lambda settings: None)
    secrets = {"slack_bot_token": "xoxb-SECRET-1", "slack_signing_secret": "SECRET-2"}
    [check] = [c for c in run_checks(load_settings(**secrets)) if c and c.name == "slack"]
    assert check.status == "ok"
    assert "HTTP events" in check.detail
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in check.detail
    assert not re.search("SECRET-", check.detail + check.fix)
    [check] = [
        c
        for c in run_checks(load_settings(slack_bot_token="xoxb-SECRET-1"))
        if c and c.name == "slack"
    ]
    assert check.status == "fail" and "SECRET-" not in check.detail + check.fix


def test_the_manifest_asks_for_what_the_bot_handles() -> None:
    import yaml

    from tests.conftest import REPO
    from tutor import prompts

    manifest = yaml.safe_load((REPO / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == prompts.SLACK_COMMAND
    settings = manifest["settings"]
    assert {"app_mention", "message.im", "message.channels"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write"} <= scopes
    assert manifest["features"]["app_home"]["messages_tab_enabled"]
