"""The HTML of sign-in, consent and code pages: plain forms that work without JavaScript.

Everything that comes from a request or from the database is escaped here.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from ui.oauth.sessions import CSRF_FIELD
from ui.oauth.store import DESCRIPTIONS

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;"
          "line-height:1.5}label{display:block;margin-top:1rem}input[type=text],input[type=password],"
          "input[type=email],textarea{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}button{margin-top:1rem;"
          "padding:.5rem 1rem;font-size:1rem}.error{color:#a00;font-weight:bold}code{font-size:1.2rem;"
          "word-break:break-all}")


def page(title: str, body: str, *, status: int = 200, title_suffix: str = "") -> web.Response:
    text = (f"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{escape(title + title_suffix)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n")
    response = web.Response(text=text, status=status, content_type="text/html")
    # Never framed (clickjacking on the consent button), never cached (codes, tokens).
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def _hidden(fields: dict[str, str | None]) -> str:
    return "".join(f"<input type=\"hidden\" name=\"{escape(k)}\" value=\"{escape(v)}\">\n"
                   for k, v in fields.items() if v is not None)


def _error(message: str | None) -> str:
    return f"<p class=\"error\" role=\"alert\">{escape(message)}</p>\n" if message else ""


def sign_in_form(*, title: str, csrf: str, next_path: str, username: str = "", error: str | None = None,
                 status: int = 200) -> web.Response:
    body = (f"{_error(error)}<form method=\"post\" action=\"/auth/sign_in\">\n"
            f"{_hidden({CSRF_FIELD: csrf, 'next': next_path})}"
            "<label for=\"username\">E-mail or username</label>\n"
            f"<input type=\"text\" id=\"username\" name=\"username\" value=\"{escape(username)}\" "
            "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required>\n"
            "<label for=\"password\">Password</label>\n"
            "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" "
            "required>\n<button type=\"submit\">Sign in</button>\n</form>\n"
            "<p><a href=\"/auth/password\">Forgot your password?</a> · "
            "<a href=\"/auth/sign_up\">Create an account</a></p>")
    return page("Sign in", body, status=status, title_suffix=f" · {title}")


def _sign_out_form(csrf: str, next_path: str | None = None) -> str:
    return ("<form method=\"post\" action=\"/auth/sign_out\">\n"
            f"{_hidden({CSRF_FIELD: csrf, 'next': next_path})}"
            "<button type=\"submit\">Sign out</button>\n</form>")


def signed_in_page(*, title: str, handle: str, csrf: str) -> web.Response:
    body = f"<p>You are signed in as <strong>{escape(handle)}</strong>.</p>\n{_sign_out_form(csrf)}"
    return page("Signed in", body, title_suffix=f" · {title}")


def consent_page(*, title: str, app_name: str, website: str | None, handle: str, scopes: tuple[str, ...],
                 fields: dict[str, str | None], csrf: str, here: str) -> web.Response:
    app_label = escape(app_name)
    if website and website.startswith(("https://", "http://")):
        app_label = f"<a href=\"{escape(website)}\" rel=\"noopener noreferrer\">{app_label}</a>"
    items = "".join(f"<li><code>{escape(s)}</code>: {escape(_describe(s))}</li>\n" for s in scopes)
    body = (f"<p><strong>{app_label}</strong> asks to use your account <strong>{escape(handle)}</strong>. "
            f"It will be able to:</p>\n<ul>\n{items}</ul>\n"
            "<form method=\"post\" action=\"/oauth/authorize\">\n"
            f"{_hidden({**fields, CSRF_FIELD: csrf})}"
            "<button type=\"submit\" name=\"decision\" value=\"approve\">Authorize</button>\n"
            "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>\n"
            f"<p>Not you?</p>\n{_sign_out_form(csrf, here)}")
    return page("Authorize this app?", body, title_suffix=f" · {title}")


def _describe(scope: str) -> str:
    if scope in DESCRIPTIONS:
        return DESCRIPTIONS[scope]
    family, _, what = scope.rpartition(":")
    return f"{family.replace(':', ' ')} {what.replace('_', ' ')}"


def code_page(*, title: str, app_name: str, code: str) -> web.Response:
    body = (f"<p>Copy this code and paste it into <strong>{escape(app_name)}</strong>:</p>\n"
            f"<p><code id=\"code\">{escape(code)}</code></p>")
    return page("Authorization code", body, title_suffix=f" · {title}")


def error_page(message: str, *, status: int = 400, title: str = "Amity") -> web.Response:
    return page("This request cannot be completed", f"{_error(message)}", status=status,
                title_suffix=f" · {title}")
