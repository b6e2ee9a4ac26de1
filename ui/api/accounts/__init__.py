"""The Mastodon client API's accounts family.

`profiles` (show and look up accounts, the member's own account: verify and update
credentials, relationships), `profile_images` (avatar and header uploads), `default_images`
(the default avatar and header), `relationships` (follow, unfollow, block, mute, answering
follow requests), `relationship_entity` (the Relationship entity), `relation_lists` (follow
requests, blocks, mutes, domain blocks, familiar followers), `followers`
(followers and following, the account search route), `search` (finding accounts by a query),
`registration` (sign-up by apps).
"""
