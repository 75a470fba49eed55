# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The links of an email, as Odoo's link tracker sees them, and how a clicked
link is matched to the link a nurture step waits for.

Odoo's link tracker (``mail.render.mixin._shorten_links``) keeps every ``<a href>``
of the rendered body but ``mailto:``, ``tel:`` and ``sms:`` links, already
shortened links and its own pages (unsubscribe, view online, cards); relative
links are made absolute on the database's base URL. It stores the URL as given
(``link.tracker.url``, with ``http://`` added when it has no scheme) and adds its
UTM parameters when it redirects the reader. Two URLs are the same link when
they are equal once normalised (``normalize_url``).
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

# Query parameters that say where a visit comes from, not where it goes: Odoo's UTM
# parameters (utm_campaign, utm_source, utm_medium) and any other utm_*.
TRACKING_PARAM_PREFIXES = ("utm_",)
# What Odoo's link tracker leaves alone in a mailing (mass_mailing's
# mail.render.mixin and link_tracker's find_links_with_urls_and_labels).
SKIPPED_SCHEMES = re.compile(r"^(mailto|tel|sms):", re.IGNORECASE)
SKIPPED_PATHS = ("/unsubscribe_from_list", "/view", "/cards")
DEFAULT_PORTS = {"http": "80", "https": "443"}
LABEL_LENGTH = 40


def normalize_url(url):
    """``url`` in a form where the same link compares equal: scheme and host in
    lower case (``http`` when it has none, as Odoo's tracker), default port and
    trailing slash dropped, ``utm_*`` parameters dropped, the other parameters
    sorted; the fragment kept. ``""`` for no URL."""
    url = (url or "").strip()
    if not url:
        return ""
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = "http://" + url.lstrip("/")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and str(parts.port) != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING_PARAM_PREFIXES)
    )
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, host, path, urlencode(query), parts.fragment))


def same_link(url, other):
    """Whether ``url`` and ``other`` are the same link (see ``normalize_url``)."""
    return bool(url) and normalize_url(url) == normalize_url(other)


def email_links(html, base_url):
    """The links Odoo's link tracker will track in the email body ``html``, in
    their order, once each: ``[(url, label)]``, ``url`` absolute on ``base_url``
    for a relative link. Mail, phone and SMS links, links to a place of the page
    (``#...``), dynamic links (placeholders) and Odoo's own unsubscribe and
    view-online pages are left out."""
    if not html or not html.strip():
        return []
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base_url = (base_url or "").rstrip("/")
    links, seen = [], set()
    for node in root.iter("a"):
        href = (node.get("href") or "").strip()
        if (
            not href
            or href.startswith("#")
            or SKIPPED_SCHEMES.match(href)
            or "{{" in href
            or "${" in href
        ):
            continue
        url = base_url + href if href.startswith(("/", "?")) else href
        if any(re.search(skip + r"([#?/]|$)", url) for skip in SKIPPED_PATHS) or (
            base_url and url.startswith(base_url + "/r/")
        ):
            continue
        key = normalize_url(url)
        if key in seen:
            continue
        seen.add(key)
        label = " ".join(node.text_content().split())[:LABEL_LENGTH]
        links.append((url, label))
    return links


def short_url(url, length=LABEL_LENGTH):
    """``url`` for a label: without its scheme, ``www.`` and trailing slash,
    cut to ``length`` characters with an ellipsis."""
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", (url or "").strip())
    text = re.sub(r"^www\.", "", text).rstrip("/")
    if len(text) > length:
        text = text[: length - 1] + "…"
    return text
