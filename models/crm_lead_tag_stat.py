# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading

from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Context key: tag changes made under it are not counted. Lead merges use it
# because they combine the counters themselves; benchmarks use it as the baseline.
SKIP_TAG_COUNT = "skip_tag_stat_count"
# Times an expiry batch is selected again after a serialization conflict.
MAX_BATCH_RETRIES = 5


class CrmLeadTagStat(models.Model):
    """How often and how recently a tag was put on a lead.

    One row per (lead, tag). Rows are maintained by set-based SQL from
    ``crm.lead.create/write`` (see ``_sync_leads``), never edited by hand:
    the counter is history, so removing a tag keeps it and adding it back counts +1.
    """

    _name = "crm.lead.tag.stat"
    _description = "Lead Tag Counter"
    _order = "last_added desc, id desc"
    _rec_name = "tag_id"
    # Bookkeeping rows with their own dates: no create/write stamps, which would
    # cost two foreign-key checks per counted tag.
    _log_access = False

    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    tag_id = fields.Many2one(
        comodel_name="crm.tag",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    add_count = fields.Integer(
        string="Times Added",
        readonly=True,
        aggregator="sum",
        help="How many times the tag was put on the lead. Removing the tag, by hand "
        "or when it expires, keeps the count; adding it back counts one more.",
    )
    first_added = fields.Datetime(readonly=True)
    # Not indexed: every tag write updates it, and segments filter on it together
    # with the tag, which the (lead, tag) and tag indexes already narrow.
    last_added = fields.Datetime(readonly=True)
    is_present = fields.Boolean(
        string="On the Lead",
        readonly=True,
        help="Whether the lead carries the tag now.",
    )
    expiry_date = fields.Datetime(
        string="Expires On",
        readonly=True,
        # Only present tags with a lifetime have one: the expiry job scans this index.
        index="btree_not_null",
        help="When the tag will be removed from the lead, from the tag's lifetime. "
        "Empty when the tag never expires or is not on the lead.",
    )
    date_expired = fields.Datetime(
        string="Expired On",
        readonly=True,
        help="When the tag was last removed from the lead because its lifetime ended. "
        "Cleared when the tag is added again.",
    )
    lead_active = fields.Boolean(related="lead_id.active", string="Lead Active")
    lead_user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson")
    lead_company_id = fields.Many2one(related="lead_id.company_id", string="Company")

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

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------

    @api.model
    def _sync_leads(self, leads, additions=True, removals=True):
        """Bring the counters of ``leads`` in line with the tags they carry now.

        Counters mirror ``crm_tag_rel``: a present counter for every tag on a lead.
        A tag on the lead without a present counter was just added: count it. A
        present counter whose tag left the lead was just removed: mark it. So at most
        one INSERT and one UPDATE per batch of leads, whatever the write's commands
        (one of them when the commands can only add, or only remove, tags).

        :param additions: look for added tags (not needed when tags were only removed)
        :param removals: look for removed tags (not needed for new leads, or when tags
            were only added)
        """
        if self.env.context.get(SKIP_TAG_COUNT) or not leads:
            return
        self.env["crm.tag"].flush_model(["lifetime_days"])
        leads.flush_recordset(["tag_ids"])
        params = {"now": self.env.cr.now(), "lead_ids": leads.ids}
        changed = self._count_added_tags(params) if additions else 0
        if removals:
            changed += self._mark_removed_tags(params)
        if changed:
            self._invalidate_tag_stats()

    def _count_added_tags(self, params):
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_stat (
                lead_id, tag_id, add_count, first_added, last_added, is_present,
                expiry_date)
            SELECT rel.lead_id, rel.tag_id, 1, %(now)s, %(now)s, TRUE,
                   CASE WHEN tag.lifetime_days > 0
                        THEN %(now)s + tag.lifetime_days * INTERVAL '1 day' END
              FROM crm_tag_rel rel
              JOIN crm_tag tag ON tag.id = rel.tag_id
             WHERE rel.lead_id = ANY(%(lead_ids)s)
               -- A scalar subquery: one index probe per tag link of these leads.
               -- As a join, the planner may hash the whole counter table.
               AND NOT COALESCE((
                   SELECT stat.is_present FROM crm_lead_tag_stat stat
                    WHERE stat.lead_id = rel.lead_id AND stat.tag_id = rel.tag_id
               ), FALSE)
             ORDER BY rel.lead_id, rel.tag_id
            ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                add_count = crm_lead_tag_stat.add_count + 1,
                last_added = EXCLUDED.last_added,
                is_present = TRUE,
                expiry_date = EXCLUDED.expiry_date,
                date_expired = NULL
            """,
            params,
        )
        return self.env.cr.rowcount

    def _mark_removed_tags(self, params):
        self.env.cr.execute(
            """
            UPDATE crm_lead_tag_stat stat
               SET is_present = FALSE, expiry_date = NULL, date_expired = NULL
             WHERE stat.lead_id = ANY(%(lead_ids)s)
               AND stat.is_present
               AND NOT EXISTS (
                   SELECT 1 FROM crm_tag_rel rel
                    WHERE rel.lead_id = stat.lead_id AND rel.tag_id = stat.tag_id)
            """,
            params,
        )
        return self.env.cr.rowcount

    def _invalidate_tag_stats(self):
        # The SQL above changed rows behind the ORM's back.
        self.invalidate_model()
        self.env["crm.lead"].invalidate_model(["tag_stat_ids"])

    @api.model
    def _merge_into(self, head, leads):
        """Combine the counters of ``leads`` into ``head``'s (lead merge).

        Counts add up, the first and last dates span all of them, and the tag is
        present when any of the merged leads carried it.
        """
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_stat (
                lead_id, tag_id, add_count, first_added, last_added, is_present,
                expiry_date, date_expired)
            SELECT %(head)s, tag_id, SUM(add_count), MIN(first_added), MAX(last_added),
                   BOOL_OR(is_present),
                   MAX(expiry_date) FILTER (WHERE is_present),
                   CASE WHEN NOT BOOL_OR(is_present) THEN MAX(date_expired) END
              FROM crm_lead_tag_stat
             WHERE lead_id = ANY(%(lead_ids)s)
             GROUP BY tag_id
            ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                add_count = EXCLUDED.add_count,
                first_added = EXCLUDED.first_added,
                last_added = EXCLUDED.last_added,
                is_present = EXCLUDED.is_present,
                expiry_date = EXCLUDED.expiry_date,
                date_expired = EXCLUDED.date_expired
            """,
            {
                "head": head.id,
                "lead_ids": (head | leads).ids,
            },
        )
        self._invalidate_tag_stats()

    @api.model
    def _backfill_existing_tags(self):
        """Start a counter of 1, dated at the lead's creation, for every tag a lead
        carries and that has no counter yet (install time)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_stat (
                lead_id, tag_id, add_count, first_added, last_added, is_present,
                expiry_date)
            SELECT rel.lead_id, rel.tag_id, 1,
                   COALESCE(lead.create_date, %(now)s),
                   COALESCE(lead.create_date, %(now)s), TRUE,
                   CASE WHEN tag.lifetime_days > 0
                        THEN COALESCE(lead.create_date, %(now)s)
                             + tag.lifetime_days * INTERVAL '1 day' END
              FROM crm_tag_rel rel
              JOIN crm_lead lead ON lead.id = rel.lead_id
              JOIN crm_tag tag ON tag.id = rel.tag_id
            ON CONFLICT (lead_id, tag_id) DO NOTHING
            """,
            {"now": self.env.cr.now()},
        )
        _logger.info("Started tag counters for %s lead tags", self.env.cr.rowcount)
        self._invalidate_tag_stats()

    @api.model
    def _update_expiry_dates(self, tags):
        """Re-date the expiry of the present tags ``tags`` from their lifetime."""
        tags.flush_recordset(["lifetime_days"])
        self.env.cr.execute(
            """
            UPDATE crm_lead_tag_stat stat
               SET expiry_date = CASE WHEN tag.lifetime_days > 0
                   THEN stat.last_added + tag.lifetime_days * INTERVAL '1 day' END
              FROM crm_tag tag
             WHERE tag.id = stat.tag_id
               AND stat.tag_id = ANY(%s)
               AND stat.is_present
            """,
            [tags.ids],
        )
        self._invalidate_tag_stats()

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_tags(self):
        """Scheduled action: remove tags whose lifetime has ended from the leads."""
        self._expire_tags()

    @api.model
    def _expire_tags(self, batch_size=2000):
        """Remove expired tags from leads (active and archived), batch by batch.

        Each batch locks due counters (skipping rows another run holds), deletes
        their tag links and marks them expired, in a few id-driven statements
        (see ``_expire_batch``). Fields that
        depend on the lead's tags are then recomputed as after any tag change.
        Progress is reported and, outside tests, committed per batch. Work is
        re-selected from the database each batch, so a run after a crash resumes
        where the last committed batch ended, and two runs at once share the work
        without waiting for each other.

        :return: number of tags removed
        """
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        now = self.env.cr.now()
        total = self._count_expired(now)
        done = retries = 0
        while True:
            try:
                lead_ids = self._expire_batch(now, batch_size)
            except TransactionRollbackError:
                # Another run committed some of our due rows after our snapshot was
                # taken: start a new transaction and select again.
                if not auto_commit or retries >= MAX_BATCH_RETRIES:
                    raise
                self.env.cr.rollback()
                retries += 1
                continue
            if not lead_ids:
                break
            self._notify_leads_untagged(lead_ids)
            done += len(lead_ids)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=max(total - done, 0)
            )
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if done:
            _logger.info("Removed %s expired tags from leads", done)
        return done

    def _count_expired(self, now):
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_lead_tag_stat
             WHERE expiry_date <= %s AND is_present
            """,
            [now],
        )
        return self.env.cr.fetchone()[0]

    def _expire_batch(self, now, batch_size):
        """Expire up to ``batch_size`` due counters; return their lead ids (one per
        removed tag).

        Each statement is driven by the batch's ids so that it uses the indexes:
        the cost follows the batch, not the size of the tables.
        """
        self.env["crm.lead"].flush_model(["tag_ids"])
        self.env.cr.execute(
            """
            SELECT id, lead_id, tag_id
              FROM crm_lead_tag_stat
             WHERE expiry_date <= %s AND is_present
             -- The expiry index gives this order; a tie-breaker would make each
             -- batch sort every due row again.
             ORDER BY expiry_date
             LIMIT %s
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            [now, batch_size],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return []
        leads_by_tag = {}
        for _stat_id, lead_id, tag_id in rows:
            leads_by_tag.setdefault(tag_id, []).append(lead_id)
        # One delete per tag (a batch holds few): an index probe per link, where
        # a join on pairs would hash the whole link table.
        for tag_id, tag_lead_ids in leads_by_tag.items():
            self.env.cr.execute(
                "DELETE FROM crm_tag_rel WHERE tag_id = %s AND lead_id = ANY(%s)",
                [tag_id, tag_lead_ids],
            )
        self.env.cr.execute(
            """
            UPDATE crm_lead_tag_stat
               SET is_present = FALSE, expiry_date = NULL, date_expired = %s
             WHERE id = ANY(%s)
            """,
            [now, [row[0] for row in rows]],
        )
        return [row[1] for row in rows]

    def _notify_leads_untagged(self, lead_ids):
        """Tell the ORM that these leads' tags changed behind its back: the cache
        forgets them and stored fields depending on the tags get recomputed, as
        after a lead write. The leads themselves are not rewritten (their
        ``write_date`` stays): expiry is the system's doing, not an edit."""
        self._invalidate_tag_stats()
        leads = self.env["crm.lead"].browse(set(lead_ids))
        leads.invalidate_recordset(["tag_ids"])
        leads.modified(["tag_ids"])
        self.env.flush_all()
