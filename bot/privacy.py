"""Pseudonyms of identifiers (dossier codes, client ids, digits) for logs and audit records.

A keyed hash (HMAC-SHA256 with ``ISEE_PRIVACY_HASH_KEY``): stable, so records about one dossier or
one client can be linked, but not reversible by hashing every possible value of a small space
(dossier codes are sequential, phone endings have 10⁴ values) without the key.
"""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_CHARS = 16


def pseudonym(value: str, key: str) -> str:
    """A stable, keyed, hexadecimal pseudonym of ``value``."""
    digest = hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_CHARS]
