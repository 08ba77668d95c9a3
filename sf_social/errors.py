"""The one exception hierarchy of sf_social.

Every error says what was wrong, where (file:line, post id, field) and what to do.
Catch ``SfSocialError`` to catch them all::

    SfSocialError
    ├── ConfigError ................ a setting is missing or invalid; fix the environment/config
    │   └── PlaybookError .......... a playbook file is invalid (file, line, key)
    └── InputError ................. one input (a feed line, a post) was rejected; the rest go on
        └── FeedLineError .......... a JSONL line could not be read as a SocialPost (line, field)
"""

from __future__ import annotations


class SfSocialError(Exception):
    """Base of every error sf_social raises on purpose."""


class ConfigError(SfSocialError):
    """A setting is missing or invalid."""


class PlaybookError(ConfigError):
    """A playbook file is invalid; ``problems`` lists each one as ``file:line: key: message``."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid playbook {path} ({len(problems)} problem(s)):\n{listing}")


class InputError(SfSocialError):
    """One input was rejected; processing of the others continues."""


class FeedLineError(InputError):
    """A line of a JSONL feed could not be read as a SocialPost."""

    def __init__(self, source: str, line_no: int, field: str, message: str) -> None:
        self.source = source
        self.line_no = line_no
        self.field = field
        self.message = message
        where = f"{source}:{line_no}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")
