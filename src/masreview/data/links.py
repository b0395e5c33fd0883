"""The one parser of links from data: DOIs and http(s) URLs. Nothing else ever becomes an ``href``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# RFC 3986 characters (unreserved, reserved and percent signs); no spaces, quotes or angle brackets.
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+\Z")
# DOI names: 10.<registrant>/<suffix>, suffix of printable characters without quotes, spaces or brackets.
_DOI = re.compile(r"^10\.[0-9]{4,9}/[A-Za-z0-9\-._;()/:+]+\Z")


class LinkError(ValueError):
    """A link that must not be published."""


def check_url(url: str) -> str:
    """The URL unchanged if it is an absolute http(s) address made of URL characters only."""
    url = str(url).strip()
    if not _URL_CHARS.match(url) or "'" in url:
        raise LinkError(f"'{url}' is not a valid http(s) address: only URL characters are allowed")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise LinkError(f"'{url}' is not an http(s) address (scheme '{parts.scheme or 'none'}')")
    if not parts.netloc or not re.match(r"^[A-Za-z0-9.-]+(:[0-9]+)?\Z", parts.netloc):
        raise LinkError(f"'{url}' has no valid host name")
    return url


def check_doi(doi: str) -> str:
    """The DOI (without any https://doi.org/ prefix) if it is a DOI name."""
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", str(doi).strip(), flags=re.I)
    if not _DOI.match(doi):
        raise LinkError(f"'{doi}' is not a DOI (expected 10.<digits>/<suffix>, no spaces or quotes)")
    return doi


def doi_url(doi: str) -> str:
    return "https://doi.org/" + check_doi(doi)
