"""Monitoring topics from the command line: list, add, remove and try them out.

Edits go to the workspace's rules.toml through tomlkit, keeping the officer's comments;
a changed topic is followed by the same reconciliation as `yuqing regrade`.
"""
