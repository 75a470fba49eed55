# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools

from .. import compat

# Fields of the report that are the participant's own, under the same name.
PARTICIPANT_FIELDS = {"sequence_id", "lead_id", "state", "date_enrolled"}


def _order_of(order, groupby):
    """The terms of ``order`` that order the groups of ``groupby``."""
    specs = set(groupby)
    terms = [
        term
        for term in (order or "").split(",")
        if term.split() and term.split()[0] in specs
    ]
    return ", ".join(term.strip() for term in terms) or None


class CrmNurtureFunnelReport(models.Model):
    """How far participants get: one row per participant and level of the flow it
    reached (0 when it joined, 1 after the first step, 2 after a step that
    follows it...). Grouped by level, the counts make the funnel. Test runs are
    left out."""

    _name = "crm.nurture.funnel.report"
    _description = "Nurture Funnel"
    _auto = False
    _rec_name = "participant_id"
    _order = "sequence_id, level"

    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence", string="Nurture Sequence", readonly=True
    )
    participant_id = fields.Many2one(
        comodel_name="crm.nurture.participant", string="Participant", readonly=True
    )
    lead_id = fields.Many2one(comodel_name="crm.lead", string="Lead", readonly=True)
    level = fields.Integer(
        string="Steps Reached",
        readonly=True,
        aggregator=None,
        help="0: enrolled; 1: went through a first step; 2: through the step after "
        "it...",
    )
    state = fields.Selection(
        selection=lambda self: self.env["crm.nurture.participant"]
        ._fields["state"]
        ._description_selection(self.env),
        readonly=True,
    )
    date_enrolled = fields.Datetime(string="Enrolled On", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # Levels are reached in order (a step runs once the step it follows is
        # done): a participant has a row per level up to the one it reached.
        # Row id: participant id x 1,000,000 + level, in bigint. Stable (a drill-down
        # finds its row again), never past int8 nor past the web client's exact
        # integers (2^53): participant ids stop at 2^31, levels stay under a million
        # (a step tree is never that deep). In int4, participant × 1000 overflowed
        # past 2,147,483 participants.
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT part.id::bigint * 1000000 + levels.level AS id,
                       part.sequence_id, part.id AS participant_id, part.lead_id,
                       levels.level, part.state, part.date_enrolled
                  FROM crm_nurture_participant part
                 CROSS JOIN LATERAL generate_series(0, part.level_reached)
                       AS levels(level)
                 WHERE part.is_test IS NOT TRUE
            )
            """
        )

    # ------------------------------------------------------------------
    # Counting by level from the participants
    # ------------------------------------------------------------------

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        """The funnel's counts from the participants grouped by level reached: a
        sequence's participants, not the rows they make here (a million
        participants are several million rows). Same result as grouping the
        rows; other groupings go the usual way."""
        shortcut = self._get_level_count_plan(
            domain, groupby, aggregates, having, offset, limit, order
        )
        if shortcut is None:
            return super()._read_group(
                domain, groupby, aggregates, having, offset, limit, order
            )
        self.browse().check_access("read")
        return self._read_group_by_level_reached(*shortcut)

    if compat.GROUPING_SETS:

        @api.model
        def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
            """19.0's pivot view reads all its groupings in one call (18.0's reads
            each through ``_read_group``): when the participants can count every
            one of them, they do, as in ``_read_group``; otherwise the usual way."""
            plans = [
                self._get_level_count_plan(
                    domain, groupby, aggregates, (), 0, None, _order_of(order, groupby)
                )
                for groupby in grouping_sets
            ]
            if any(plan is None for plan in plans):
                return super()._read_grouping_sets(
                    domain, grouping_sets, aggregates, order
                )
            self.browse().check_access("read")
            return [self._read_group_by_level_reached(*plan) for plan in plans]

    def _get_level_count_plan(
        self, domain, groupby, aggregates, having, offset, limit, order
    ):
        """(participant domain, other groupby, level wanted, level descending) when
        the participants can count the group: counts only, ``level`` (if any)
        grouped last, nothing but the participant's own fields and the order of
        the groups; None otherwise."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby)
        if having or offset or limit or any(agg != "__count" for agg in aggregates):
            return None
        others = [spec for spec in groupby if spec != "level"]
        if any(spec.split(":")[0] not in PARTICIPANT_FIELDS for spec in others):
            return None
        with_level = len(others) < len(groupby)
        if with_level and groupby[-1] != "level":
            return None
        level_desc = False
        terms = [term.split() for term in (order or "").split(",") if term.strip()]
        for index, words in enumerate(terms):
            if words[0] == "level" and index == len(terms) - 1:
                level_desc = len(words) > 1 and words[1].lower() == "desc"
            elif words[0] not in others:
                return None  # ordered by the level first, or by a count
        rules = (
            []
            if self.env.su
            else self.env["ir.rule"]._compute_domain(self._name, "read")
        )
        part_domain = self._get_participant_domain(
            compat.domain_and([domain or [], rules or []])
        )
        if part_domain is None:
            return None
        return part_domain, others, with_level, level_desc, order

    @api.model
    def _get_participant_domain(self, domain):
        """``domain`` on the report's rows as a domain on participants, or None
        when it names the level (a row's, not a participant's)."""
        result = []
        for leaf in compat.normalize_domain(domain):
            if not compat.is_leaf(leaf) or tuple(leaf) in (
                compat.TRUE_LEAF,
                compat.FALSE_LEAF,
            ):
                result.append(leaf)
                continue
            path, operator, value = leaf
            head, _dot, rest = path.partition(".")
            if head == "participant_id":
                path = rest or "id"
            elif head not in PARTICIPANT_FIELDS:
                return None
            result.append((path, operator, value))
        return compat.domain_and([result, [("is_test", "=", False)]])

    def _read_group_by_level_reached(
        self, part_domain, others, with_level, level_desc, order
    ):
        """Groups of ``_read_group``: participants counted per level reached, then
        each level counts those who reached it or went further (a row per level
        up to the one reached)."""
        Participant = self.env["crm.nurture.participant"].sudo()
        if order:
            terms = [term for term in order.split(",") if term.split()[0] != "level"]
            order = ",".join([*terms, "level_reached"])
        # No order: as Odoo groups without one (by the groups' values, ids for
        # records).
        rows = Participant._read_group(
            part_domain, [*others, "level_reached"], ["__count"], order=order
        )
        # Rows come ordered by the other groups: gather each group's levels.
        groups = {}
        for *keys, reached, count in rows:
            groups.setdefault(tuple(keys), {})[reached] = count
        result = []
        for keys, counts in groups.items():
            if not with_level:
                total = sum(count * (reached + 1) for reached, count in counts.items())
                result.append((*self._sudo_free(keys), total))
                continue
            levels = []
            going_on = 0
            for level in range(max(counts), -1, -1):
                going_on += counts.get(level, 0)
                levels.append((*self._sudo_free(keys), level, going_on))
            result.extend(levels if level_desc else reversed(levels))
        if not others and not with_level and not result:
            result.append((0,))
        return result

    def _sudo_free(self, keys):
        """Group values as the report's user sees them (records in the user's
        environment, not the superuser's the participants were read with)."""
        return tuple(
            key.with_env(self.env) if isinstance(key, models.BaseModel) else key
            for key in keys
        )
