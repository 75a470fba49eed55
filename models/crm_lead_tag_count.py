# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

from .. import compat


class CrmLeadTagCount(models.Model):
    """Storage of the tag counters: what the history of a (lead, tag) needs and the
    link table cannot say. Whether the tag is on the lead is the link table's
    business: the counters never mirror it, so removing a tag, by hand or when it
    expires, writes no counter. Read through ``crm.lead.tag.stat``."""

    _name = "crm.lead.tag.count"
    _description = "Lead Tag Counter Storage"
    # Bookkeeping rows with their own dates: no create/write stamps.
    _log_access = False

    # Plain ids, no foreign keys: a foreign-key check locks the lead's row and
    # costs as much as the counter itself, on every tag added. Counters go with
    # their lead or tag through ``unlink`` (see ``_delete_for``), and the view
    # shows only counters whose lead and tag exist.
    lead_id = fields.Integer(required=True, readonly=True)
    # Segments look counters up by tag, then by count or date: see ``init``.
    tag_id = fields.Integer(required=True, readonly=True)
    add_count = fields.Integer(readonly=True)
    first_added = fields.Datetime(readonly=True)
    last_added = fields.Datetime(readonly=True)
    expires_on = fields.Datetime(
        readonly=True,
        help="When the tag expires (or expired) from its lifetime, as of its last "
        "addition; cleared when the tag is removed by hand.",
    )

    # The counting statements' ON CONFLICT (lead_id, tag_id) needs the unique
    # constraint (declared the way the running series creates it: see compat).
    if compat.ORM_CONSTRAINTS:
        _lead_tag_uniq = models.Constraint(
            "UNIQUE (lead_id, tag_id)", "A lead has one counter per tag."
        )
        _add_count_positive = models.Constraint(
            "CHECK (add_count > 0)", "A tag counter starts at one."
        )
    else:
        _sql_constraints = [
            (
                "lead_tag_uniq",
                "UNIQUE (lead_id, tag_id)",
                "A lead has one counter per tag.",
            ),
            (
                "add_count_positive",
                "CHECK (add_count > 0)",
                "A tag counter starts at one.",
            ),
        ]

    def _delete_for(self, leads=None, tags=None):
        """Delete the counters of deleted leads or tags."""
        column, ids = (
            ("lead_id", leads.ids) if leads is not None else ("tag_id", tags.ids)
        )
        if ids:
            self.env.cr.execute(
                f"DELETE FROM crm_lead_tag_count WHERE {column} = ANY(%s)",  # noqa: S608
                [ids],
            )
            self.env["crm.lead.tag.stat"]._invalidate_tag_stats()

    def init(self):
        # Where the expiry job stopped, in (expiry, counter id) order: counters up to
        # it are done (their tags were removed, or had already gone). One row.
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS crm_lead_tag_expiry_mark (
                expired_until TIMESTAMP NOT NULL,
                last_id INTEGER NOT NULL
            );
            INSERT INTO crm_lead_tag_expiry_mark (expired_until, last_id)
            SELECT '-infinity'::timestamp, 0
             WHERE NOT EXISTS (SELECT 1 FROM crm_lead_tag_expiry_mark)
            """
        )
        # Segments ("tag X added >= 3 times", "last added after D") read the few
        # counters of one tag that match, not all of that tag's counters (millions
        # on a large database), and only from the index (the lead is in it: no
        # visit of the table per counter); a lookup by tag alone uses either. They
        # replace the index on the tag alone (one more index to write, not two).
        self.env.cr.execute("DROP INDEX IF EXISTS crm_lead_tag_count__tag_id_index")
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_lead_tag_count_tag_id_add_count_index
                ON crm_lead_tag_count (tag_id, add_count) INCLUDE (lead_id);
            CREATE INDEX IF NOT EXISTS crm_lead_tag_count_tag_id_last_added_index
                ON crm_lead_tag_count (tag_id, last_added) INCLUDE (lead_id)
            """
        )
        # The expiry job walks counters in (expiry, id) order from the mark.
        tools.create_index(
            self.env.cr,
            "crm_lead_tag_count_expiry_index",
            self._table,
            ["expires_on", "id"],
            where="expires_on IS NOT NULL",
        )
