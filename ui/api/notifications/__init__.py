"""Notifications in the client API: v1 (`v1`), grouped v2 (`v2`, `groups`), the entity
(`entity`), reading pages with the read-time rules (`pages`), and Mastodon 4.3's policy and
requests (`policy`, `requests`). What a member is shown is decided in
`actors.reading.notification_reads`; how notifications are written, in `actors.reading.notifications`."""
