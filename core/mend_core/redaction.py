"""Keep passwords out of everything mend prints, logs, raises or writes."""

from __future__ import annotations

import re
from urllib.parse import quote

MASK = "****"

# `scheme://user:password@` in any text, whatever the password is.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?=@)")
# `password=...` / `pwd=...` in key-value connection strings and query strings.
_KV_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|sslpassword)\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|[^\s&;]+)",
    re.IGNORECASE,
)

# Very short secrets are masked only in URL and key=value positions: replacing every "a" in a
# message would make it unreadable and would reveal the password by its absence.
_MIN_FREE_TEXT_SECRET = 4


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask URL passwords, key=value passwords and the given secrets (raw and %-encoded)."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    text = _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    for secret in secrets:
        if len(secret) < _MIN_FREE_TEXT_SECRET:
            continue
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    return text
