# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The arithmetic of a split test step: which variant a participant takes, and
when one variant is better than the others.

Plain Python (``math.erf``), no statistics package. The rule, as the README's
"Split tests" says:

- **Draw.** A participant takes the variant whose share of 0..99 holds its
  bucket: ``sha256("<participant id>:<split step id>")`` read as a number,
  modulo 100, laid over the variants' percents in their order (sequence, id).
  The same participant and split always give the same bucket: a step run again
  (a retry, a crash) sends it down the same variant; buckets spread evenly, so
  the variants receive their percents.
- **Decision.** Among the variants, the *best* is the one with the highest goal
  rate among its counted participants. It wins when every variant has at least
  the split's minimum of counted participants and, against each other variant,
  the one-sided pooled two-proportion z-test gives it a confidence of at least
  95 % (with k variants, Bonferroni's correction: ``1 - 0.05 / (k - 1)``
  against each, so that the chance of naming a winner that is not better stays
  at most 5 %).

  ``p = (x1 + x2) / (n1 + n2)``, ``z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 +
  1/n2))``, confidence ``= Φ(z)`` (the standard normal distribution). Both rates
  0 % or both 100 %: no difference to see, z = 0.
"""

import hashlib
import math

# The confidence a winner needs against the others (before the correction).
CONFIDENCE = 0.95
BUCKETS = 100


def bucket(participant_id, split_id):
    """The participant's place (0..99) in the draw of the split step."""
    digest = hashlib.sha256(f"{participant_id}:{split_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def draw(participant_id, split_id, variants):
    """The variant of ``variants`` (``[(variant, percent)]``, in their order)
    whose share holds the participant's bucket. Percents that do not sum to 100
    (refused when saved) leave the rest to the last variant."""
    place = bucket(participant_id, split_id)
    total = 0
    for variant, percent in variants:
        total += percent
        if place < total:
            return variant
    return variants[-1][0]


def normal_cdf(z):
    """Φ(z): the probability that a standard normal value is below ``z``."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def z_score(goal_a, counted_a, goal_b, counted_b):
    """The pooled two-proportion z of rate a above rate b (0 without counts, or
    when the pooled rate is 0 or 1: no difference to see)."""
    if not counted_a or not counted_b:
        return 0.0
    pooled = (goal_a + goal_b) / (counted_a + counted_b)
    variance = pooled * (1.0 - pooled) * (1.0 / counted_a + 1.0 / counted_b)
    if variance <= 0:
        return 0.0
    return (goal_a / counted_a - goal_b / counted_b) / math.sqrt(variance)


def required_confidence(variant_count):
    """The confidence the best needs against each other variant: 95 %, corrected
    for the number of comparisons (Bonferroni)."""
    return 1.0 - (1.0 - CONFIDENCE) / max(variant_count - 1, 1)


def evaluate(numbers, min_participants):
    """Judge a split from its variants' numbers.

    :param numbers: ``[(key, counted, goal)]``: per variant, its counted
        participants and those of them who reached the goal
    :param min_participants: counted participants each variant needs first
    :return: dict with ``best`` (key of the highest rate; None when it is
        shared or nothing is counted), ``winner``
        (the best if it wins, else None), ``required`` (the confidence it
        needs), and ``variants``: key -> ``{"counted", "goal", "rate" (0..1),
        "z", "confidence"}``; for a variant other than the best, ``z`` and
        ``confidence`` are the best's against it; for the best, the lowest of
        those (the comparison it is least sure of)
    """
    variants = {
        key: {
            "counted": counted,
            "goal": goal,
            "rate": goal / counted if counted else 0.0,
            "z": 0.0,
            "confidence": 0.0,
        }
        for key, counted, goal in numbers
    }
    required = required_confidence(len(variants))
    result = {"best": None, "winner": None, "required": required}
    result["variants"] = variants
    if len(variants) < 2:
        return result
    best = max(variants, key=lambda key: variants[key]["rate"])
    top = variants[best]["rate"]
    # No best without counts, nor when another variant has the same rate.
    if not variants[best]["counted"] or any(
        key != best and values["rate"] == top for key, values in variants.items()
    ):
        return result
    result["best"] = best
    lowest = None
    for key, values in variants.items():
        if key == best:
            continue
        z = z_score(
            variants[best]["goal"],
            variants[best]["counted"],
            values["goal"],
            values["counted"],
        )
        values["z"] = z
        values["confidence"] = normal_cdf(z)
        if lowest is None or z < lowest:
            lowest = z
    variants[best]["z"] = lowest
    variants[best]["confidence"] = normal_cdf(lowest)
    enough = all(v["counted"] >= min_participants for v in variants.values())
    sure = all(
        values["confidence"] >= required
        for key, values in variants.items()
        if key != best
    )
    if enough and sure:
        result["winner"] = best
    return result
