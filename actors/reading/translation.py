"""Machine translation of a post through a LibreTranslate-compatible server (off by default).

The instance setting `translation_url` names the server (empty: off); its API key, if any, is
node config (`translation_api_key`), sent in the request body and never logged. The request
goes through the node's SSRF-guarded client under a timeout, and what comes back is remote
HTML: it is sanitized like any other. The answer says it is a machine translation, from which
language to which, and by which server, so a page or an app can label it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from actors.reading.languages import Version, pick
from federation.client import JSON, FetchError
from federation.sanitize import clean_html, plain_text
from federation.services import Services
from federation.urls import domain_of
from storage import settings
from storage.errors import Invalid, RemoteUnavailable
from storage.models import Status

log = logging.getLogger("amity.translation")

TRANSLATE_SECONDS = 15.0
MAX_ANSWER_BYTES = 262_144


@dataclass(frozen=True)
class Translation:
    content: str  # sanitized HTML
    summary: str  # plain text
    source_language: str
    target_language: str
    provider: str  # the translation server's domain
    machine: bool = True  # always: a label for whoever shows it


class TranslationUnavailable(RemoteUnavailable):
    """The translation server could not be reached or gave no usable answer."""


async def translate_status(services: Services, status: Status, target: str, *,
                           source_language: str | None = None, seconds: float = TRANSLATE_SECONDS
                           ) -> Translation:
    """Translate one version of `status` (the one in `source_language`, default the primary)
    into `target`."""
    async with services.sessions() as session:
        url = str(await settings.get(session, "translation_url") or "")
    if not url:
        raise Invalid("translation is turned off on this node (the translation_url setting is empty)")
    version = pick(status, [source_language] if source_language else [])
    source = version.language or "auto"
    target = target.strip().lower()
    if not target or target == source:
        raise Invalid("choose a target language other than the post's own")
    texts = [version.content] + ([version.summary] if version.summary else [])
    answer = await _ask(services, url, texts, source, target, seconds)
    return _translation(version, answer, source, target, url)


async def _ask(services: Services, url: str, texts: list[str], source: str, target: str,
               seconds: float) -> list[str]:
    payload: dict[str, Any] = {"q": texts if len(texts) > 1 else texts[0], "source": source, "target": target,
                               "format": "html"}
    if services.config.translation_api_key:
        payload["api_key"] = services.config.translation_api_key
    try:
        async with asyncio.timeout(seconds):
            result = await services.client.post_json(f"{url}/translate", payload, accept=JSON,
                                                     max_bytes=MAX_ANSWER_BYTES)
    except (TimeoutError, FetchError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc)
        log.warning("translation.failed", extra={"server": domain_of(url), "reason": reason[:200]})
        raise TranslationUnavailable(f"the translation server did not answer: {reason[:200]}") from None
    translated = result.data.get("translatedText") if isinstance(result.data, dict) else None
    if isinstance(translated, str):
        translated = [translated]
    if not isinstance(translated, list) or len(translated) != len(texts) or not all(
            isinstance(t, str) for t in translated):
        raise TranslationUnavailable("the translation server's answer has no translatedText")
    return translated


def _translation(version: Version, answer: list[str], source: str, target: str, url: str) -> Translation:
    summary = plain_text(answer[1]) if len(answer) > 1 else ""
    return Translation(content=clean_html(answer[0]), summary=summary, source_language=source,
                       target_language=target, provider=domain_of(url))
