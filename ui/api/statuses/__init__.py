"""The Mastodon client API's statuses family: posting and reading statuses, actions on them,
their attachments and polls, and the Status entity."""
