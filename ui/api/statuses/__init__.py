"""The Mastodon client API's statuses family.

`crud` (post, show, edit, delete; history, source, context; and what posting and editing
send; + `idempotency` for `Idempotency-Key`), `actions` (favourite, boost, bookmark, pin, mute
the conversation), `attachments` (media uploads), `polls` (show, vote), all rendering with
`entity` (the Status entity and its parts, in bulk, the app a status was posted with, and
finding the statuses a viewer may see). Timelines are not here: `ui.api.timelines`.
"""
