# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Context key: tag changes made under it are not counted. The expiry job and lead
# merges use it because they record the outcome themselves.
SKIP_TAG_COUNT = "skip_tag_stat_count"


class CrmLeadTagStat(models.Model):
    """How often and how recently a tag was put on a lead.

    One row per (lead, tag). Rows are maintained by set-based SQL from
    ``crm.lead.create/write`` (see ``_record_tag_changes``), never edited by hand:
    the counter is history, so removing a tag keeps it and adding it back counts +1.
    """

    _name = "crm.lead.tag.stat"
    _description = "Lead Tag Counter"
    _order = "last_added desc, id desc"
    _rec_name = "tag_id"

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
    last_added = fields.Datetime(readonly=True, index=True)
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
    def _record_tag_changes(self, added, removed):
        """Count tags put on leads and mark removed ones, one statement each.

        :param added: set of (lead_id, tag_id) pairs the leads did not carry before
        :param removed: set of (lead_id, tag_id) pairs the leads no longer carry
        """
        if self.env.context.get(SKIP_TAG_COUNT) or not (added or removed):
            return
        now = self.env.cr.now()
        if added:
            self._upsert_added(added, now)
        if removed:
            self._mark_removed(removed, now)
        self._invalidate_tag_stats()

    def _upsert_added(self, pairs, now):
        lead_ids, tag_ids = zip(*sorted(pairs), strict=True)
        self.env["crm.tag"].flush_model(["lifetime_days"])
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_stat (
                lead_id, tag_id, add_count, first_added, last_added, is_present,
                expiry_date, create_uid, create_date, write_uid, write_date)
            SELECT pair.lead_id, pair.tag_id, 1, %(now)s, %(now)s, TRUE,
                   CASE WHEN tag.lifetime_days > 0
                        THEN %(now)s + tag.lifetime_days * INTERVAL '1 day' END,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(lead_ids)s::int[], %(tag_ids)s::int[])
                   AS pair(lead_id, tag_id)
              JOIN crm_tag tag ON tag.id = pair.tag_id
            ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                add_count = crm_lead_tag_stat.add_count + 1,
                last_added = EXCLUDED.last_added,
                is_present = TRUE,
                expiry_date = EXCLUDED.expiry_date,
                date_expired = NULL,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
            {
                "now": now,
                "uid": self.env.uid,
                "lead_ids": list(lead_ids),
                "tag_ids": list(tag_ids),
            },
        )

    def _mark_removed(self, pairs, now, expired=False):
        lead_ids, tag_ids = zip(*sorted(pairs), strict=True)
        self.env.cr.execute(
            """
            UPDATE crm_lead_tag_stat stat
               SET is_present = FALSE,
                   expiry_date = NULL,
                   date_expired = CASE WHEN %(expired)s THEN %(now)s END,
                   write_uid = %(uid)s,
                   write_date = %(now)s
              FROM unnest(%(lead_ids)s::int[], %(tag_ids)s::int[])
                   AS pair(lead_id, tag_id)
             WHERE stat.lead_id = pair.lead_id AND stat.tag_id = pair.tag_id
            """,
            {
                "now": now,
                "uid": self.env.uid,
                "expired": expired,
                "lead_ids": list(lead_ids),
                "tag_ids": list(tag_ids),
            },
        )

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
                expiry_date, date_expired,
                create_uid, create_date, write_uid, write_date)
            SELECT %(head)s, tag_id, SUM(add_count), MIN(first_added), MAX(last_added),
                   BOOL_OR(is_present),
                   MAX(expiry_date) FILTER (WHERE is_present),
                   CASE WHEN NOT BOOL_OR(is_present) THEN MAX(date_expired) END,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM crm_lead_tag_stat
             WHERE lead_id = ANY(%(lead_ids)s)
             GROUP BY tag_id
            ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                add_count = EXCLUDED.add_count,
                first_added = EXCLUDED.first_added,
                last_added = EXCLUDED.last_added,
                is_present = EXCLUDED.is_present,
                expiry_date = EXCLUDED.expiry_date,
                date_expired = EXCLUDED.date_expired,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
            {
                "head": head.id,
                "lead_ids": (head | leads).ids,
                "uid": self.env.uid,
                "now": self.env.cr.now(),
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
                expiry_date, create_uid, create_date, write_uid, write_date)
            SELECT rel.lead_id, rel.tag_id, 1,
                   COALESCE(lead.create_date, %(now)s),
                   COALESCE(lead.create_date, %(now)s), TRUE,
                   CASE WHEN tag.lifetime_days > 0
                        THEN COALESCE(lead.create_date, %(now)s)
                             + tag.lifetime_days * INTERVAL '1 day' END,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM crm_tag_rel rel
              JOIN crm_lead lead ON lead.id = rel.lead_id
              JOIN crm_tag tag ON tag.id = rel.tag_id
            ON CONFLICT (lead_id, tag_id) DO NOTHING
            """,
            {"uid": self.env.uid, "now": self.env.cr.now()},
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
    def _expire_tags(self, batch_size=1000):
        """Remove expired tags from leads (active and archived), batch by batch.

        Each batch locks its counters and their leads (skipping rows another run
        holds), removes the tags through the normal lead write, marks the counters
        expired, reports progress and commits outside tests. Work is re-selected
        from the database each batch, so a run after a crash resumes where the last
        committed batch ended, and two runs at once share the work without waiting.

        :return: number of tag removals done
        """
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        done = 0
        while True:
            now = self.env.cr.now()
            batch = self._lock_expired_batch(now, batch_size)
            if not batch:
                break
            self._remove_expired_tags(batch, now)
            done += len(batch)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=self._count_expired(now)
            )
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if done:
            _logger.info("Removed %s expired tags from leads", done)
        return done

    def _lock_expired_batch(self, now, batch_size):
        """Lock and return up to ``batch_size`` (stat id, lead id, tag id) rows due."""
        self.flush_model()
        self.env["crm.lead"].flush_model()
        self.env.cr.execute(
            """
            SELECT stat.id, stat.lead_id, stat.tag_id
              FROM crm_lead_tag_stat stat
              JOIN crm_lead lead ON lead.id = stat.lead_id
             WHERE stat.expiry_date <= %s AND stat.is_present
             ORDER BY stat.expiry_date, stat.id
             LIMIT %s
               FOR NO KEY UPDATE OF stat, lead SKIP LOCKED
            """,
            [now, batch_size],
        )
        return self.env.cr.fetchall()

    def _count_expired(self, now):
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_lead_tag_stat
             WHERE expiry_date <= %s AND is_present
            """,
            [now],
        )
        return self.env.cr.fetchone()[0]

    def _remove_expired_tags(self, batch, now):
        """Take the tags of ``batch`` off their leads: one lead write per tag."""
        leads_by_tag = {}
        for _stat_id, lead_id, tag_id in batch:
            leads_by_tag.setdefault(tag_id, []).append(lead_id)
        Lead = self.env["crm.lead"].with_context(
            active_test=False, **{SKIP_TAG_COUNT: True}
        )
        for tag_id, lead_ids in leads_by_tag.items():
            Lead.browse(lead_ids).write({"tag_ids": [fields.Command.unlink(tag_id)]})
        # Marked here rather than by the write, so that a counter whose tag was
        # already gone from the lead is settled too and never selected again.
        self._mark_removed(
            {(lead_id, tag_id) for _stat_id, lead_id, tag_id in batch},
            now,
            expired=True,
        )
        self._invalidate_tag_stats()
