"""The policies every incoming activity passes, in order."""

from __future__ import annotations

from inbox.policies import Policy
from inbox.policies.accounts import suspended_accounts
from inbox.policies.domains import refused_domains
from inbox.policies.order import undone_early

POLICIES: tuple[Policy, ...] = (refused_domains, suspended_accounts, undone_early)
