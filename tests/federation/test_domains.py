"""One spelling per domain: every way of writing a host maps to one canonical form, or is
refused; ids are accepted only in that form (`federation.urls`, `storage.domain_names`)."""

from __future__ import annotations

import random

import idna
import pytest

from federation.urls import NonCanonicalURL, domain_of, is_canonical, require_canonical
from storage.config import build_config
from storage.domain_names import InvalidDomain, _plain_ascii, normalize_domain, normalize_domain_input


def full_width(text: str) -> str:
    """`text` in full-width forms (U+FF01..U+FF5E), as some input methods type it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


SPELLINGS = [
    ("evil.test", "evil.test"),
    ("EVIL.test", "evil.test"),
    ("Evil.Test.", "evil.test"),
    ("evil.test:443", "evil.test"),
    ("evil.test:80", "evil.test"),
    ("evil.test:8443", "evil.test:8443"),
    (full_width("EVIL.test"), "evil.test"),  # full-width letters and dot
    (full_width("evil.test:443"), "evil.test"),  # full-width colon and digits
    ("evil\u3002test", "evil.test"),  # ideographic full stop
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example.", "xn--bcher-kva.example"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("straße.de", "xn--strae-oqa.de"),  # non-transitional, as browsers
    ("localhost:8080", "localhost:8080"),
    ("127.0.0.1:8080", "127.0.0.1:8080"),
    ("[::1]:8080", "[::1]:8080"),
    ("[0:0::1]", "[::1]"),
    ("[::FFFF:7f00:1]", "[::ffff:127.0.0.1]"),
]

REFUSED = ["", "evil.test..", ".evil.test", "a_b.test", "ev il.test", "-a.test", "xn--zz.test",
           "evil.test:", "evil.test:0", "evil.test:65536", "evil.test:8a", "evil%2etest", "[::1", "[zz]",
           "a" * 64 + ".test", "user@evil.test", "[fe80::1%25eth0]", "[fe80::1%eth0]", "a." * 160 + "test"]


@pytest.mark.parametrize(("spelling", "canonical"), SPELLINGS)
def test_each_spelling_has_one_canonical_form(spelling: str, canonical: str) -> None:
    assert normalize_domain(spelling) == canonical
    assert normalize_domain(canonical) == canonical


@pytest.mark.parametrize("spelling", REFUSED)
def test_invalid_hosts_are_refused_with_a_typed_error(spelling: str) -> None:
    with pytest.raises(InvalidDomain):
        normalize_domain(spelling)


def test_the_default_port_depends_on_the_scheme() -> None:
    assert normalize_domain("evil.test:443", scheme="https") == "evil.test"
    assert normalize_domain("evil.test:80", scheme="https") == "evil.test:80"
    assert normalize_domain("evil.test:80", scheme="http") == "evil.test"


@pytest.mark.parametrize(("typed", "canonical"), [
    (" Example.ORG ", "example.org"), ("https://Example.org/", "example.org"),
    ("http://bücher.example", "xn--bcher-kva.example"),
])
def test_a_typed_domain_forgives_a_scheme_and_spaces(typed: str, canonical: str) -> None:
    assert normalize_domain_input(typed) == canonical


URLS = [
    ("https://evil.test/users/a", "evil.test", True),
    ("https://Evil.Test./users/a", "evil.test", False),
    ("https://evil.test:443/users/a", "evil.test", False),
    ("http://evil.test:80/users/a", "evil.test", False),
    ("https://evil.test:80/users/a", "evil.test:80", True),
    ("http://evil.test:8080/users/a", "evil.test:8080", True),
    ("https://bücher.example/users/a", "xn--bcher-kva.example", False),
    ("https://xn--bcher-kva.example/users/a", "xn--bcher-kva.example", True),
    (f"https://{full_width('evil.test')}/users/a", "evil.test", False),
    ("HTTPS://evil.test/users/a", "evil.test", False),
    ("https://evil.test:0443/users/a", "evil.test", False),
    ("https://evil.test#@good.test/", "evil.test", True),
    ("https://evil.test?x", "evil.test", True),
]


@pytest.mark.parametrize(("url", "domain", "canonical"), URLS)
def test_the_domain_of_a_url_and_whether_it_is_written_canonically(url: str, domain: str,
                                                                   canonical: bool) -> None:
    assert domain_of(url) == domain
    assert is_canonical(url) is canonical
    if not canonical:
        with pytest.raises(NonCanonicalURL, match=domain):
            require_canonical(url)


@pytest.mark.parametrize("url", ["https://user@evil.test/", "https://good.test\\@evil.test/", "//evil.test/x",
                                 "evil.test/x", "https:///x", "https://a_b.test/", "https://evil.test%2F@x.test/"])
def test_urls_without_a_valid_host_have_no_domain(url: str) -> None:
    with pytest.raises(InvalidDomain):
        domain_of(url)
    assert not is_canonical(url)


@pytest.mark.parametrize(("written", "scheme", "canonical"), [
    ("Social.Example.ORG.", "https", "social.example.org"),
    ("social.example.org:443", "https", "social.example.org"),
    ("localhost:8080", "http", "localhost:8080"), ("bücher.example", "https", "xn--bcher-kva.example"),
])
def test_the_nodes_own_domain_is_canonical(written: str, scheme: str, canonical: str) -> None:
    config = build_config({"domain": written, "scheme": scheme, "database_url": "sqlite+aiosqlite:///a.db",
                           "secret_key": "k" * 40})
    assert config.domain == canonical


def test_the_plain_ascii_shortcut_agrees_with_idna() -> None:
    """`storage.domain_names._host` skips IDNA for plain ASCII hosts: for every host it takes,
    IDNA's answer is the same, and every host IDNA would refuse is left to IDNA."""
    rng = random.Random(7)
    alphabet = "abcxyz019-._"
    hosts = ["a.example", "ab--cd.example", "xn--bcher-kva.example", "-a.example", "a-.example",
             "a..example", "example.", "1.2.3.4", "a" * 63 + ".example", "a" * 64 + ".example",
             "x" * 250 + ".io", "under_score.example", "UPPER.example"]
    hosts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(5000)]
    for host in hosts:
        if not _plain_ascii(host):
            continue
        expected = idna.encode(host, uts46=True, std3_rules=False, transitional=False).decode("ascii")
        assert host.removesuffix(".") == expected.removesuffix("."), host
