"""Keep passwords out of everything mend prints, logs, raises or writes.

Two kinds of masking. By position, always: whatever sits in a URL's password field or after
`password=` is a password, however short. By value, for long secrets only: the target's password
wherever it occurs in free text (a driver's message, a statement echoed back).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

MASK = "****"

# A secret is replaced wherever it occurs in free text only from this length. A password of 8 or
# more characters does not turn up in a message by chance (random ones have more than 10^14
# values), so an occurrence is the password. A shorter one does: `gres` is in `postgresql`,
# `root` in a user name. Replacing those garbles the message and, worse, tells the reader the
# password by where the masks fall (`post****ql://post****:****@`). Short secrets are still
# masked wherever their position says they are a password.
MIN_FREE_TEXT_SECRET = 8

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
# `scheme://user:password@` in free text, also `scheme:/` and `scheme//` (a URL missing a
# character). The password runs to the last `@` of the token: an unencoded `@` or `/` in it must
# not leave its tail in view.
_URL_PASSWORD = re.compile(
    rf"(?P<head>(?<![\w+.\-]){_SCHEME}(?:://?|//)[^:/@\s]*:)(?P<pw>\S*)(?=@)"
)
# `password=...` / `pwd=...` in key-value connection strings and query strings.
_KV_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|sslpassword)\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|[^\s&;]+)",
    re.IGNORECASE,
)
# Where the user-info of a URL-like string starts: after `scheme://`, `scheme:/`, `scheme//` or
# `//`. A bare `scheme:` is not stripped: in `user:pw@host` that colon is the password's.
_AUTHORITY_START = re.compile(rf"^(?:{_SCHEME}:/(?!/)|(?:{_SCHEME}:?)?//)")
# SQLite URLs carry no password; their paths may hold `:` and `@`.
_SQLITE_URL = re.compile(r"^(?:file|sqlite):", re.IGNORECASE)
_PORT = re.compile(r"\d{1,5}")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask URL passwords and key=value passwords by position, and the given secrets (raw and
    %-encoded) wherever they occur when they are long enough to be recognised by value."""
    # Each pattern only where it can match (a deploy's journal redacts every entry: two
    # whole-text scans each were ~7% of its CPU). The URL's password ends at an `@`; a key is
    # one of password, passwd, pwd, sslpassword before an `=`, compared case-folded as the
    # pattern's IGNORECASE does (`ſ` folds to `s`).
    if "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    if "=" in text and ("pass" in (folded := text.casefold()) or "pwd" in folded):
        text = _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    for secret in secrets:
        if len(secret) < MIN_FREE_TEXT_SECRET:
            continue
        for form in _forms(secret):
            text = text.replace(form, MASK)
    return text


@lru_cache(maxsize=32)
def _forms(secret: str) -> tuple[str, ...]:
    """A secret raw and %-encoded, longest first, so that no form leaves a piece of a longer
    one behind (computed once per secret: a deploy's journal redacts thousands of entries)."""
    return tuple(sorted({secret, quote(secret, safe=""), quote(secret)}, key=len, reverse=True))


def mask_url(url: str) -> str:
    """Mask the password of one URL-like string, whatever its shape: `scheme://`, `scheme:/`,
    `scheme//`, no scheme at all, several `@`, no `@`. Everything after the user name's colon
    and before the last `@` is masked; without an `@`, a non-numeric "port" is (it may be the
    password of a URL whose host is missing)."""
    if _SQLITE_URL.match(url):
        return redact(url)
    start = match.end() if (match := _AUTHORITY_START.match(url)) else 0
    at = url.rfind("@")
    if at >= start:
        user, colon, _password = url[start:at].partition(":")
        userinfo = f"{user}:{MASK}" if colon else user
        return url[:start] + userinfo + redact(url[at:])
    return url[:start] + _mask_hostless(url[start:])


def _mask_hostless(rest: str) -> str:
    """`user:password` or `host:port` with no `@`: keep a real port, mask anything else."""
    host_end = rest.find("]") + 1 if rest.startswith("[") else 0
    colon = rest.find(":", host_end)
    if colon < 0:
        return redact(rest)
    port = re.split(r"[/?#]", rest[colon + 1 :], maxsplit=1)[0]
    if _PORT.fullmatch(port):
        return redact(rest)
    return rest[: colon + 1] + MASK
