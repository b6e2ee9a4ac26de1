"""OAuth 2 for client apps, and the one sign-in page that browsers use.

`setup(app)` registers every route. Module map: `signin` (`/auth/sign_in`, `/auth/sign_out`),
`signup` (sign-up, invite, confirmation and password reset pages; HTML in `signup_pages`),
`authorize` (consent and codes), `token` (tokens, revocation, RFC 8414 metadata); `store`
(apps, codes and tokens, stored as digests, and their scopes), `sessions` (browser sessions,
CSRF), `redirects` (registered redirect URIs, safe `next` paths), `credentials` (password checks),
`pages` (HTML).
"""

from __future__ import annotations

from aiohttp import web

from ui.keys import CONFIG
from ui.oauth import authorize, signin, signup, token
from ui.oauth.credentials import PASSWORD_GATE, PasswordGate


def setup(app: web.Application) -> None:
    app[PASSWORD_GATE] = PasswordGate.from_limits(app[CONFIG].limits)
    signin.setup(app)
    signup.setup(app)
    authorize.setup(app)
    token.setup(app)
