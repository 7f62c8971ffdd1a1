"""The Slack bot's parts: how it connects, who is who, text conversion, turns and replies.

`tutor.slack_app` puts them together; nothing here is imported by `tutor --help`.
"""
