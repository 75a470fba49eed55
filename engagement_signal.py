# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who opened an email or clicked its link: a person, or a machine.

Apple Mail's privacy protection fetches every image of an email when it is
delivered; the security gateways of companies open every link of an email seconds
after delivery. Odoo counts both as the reader's open and click. The open route
(the tracking image) and the click route (``/r/<code>/m/<trace>``) classify the
request they receive with the rules below, kept as data so that a rule is one
line. The rules and where they come from are in the README ("Opens and clicks
that a person made").

An event recorded with no request (an import, a test calling Odoo's
``mailing.trace.set_opened()``) is a person's: nothing says otherwise.
"""

import ipaddress

# Context key the tracking routes put the request's signal under (user agent and
# client address); the model hooks classify with it. Absent: code, a person.
REQUEST_KEY = "engagement_signal_request"

HUMAN = "human"
PRIVACY_PROXY = "privacy_proxy"
SCANNER = "scanner"
ROBOT = "robot"
TOO_SOON = "too_soon"
ALL_LINKS = "all_links"
UNKNOWN = "unknown"
SIGNAL_KINDS = [
    (HUMAN, "Person"),
    (PRIVACY_PROXY, "Privacy proxy prefetch"),
    (SCANNER, "Security scanner"),
    (ROBOT, "Robot"),
    (TOO_SOON, "Too soon after delivery"),
    (ALL_LINKS, "Every link clicked at once"),
    (UNKNOWN, "Unknown (no user agent)"),
]
MACHINE_KINDS = [(kind, label) for kind, label in SIGNAL_KINDS if kind != HUMAN]

# Apple Mail Privacy Protection: the images of every email are fetched through
# Apple's proxies when the email is delivered, with this bare user agent, from
# Apple's network (17.0.0.0/8, ARIN's allocation to Apple Inc.).
APPLE_PREFETCH_AGENTS = ("Mozilla/5.0",)
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
# Image proxies that fetch when the reader opens the email: a person's open.
# Gmail: "... (via ggpht.com GoogleImageProxy)"; Yahoo: "YahooMailProxy; ...".
PERSON_IMAGE_PROXIES = ("googleimageproxy", "yahoomailproxy")
# User agents of link scanners (mail security gateways) and of scripts; Odoo's own
# robot list (``ir.http.bots``) is checked too. Lower case, contained in the agent.
SCANNER_AGENTS = (
    "safelinks",
    "safe links",
    "proofpoint",
    "mimecast",
    "barracuda",
    "forcepoint",
    "trendmicro",
    "trend micro",
    "messagelabs",
    "symantec",
    "ironport",
    "fortiguard",
    "sophos",
    "zscaler",
    "bitdefender",
    "existence discovery",
    "protocol discovery",
    "scanner",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "okhttp",
    "java/",
    "apache-httpclient",
    "libwww-perl",
    "headlesschrome",
    "phantomjs",
)
# A click this many seconds after delivery, or sooner, is a scanner's (settable in
# Email Marketing settings; 0 turns the rule off).
TOO_SOON_PARAM = "mass_mailing_crm_nurture.engagement_too_soon_seconds"
DEFAULT_TOO_SOON_SECONDS = 10
MAX_TOO_SOON_SECONDS = 3600
# Distinct links of one email clicked within this many seconds: a scanner opening
# every link, the earlier clicks of the burst included.
ALL_LINKS_SECONDS = 2


def request_signal(httprequest):
    """What the tracking routes keep of ``httprequest``: its user agent and the
    client's address (behind a reverse proxy in proxy mode, the one Odoo takes
    from the forwarded headers)."""
    return {
        "user_agent": httprequest.headers.get("User-Agent") or "",
        "address": httprequest.remote_addr or "",
    }


def in_networks(address, networks):
    """Whether the IP ``address`` (text) lies in one of ``networks``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def classify(
    event,
    user_agent,
    address,
    robots=(),
    seconds_since_delivery=None,
    too_soon_seconds=DEFAULT_TOO_SOON_SECONDS,
):
    """The kind of signal (one of ``SIGNAL_KINDS``) of an ``event`` (``"open"``
    or ``"click"``) from a request with ``user_agent`` from ``address``.

    :param robots: Odoo's robot list (substrings of lower-case user agents)
    :param seconds_since_delivery: for a click, seconds since the email was sent
        (None: not known)
    :param too_soon_seconds: a click this soon after delivery is a scanner's (0:
        rule off)
    """
    agent = (user_agent or "").strip()
    if not agent:
        return UNKNOWN
    if agent in APPLE_PREFETCH_AGENTS and in_networks(address, APPLE_NETWORKS):
        return PRIVACY_PROXY
    lower = agent.lower()
    if event == "open" and any(proxy in lower for proxy in PERSON_IMAGE_PROXIES):
        return HUMAN
    if any(scanner in lower for scanner in SCANNER_AGENTS):
        return SCANNER
    if any(robot in lower for robot in robots):
        return ROBOT
    if (
        event == "click"
        and too_soon_seconds
        and seconds_since_delivery is not None
        and seconds_since_delivery <= too_soon_seconds
    ):
        return TOO_SOON
    return HUMAN
