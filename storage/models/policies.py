"""Rules for incoming posts, configured by admins (`amity policy`, /api/v1/admin/policies) and
applied by one inbox policy (`inbox/policies.py`), in the order of `position`."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import regex as rx  # the column `regex` would shadow the module in the class
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, new_id, utcnow

# keyword: a word or phrase (whole words) or, with `regex`, a pattern, in the text of a post;
# hashtag: a tag name; max_mentions: more mentions than `value`; new_account: the author was
# first seen here less than `value` hours ago.
RULE_KINDS = ("keyword", "hashtag", "max_mentions", "new_account")
# reject: the post is not stored; sensitive: stored marked sensitive; unlisted: stored, but kept
# off the public timelines.
RULE_ACTIONS = ("reject", "sensitive", "unlisted")


@lru_cache(maxsize=1024)
def compiled_pattern(value: str, is_regex: bool) -> rx.Pattern[str]:
    """What a keyword rule matches: `value` as a pattern, or as whole words; case-insensitive.
    Raises `regex.error` for a pattern that does not compile."""
    source = value if is_regex else r"(?<!\w)" + rx.escape(value) + r"(?!\w)"
    return rx.compile(source, rx.IGNORECASE | rx.VERSION0)


class PolicyRule(Base):
    __tablename__ = "policy_rules"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))  # the word, pattern, tag or number
    regex: Mapped[bool] = mapped_column(Boolean, default=False)  # keyword: `value` is a pattern
    action: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(255))  # the audit log's label: @ana, cli:root
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def pattern(self) -> rx.Pattern[str]:
        return compiled_pattern(self.value, self.regex)

    def describe(self) -> str:
        """One line naming the rule, as rejections and the CLI show it."""
        what = {"keyword": f"keyword {'/' + self.value + '/' if self.regex else repr(self.value)}",
                "hashtag": f"hashtag #{self.value}", "max_mentions": f"more than {self.value} mentions",
                "new_account": f"accounts first seen less than {self.value} hours ago"}[self.kind]
        return f"#{self.id} ({what}: {self.action})"
