"""Server-rendered public pages (Jinja2 through aiohttp-jinja2, autoescaped, no script):
`/about`, `/about/moderation`, `/privacy-policy`, `/terms`. Strings are marked for
translation; with no catalog in `ui/web/locale/` they render in English."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.support import Translations

from ui.web import about

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True, extensions=["jinja2.ext.i18n"],
                               undefined=jinja2.StrictUndefined)
    # Translations.load falls back to null translations (English) when no catalog exists.
    env.install_gettext_translations(Translations.load(str(LOCALE_DIR), ["en"]),  # type: ignore[attr-defined]
                                     newstyle=True)
    app.router.add_get("/about", about.about_page)
    app.router.add_get("/about/moderation", about.moderation_page)
    app.router.add_get("/privacy-policy", about.privacy_page)
    app.router.add_get("/terms", about.terms_page)
    app.router.add_static("/static/web/", HERE / "static")
