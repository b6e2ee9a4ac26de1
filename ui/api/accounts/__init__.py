"""The Mastodon client API's accounts family: profiles, their lists and relationships, sign-up."""
