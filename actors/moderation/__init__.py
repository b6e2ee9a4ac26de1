"""Moderation: who may do what (`permissions`), the audit log of what was done (`audit`), and
the decisions themselves (`domains`: rules about whole servers)."""
