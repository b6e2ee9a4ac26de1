"""Filters: v2 (filters, keywords, status filters), v1 mapped onto them, and the `filtered`
attribute of statuses (`applied`)."""
