"""The HTML of the sign-up, confirmation and password pages (the sign-in page's style).

Plain forms with labels that work without JavaScript; everything from a request or the
database is escaped by `pages` helpers or here.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from aiohttp import web

from ui.oauth.pages import page
from ui.oauth.sessions import CSRF_FIELD

Render = Callable[[str], web.Response]  # a form page, given its CSRF token


def _error(message: str | None) -> str:
    return f"<p class=\"error\" role=\"alert\">{escape(message)}</p>\n" if message else ""


def _field(name: str, label: str, *, kind: str = "text", value: str = "", autocomplete: str = "",
           required: bool = True, hint: str = "") -> str:
    described = f" aria-describedby=\"{name}-hint\"" if hint else ""
    auto = f" autocomplete=\"{autocomplete}\"" if autocomplete else ""
    hint_html = f"<small id=\"{name}-hint\">{escape(hint)}</small>\n" if hint else ""
    return (f"<label for=\"{name}\">{escape(label)}</label>\n{hint_html}"
            f"<input type=\"{kind}\" id=\"{name}\" name=\"{name}\" value=\"{escape(value)}\""
            f"{auto}{described}"
            f"{' required' if required else ''}>\n")


def _csrf(token: str) -> str:
    return f"<input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{escape(token)}\">\n"


def sign_up_form(*, title: str, csrf: str, invite_code: str = "", approval: bool = False,
                 values: dict[str, str] | None = None, rules: list[str] | None = None,
                 error: str | None = None, status: int = 200) -> web.Response:
    values = values or {}
    listed = "".join(f"<li>{escape(rule)}</li>\n" for rule in rules or [])
    rules_html = f"<h2>Server rules</h2>\n<ol>\n{listed}</ol>\n" if listed else ""
    hidden = (f"<input type=\"hidden\" name=\"invite_code\" value=\"{escape(invite_code)}\">\n"
              if invite_code else "")
    reason = ""
    if approval and not invite_code:
        reason = ("<p>A moderator reviews new accounts before they can be used.</p>\n"
                  "<label for=\"reason\">Why do you want to join? (optional)</label>\n"
                  f"<textarea id=\"reason\" name=\"reason\" rows=\"3\" maxlength=\"500\">"
                  f"{escape(values.get('reason', ''))}</textarea>\n")
    body = (f"{_error(error)}<form method=\"post\" action=\"/auth/sign_up\">\n{_csrf(csrf)}{hidden}"
            + _field("username", "Username", value=values.get("username", ""), autocomplete="username",
                     hint="Letters, digits and underscores; others will see it as your handle.")
            + _field("email", "E-mail address", kind="email", value=values.get("email", ""),
                     autocomplete="email")
            + _field("password", "Password", kind="password", autocomplete="new-password")
            + _field("password_confirmation", "Password again", kind="password", autocomplete="new-password")
            + reason + rules_html
            + "<label><input type=\"checkbox\" name=\"agreement\" value=\"1\" required> "
              "I agree to this server's rules</label>\n"
              "<button type=\"submit\">Create account</button>\n</form>\n"
              "<p>Already have an account? <a href=\"/auth/sign_in\">Sign in</a></p>")
    return page("Create an account", body, status=status, title_suffix=f" · {title}")


def message_page(heading: str, message: str, *, title: str, status: int = 200, sign_in_link: bool = False,
                 error: bool = False) -> web.Response:
    text = _error(message) if error else f"<p>{escape(message)}</p>\n"
    if sign_in_link:
        text += "<p><a href=\"/auth/sign_in\">Sign in</a></p>\n"
    return page(heading, text, status=status, title_suffix=f" · {title}")


def reset_request_form(*, title: str, csrf: str, error: str | None = None, status: int = 200) -> web.Response:
    body = (f"{_error(error)}<p>Enter the e-mail address of your account; we will mail you a link to "
            "choose a new password.</p>\n<form method=\"post\" action=\"/auth/password\">\n"
            f"{_csrf(csrf)}" + _field("email", "E-mail address", kind="email", autocomplete="email")
            + "<button type=\"submit\">Send the link</button>\n</form>")
    return page("Forgot your password?", body, status=status, title_suffix=f" · {title}")


def new_password_form(*, title: str, csrf: str, token: str, error: str | None = None,
                      status: int = 200) -> web.Response:
    body = (f"{_error(error)}<form method=\"post\" action=\"/auth/password/edit\">\n{_csrf(csrf)}"
            f"<input type=\"hidden\" name=\"reset_password_token\" value=\"{escape(token)}\">\n"
            + _field("password", "New password", kind="password", autocomplete="new-password")
            + _field("password_confirmation", "New password again", kind="password",
                     autocomplete="new-password")
            + "<button type=\"submit\">Change password</button>\n</form>")
    return page("Choose a new password", body, status=status, title_suffix=f" · {title}")
