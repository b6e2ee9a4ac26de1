"""Request parameters as Mastodon clients send them, read the same way whatever the encoding.

Clients send the query string, form-encoded bodies, multipart bodies and JSON bodies, often
mixed (toot sends JSON, Mastodon.py forms). Rails reads them all into one nested structure:
`a[]=1&a[]=2` is a list, `source[privacy]=public` and `fields_attributes[0][name]=x` are nested
hashes, body values override the query's. `read_params` does the same, and `Params` gives
typed access with Mastodon's casts (booleans as 1/0/true/false, one value where a list is
expected counts as a list of one).
"""

from __future__ import annotations

import itertools
import re
import warnings
from typing import Any

import orjson
from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam
from multidict import MultiMapping

from storage.errors import Invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 4  # deeper keys (a[b][c][d][e]) are ignored: no Mastodon parameter needs them
_TRUE = frozenset({"1", "true", "t", "on", "yes"})
_FALSE = frozenset({"0", "false", "f", "off", "no"})
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_TEXT_PART_BYTES = 16_384  # one text field of a multipart upload (a description, a note)
_CHUNK = 8192


class BadRequest(web.HTTPBadRequest):
    """400 with a JSON body; the route family's middleware passes it through unchanged."""

    def __init__(self, message: str) -> None:
        super().__init__(text=orjson.dumps({"error": message}).decode(), content_type="application/json")


class RequestTooLarge(web.HTTPRequestEntityTooLarge):
    """413 with a JSON body."""

    def __init__(self, message: str) -> None:
        super().__init__(max_size=0, actual_size=0, content_type="application/json",
                         text=orjson.dumps({"error": message}).decode())


async def next_part(reader: MultipartReader) -> BodyPartReader | None:
    """The next field of a streamed multipart body (nested multiparts are skipped). A malformed
    one is a 400, not a 500: bad headers (NUL, line folds), a broken boundary, or a name or file
    name that cannot be read (`filename*=utf-8''%ff`, an unclosed quote; aiohttp only warns
    about those and reads on). File names are only ever checked for presence, never stored
    or shown, so control or direction-override characters in them are harmless."""
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", BadContentDispositionHeader)
                warnings.simplefilter("error", BadContentDispositionParam)
                part = await reader.next()
                if isinstance(part, BodyPartReader):
                    _ = part.name, part.filename
        except (BadHttpMessage, ValueError) as exc:
            raise BadRequest(f"The multipart body is malformed: {_first_line(exc)}") from None
        except (BadContentDispositionHeader, BadContentDispositionParam):
            raise BadRequest("A multipart field has a Content-Disposition that cannot be read") from None
        if part is None or isinstance(part, BodyPartReader):
            return part


async def read_text_part(part: BodyPartReader, limit: int = MAX_TEXT_PART_BYTES) -> str:
    """A text field of a streamed multipart body, refused (413) as soon as it passes `limit`
    bytes: a 50 MB field is never held in memory."""
    raw = bytearray()
    try:
        while chunk := await part.read_chunk(_CHUNK):
            raw += chunk
            if len(raw) > limit:
                raise RequestTooLarge(f"{part.name} is more than {limit} bytes")
        decoded = part.decode(bytes(raw))
    except (BadHttpMessage, ValueError) as exc:
        raise BadRequest(f"The {part.name} field is malformed: {_first_line(exc)}") from None
    if len(decoded) > limit:  # a compressed field
        raise RequestTooLarge(f"{part.name} is more than {limit} bytes")
    return decoded.decode("utf-8", errors="replace")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


class Params:
    """Merged request parameters with typed getters; wrong types raise `Invalid` (422)."""

    def __init__(self, data: dict[str, Any], files: dict[str, web.FileField] | None = None) -> None:
        self.data = data
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.data or name in self.files

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, *, max_length: int | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Invalid(f"{name} must be a string")
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise Invalid(f"{name} must be at most {max_length} characters")
        return text

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None or not value.strip():
            raise BadRequest(f"Missing parameter: {name}")
        return value

    def flag(self, name: str) -> bool | None:
        return cast_bool(name, self.data.get(name))

    def strings(self, name: str) -> list[str]:
        """`name[]` values, a single `name` value, or the values of a `name[0]…` hash, as strings."""
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, dict):
            value = list(value.values())
        if not isinstance(value, list):
            value = [value]
        if any(isinstance(v, bool) or not isinstance(v, str | int) for v in value):
            raise Invalid(f"{name} must be a list of strings")
        return [str(v) for v in value]

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise Invalid(f"{name} must be a hash such as {name}[key]=value")
        return value

    def nested(self, name: str) -> Params:
        return Params(self.mapping(name))


def cast_bool(name: str, value: Any) -> bool | None:
    """Rails' boolean cast, kept strict: unknown words are an error, not `true`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise Invalid(f"{name} must be true or false")


def nest(pairs: MultiMapping[Any] | list[tuple[str, Any]], into: dict[str, Any] | None = None
         ) -> dict[str, Any]:
    """Rails-style keys → nested dicts and lists: `a[]`, `a[b]`, `a[0][name]`."""
    root: dict[str, Any] = {} if into is None else into
    items = pairs.items() if isinstance(pairs, MultiMapping) else pairs
    for key, value in items:
        _assign(root, key, value)
    return root


def _assign(root: dict[str, Any], key: str, value: Any) -> None:
    match = _KEY.match(key)
    if match is None:
        root[key] = value
        return
    path = [match.group(1), *_PART.findall(match.group(2))]
    if len(path) > MAX_DEPTH + 1 or "" in path[1:-1]:
        return
    node: Any = root
    for part, following in itertools.pairwise(path):
        child = node.get(part)
        wanted: type = list if following == "" else dict
        if not isinstance(child, wanted):
            child = wanted()
            node[part] = child
        node = child
        if following == "":
            node.append(value)
            return
    node[path[-1]] = value


async def read_params(request: web.Request) -> Params:
    """The query string and the body (form, multipart or JSON), body values winning."""
    data = nest(request.query)
    files: dict[str, web.FileField] = {}
    if not request.body_exists:
        return Params(data)
    content_type = request.content_type
    if content_type in JSON_TYPES:
        body = await request.read()
        if body.strip():
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"The request body is not valid JSON: {exc}") from None
            if not isinstance(parsed, dict):
                raise BadRequest("The request body must be a JSON object")
            data.update(parsed)
    elif content_type in FORM_TYPES:
        try:
            form = await request.post()
        except (BadHttpMessage, ValueError) as exc:
            raise BadRequest(f"The request body is malformed: {_first_line(exc)}") from None
        plain = [(k, v) for k, v in form.items() if not isinstance(v, web.FileField)]
        files = {k: v for k, v in form.items() if isinstance(v, web.FileField)}
        nest(plain, into=data)
    return Params(data, files)
