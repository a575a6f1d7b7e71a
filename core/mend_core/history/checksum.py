"""Migration checksums exactly as Prisma computes and compares them."""

from __future__ import annotations

import hashlib


def checksum(script: bytes) -> str:
    """SHA-256 of migration.sql as 64 lowercase hex digits."""
    return hashlib.sha256(script).hexdigest()


def _legacy(digest: bytes) -> str:
    # Old engines rendered each byte with `{:x}`, dropping leading zeros (prisma-engines#1887).
    return "".join(f"{byte:x}" for byte in digest)


def checksum_matches(stored: str, script: bytes) -> bool:
    """True if `stored` is the checksum of the script as is, or with LF/CRLF swapped, in either
    the current 64-digit form or the legacy unpadded one."""
    variants = {script, script.replace(b"\r\n", b"\n")}
    variants.add(script.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    legacy = len(stored) != 64
    for variant in variants:
        digest = hashlib.sha256(variant).digest()
        if (legacy and _legacy(digest) == stored) or (not legacy and digest.hex() == stored):
            return True
    return False
