# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The engagement score of a lead: points for what its person does, fading with
a half-life.

A lead that earned ``P`` points at ``t0`` scores ``P * 2^(-(t - t0) / H)`` at
``t`` (``H`` the half-life). Points added later add to the decayed score. Stored
as one number per lead, the *anchor* ``A = log2(P) + t0 / H`` (seconds since the
epoch, ``H`` in seconds), so that

- the score now is ``2^(A - now / H)``: nothing is rewritten as time goes by;
- ``score >= X`` is ``A >= log2(X) + now / H``: a range on an indexed column;
- the order of the scores is the order of the anchors;
- ``p`` points at ``t`` give ``A' = log2(2^(A - t / H) + p) + t / H``: one update
  of the lead's row.

A change of the half-life (to ``H'`` at ``tc``) rewrites no row: every score
is kept as it is at ``tc`` and fades at the new pace, which is
``2^(A + K - t / H')`` with one offset ``K = tc / H' - tc / H`` for all leads
(added up over the changes). So the time, in half-lives, is ``now / H - K``
(``now_h`` below) and the formulas above hold with it.

No anchor (NULL, which the ORM reads as 0.0) is no score; an anchor of exactly
0.0 is taken for none as well (it would stand for less than a point in 10^200 at
the default half-life).
"""

import math

SCORE_PARAM = "mass_mailing_crm_nurture.engagement_score_%s"
# What earns points, and their defaults: a person's first open of an email (a
# click or a reply is also its open), each click of a person, each reply, a lead
# created by a visitor (a website form, a live chat).
POINT_EVENTS = ("open", "click", "reply", "inbound")
DEFAULT_POINTS = {"open": 1, "click": 3, "reply": 5, "inbound": 5}
MAX_POINTS = 1000
DEFAULT_HALF_LIFE_DAYS = 30
MAX_HALF_LIFE_DAYS = 3650
DAY_SECONDS = 86400
# PostgreSQL refuses 2^x when it underflows (an error, not 0): exponents below
# this are taken as 0 (2^-1000 is about 1e-301).
MIN_EXPONENT = -1000.0
# A score left this small (points withdrawn) is no score.
MIN_SCORE = 1e-6


def score_at(anchor, now_h):
    """The score of ``anchor`` when the time in half-lives is ``now_h``; 0.0
    without anchor."""
    if not anchor:
        return 0.0
    exponent = anchor - now_h
    if exponent < MIN_EXPONENT:
        return 0.0
    return 2.0**exponent


def anchor_of(score, now_h):
    """The anchor of ``score`` (> 0) at ``now_h``: the bound of a search."""
    return math.log2(score) + now_h


def rescaled_offset(offset, now, old_half_life, new_half_life):
    """The offset that keeps every score at ``now`` (epoch seconds) when the
    half-life goes from ``old_half_life`` to ``new_half_life`` (seconds)."""
    return offset + now / new_half_life - now / old_half_life
