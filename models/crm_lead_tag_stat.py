# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .. import cron_budget
from ..cron_budget import RunBudget
from ..retry import CONCURRENCY_ERRORS, auto_commit_enabled

_logger = logging.getLogger(__name__)

# Context key: tag changes made under it are not counted. Lead merges use it
# because they combine the counters themselves; benchmarks use it as the baseline.
SKIP_TAG_COUNT = "skip_tag_stat_count"
# Key of the session lock that keeps expiry runs one at a time.
EXPIRY_LOCK_KEY = 0x6E757274  # "nurt"
# Conflicts with another run in a row after which a run leaves the work to it.
MAX_EXPIRY_CONFLICTS = 3
# Batches one call of the scheduled action handles before it hands over to the
# next call (Odoo runs it again at once when progress remains).
EXPIRY_MAX_BATCHES = 10


class CrmLeadTagStat(models.Model):
    """How often and how recently a tag was put on a lead, whether it is on the
    lead now, and when it expires or expired. One row per (lead, tag).

    A view: counters come from ``crm.lead.tag.count`` (written when a tag is put
    on a lead, see ``_record_tag_changes``), presence from the link table itself,
    and expiry from the counter's expiry date and where the expiry job stopped.
    So removing a tag, by hand or when it expires, writes no counter: the counter
    is history, adding the tag back counts +1.
    """

    _name = "crm.lead.tag.stat"
    _description = "Lead Tag Counter"
    _auto = False
    _order = "last_added desc, id desc"
    _rec_name = "tag_id"

    lead_id = fields.Many2one(comodel_name="crm.lead", readonly=True)
    tag_id = fields.Many2one(comodel_name="crm.tag", readonly=True)
    add_count = fields.Integer(
        string="Times Added",
        readonly=True,
        aggregator="sum",
        help="How many times the tag was put on the lead. Removing the tag, by hand "
        "or when it expires, keeps the count; adding it back counts one more.",
    )
    first_added = fields.Datetime(readonly=True)
    last_added = fields.Datetime(readonly=True)
    is_present = fields.Boolean(
        string="On the Lead",
        readonly=True,
        help="Whether the lead carries the tag now.",
    )
    expiry_date = fields.Datetime(
        string="Expires On",
        readonly=True,
        help="When the tag will be removed from the lead, from the tag's lifetime. "
        "Empty when the tag never expires or is not on the lead.",
    )
    date_expired = fields.Datetime(
        string="Expired On",
        readonly=True,
        help="When the tag's lifetime ended and it left the lead. Empty while the tag "
        "is on the lead, and when it was removed by hand.",
    )
    lead_active = fields.Boolean(related="lead_id.active", string="Lead Active")
    lead_user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson")
    lead_company_id = fields.Many2one(related="lead_id.company_id", string="Company")

    def init(self):
        self._migrate_stored_counters()
        self.env["crm.lead.tag.count"].init()  # the expiry mark, first
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE VIEW crm_lead_tag_stat AS (
                SELECT c.id, c.lead_id, c.tag_id, c.add_count, c.first_added,
                       c.last_added,
                       rel.lead_id IS NOT NULL AS is_present,
                       CASE WHEN rel.lead_id IS NOT NULL THEN c.expires_on END
                           AS expiry_date,
                       -- Gone, and its expiry passed by the expiry job: expired.
                       CASE WHEN rel.lead_id IS NULL
                             AND (c.expires_on, c.id)
                                 <= (mark.expired_until, mark.last_id)
                            THEN c.expires_on END AS date_expired
                  FROM crm_lead_tag_count c
                  -- Counters have no foreign keys: only those of existing records.
                  JOIN crm_lead lead ON lead.id = c.lead_id
                  JOIN crm_tag tag ON tag.id = c.tag_id
                  LEFT JOIN crm_tag_rel rel
                         ON rel.lead_id = c.lead_id AND rel.tag_id = c.tag_id
                  LEFT JOIN crm_lead_tag_expiry_mark mark ON TRUE
            )
            """
        )

    def _migrate_stored_counters(self):
        """Counters of the first version were a table under this name."""
        self.env.cr.execute(
            "SELECT relkind FROM pg_class WHERE relname = 'crm_lead_tag_stat'"
        )
        row = self.env.cr.fetchone()
        if not row or row[0] != "r":
            return
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_count (
                lead_id, tag_id, add_count, first_added, last_added, expires_on)
            SELECT lead_id, tag_id, add_count, first_added, last_added,
                   COALESCE(expiry_date, date_expired)
              FROM crm_lead_tag_stat
            ON CONFLICT (lead_id, tag_id) DO NOTHING;
            DROP TABLE crm_lead_tag_stat CASCADE;
            """
        )

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------

    @api.model
    def _record_tag_changes(self, added, removed, leads_flagged=False):
        """Count the tags just put on leads, forget the expiry of tags removed by
        hand. Set-based: at most one statement for each.

        :param added: (lead id, tag id) pairs linked by this change
        :param removed: (lead id, tag id) pairs unlinked by this change
        :param leads_flagged: the leads' ``tag_counted`` is set already (with
            the values of the write)
        """
        if self.env.context.get(SKIP_TAG_COUNT) or not (added or removed):
            return
        self.env["crm.tag"].flush_model(["lifetime_days"])
        if added:
            self._count_added_tags(added, leads_flagged=leads_flagged)
        # Only tags with a lifetime have an expiry to forget.
        tags_with_lifetime = set(
            self.env["crm.tag"]
            .browse({tag_id for _lead_id, tag_id in removed})
            .filtered("lifetime_days")
            .ids
        )
        removed = [pair for pair in removed if pair[1] in tags_with_lifetime]
        if removed:
            self._forget_expiry(removed)
        self._invalidate_tag_stats()

    def _count_added_tags(self, pairs, leads_flagged=False):
        lead_ids, tag_ids = zip(*sorted(pairs), strict=True)
        count = SQL(
            """
            INSERT INTO crm_lead_tag_count (
                lead_id, tag_id, add_count, first_added, last_added, expires_on)
            SELECT pair.lead_id, pair.tag_id, 1, %(now)s, %(now)s,
                   CASE WHEN tag.lifetime_days > 0
                        THEN %(now)s + tag.lifetime_days * INTERVAL '1 day' END
              FROM unnest(%(lead_ids)s::int[], %(tag_ids)s::int[])
                   AS pair (lead_id, tag_id)
              JOIN crm_tag tag ON tag.id = pair.tag_id
            ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                add_count = crm_lead_tag_count.add_count + 1,
                last_added = EXCLUDED.last_added,
                expires_on = EXCLUDED.expires_on
            """,
            now=self.env.cr.now(),
            lead_ids=list(lead_ids),
            tag_ids=list(tag_ids),
        )
        if leads_flagged:
            self.env.execute_query(count)
            return
        # Tags the values did not name (defaults, computes): the leads are flagged
        # in the same statement (see ``crm.lead.tag_counted``); a lead already
        # flagged is only looked up, not rewritten.
        self.env.execute_query(
            SQL(
                """
                WITH counted AS (%s RETURNING lead_id)
                UPDATE crm_lead SET tag_counted = TRUE
                 WHERE id IN (SELECT lead_id FROM counted)
                   AND tag_counted IS NOT TRUE
                """,
                count,
            )
        )
        self.env["crm.lead"].browse(set(lead_ids)).invalidate_recordset(["tag_counted"])

    def _forget_expiry(self, pairs):
        lead_ids, tag_ids = zip(*pairs, strict=True)
        self.env.cr.execute(
            """
            UPDATE crm_lead_tag_count c SET expires_on = NULL
              FROM unnest(%s::int[], %s::int[]) AS pair (lead_id, tag_id)
             WHERE c.lead_id = pair.lead_id AND c.tag_id = pair.tag_id
               AND c.expires_on IS NOT NULL
            """,
            [list(lead_ids), list(tag_ids)],
        )

    def _invalidate_tag_stats(self):
        # The SQL above changed rows behind the ORM's back.
        self.env["crm.lead.tag.count"].invalidate_model()
        self.invalidate_model()
        self.env["crm.lead"].invalidate_model(["tag_stat_ids"])

    @api.model
    def _merge_into(self, head, leads):
        """Combine the counters of ``leads`` into ``head``'s (lead merge).

        Counts add up, the first and last dates span all of them; the expiry is
        that of a lead that carries the tag (the head gets all their tags).

        Odoo merges leads one head at a time (its lead assignment, for every
        group of duplicates): merged leads that never had a counter (their flag,
        read with the leads' other columns) cost no query, the head's own
        counters being already its own.
        """
        if not leads.filtered("tag_counted"):
            return
        # The statement reads the counters (written in SQL only) and the tag links
        # (the ORM writes those at once): nothing of the ORM's to flush. Flushing
        # everything here would write the merge's pending lead updates one merge
        # at a time instead of together.
        self.env["crm.lead"].flush_model(["tag_ids"])
        self.env.cr.execute(
            """
            WITH merged AS (
                INSERT INTO crm_lead_tag_count (
                    lead_id, tag_id, add_count, first_added, last_added, expires_on)
                SELECT %(head)s, c.tag_id, SUM(c.add_count), MIN(c.first_added),
                       MAX(c.last_added),
                       COALESCE(
                           MAX(c.expires_on) FILTER (WHERE rel.lead_id IS NOT NULL),
                           MAX(c.expires_on))
                  FROM crm_lead_tag_count c
                  LEFT JOIN crm_tag_rel rel
                         ON rel.lead_id = c.lead_id AND rel.tag_id = c.tag_id
                 WHERE c.lead_id = ANY(%(lead_ids)s)
                 GROUP BY c.tag_id
                ON CONFLICT (lead_id, tag_id) DO UPDATE SET
                    add_count = EXCLUDED.add_count,
                    first_added = EXCLUDED.first_added,
                    last_added = EXCLUDED.last_added,
                    expires_on = EXCLUDED.expires_on
                RETURNING lead_id
            )
            UPDATE crm_lead SET tag_counted = TRUE
             WHERE id IN (SELECT lead_id FROM merged) AND tag_counted IS NOT TRUE
            """,
            {"head": head.id, "lead_ids": (head | leads).ids},
        )
        head.invalidate_recordset(["tag_counted"])
        self._invalidate_tag_stats()

    @api.model
    def _backfill_existing_tags(self):
        """Start a counter of 1, dated at the lead's creation, for every tag a lead
        carries and that has no counter yet (install time)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO crm_lead_tag_count (
                lead_id, tag_id, add_count, first_added, last_added, expires_on)
            SELECT rel.lead_id, rel.tag_id, 1,
                   COALESCE(lead.create_date, %(now)s),
                   COALESCE(lead.create_date, %(now)s),
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
        self._flag_counted_leads()
        self._invalidate_tag_stats()

    @api.model
    def _flag_counted_leads(self):
        """Flag every lead that has counters (``crm.lead.tag_counted``): after the
        counters were made in bulk (install, upgrade)."""
        self.env.cr.execute(
            """
            UPDATE crm_lead lead SET tag_counted = TRUE
             WHERE lead.tag_counted IS NOT TRUE
               AND EXISTS (SELECT 1 FROM crm_lead_tag_count c
                            WHERE c.lead_id = lead.id)
            """
        )
        self.env["crm.lead"].invalidate_model(["tag_counted"])

    @api.model
    def _update_expiry_dates(self, tags):
        """Re-date the expiry of the tags ``tags`` on the leads that carry them, from
        their lifetime. An expiry moved before where the expiry job stopped moves
        the job back, so that it is not missed."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH redated AS (
                UPDATE crm_lead_tag_count c
                   SET expires_on = CASE WHEN tag.lifetime_days > 0
                       THEN c.last_added + tag.lifetime_days * INTERVAL '1 day' END
                  FROM crm_tag tag, crm_tag_rel rel
                 WHERE tag.id = c.tag_id AND c.tag_id = ANY(%s)
                   AND rel.lead_id = c.lead_id AND rel.tag_id = c.tag_id
             RETURNING c.expires_on
            )
            UPDATE crm_lead_tag_expiry_mark
               SET expired_until = earliest - INTERVAL '1 microsecond', last_id = 0
              FROM (SELECT MIN(expires_on) AS earliest FROM redated) r
             WHERE r.earliest <= expired_until
            """,
            [tags.ids],
        )
        self._invalidate_tag_stats()

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_tags(self):
        """Scheduled action: remove tags whose lifetime has ended from the leads,
        within the time budget of the scheduled run (see ``cron_budget``)."""
        with cron_budget.job_run():
            budget = RunBudget(self.env)
            if not budget.allows():
                budget.hand_over(self.env)
                return
            self._expire_tags(max_batches=EXPIRY_MAX_BATCHES, budget=budget)

    @api.model
    def _expire_tags(self, batch_size=10000, max_batches=None, budget=None):
        """Remove expired tags from leads (active and archived), batch by batch.

        Counters are taken in expiry order from where the last batch stopped (the
        expiry mark), their tag links deleted, and the mark moved past them: no
        counter row is written, and each batch costs the same whatever the number
        of counters. Progress is reported and, outside tests, the links and the
        mark are committed together per batch: a run after a crash resumes where
        the last committed batch ended. One batch at a time: a run that finds
        another one at work leaves (nothing fails, nothing is done twice); a run
        that meets the changes of another one (it took the lock just after the
        other committed) starts the batch again in a fresh transaction.

        :param max_batches: stop after this many batches (the scheduled action is
            then called again at once, see ``ir.cron._notify_progress``; another
            process may take over)
        :param budget: the time budget of the run (``cron_budget.RunBudget``):
            no batch starts once it is spent, the work left is reported
        :return: number of tags removed
        """
        auto_commit = auto_commit_enabled()
        budget = budget or RunBudget(self.env)
        now = self.env.cr.now()
        done = seen = conflicts = 0
        total = None
        batches = 0
        while (max_batches is None or batches < max_batches) and budget.allows():
            try:
                with budget.batch():
                    batch = self._expire_batch_isolated(now, batch_size, auto_commit)
            except CONCURRENCY_ERRORS as error:
                # Another run moved the mark, or removed the same links, since this
                # transaction started: in a fresh transaction, go on from where it
                # stopped; in a test (one transaction), leave it to the other.
                conflicts += 1
                if not auto_commit or conflicts > MAX_EXPIRY_CONFLICTS:
                    _logger.info("Tag expiry left to another run: %s", error)
                    break
                self.env.cr.rollback()
                continue
            if batch is None:
                break  # another run is at work, from the same mark
            counted, lead_ids = batch
            if not counted:
                break
            if total is None:
                total = seen + self._count_expired(now) + counted
            seen += counted
            batches += 1
            done += len(lead_ids)
            budget.add_done(counted)
            budget.notify_progress(self.env, remaining=max(total - seen, 0))
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if done:
            _logger.info("Removed %s expired tags from leads", done)
        return done

    def _expire_batch_isolated(self, now, batch_size, auto_commit):
        """Take the expiry lock and expire the next batch, in a savepoint in tests
        (a conflict then undoes only this batch); ``None`` when another run holds
        the lock."""
        if auto_commit:
            return self._expire_next_batch(now, batch_size)
        with self.env.cr.savepoint():
            return self._expire_next_batch(now, batch_size)

    def _expire_next_batch(self, now, batch_size):
        # Each batch takes the lock: a run that finds it taken leaves (another run
        # is at work, from the same mark).
        if not self._lock_expiry():
            return None
        counted, lead_ids = self._expire_batch(now, batch_size)
        if lead_ids:
            self._notify_leads_untagged(lead_ids)
        return counted, lead_ids

    def _lock_expiry(self):
        """Take the expiry lock for this transaction (a batch), or say it is taken.
        Released at commit or rollback, so that a crash never keeps it."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [EXPIRY_LOCK_KEY])
        return self.env.cr.fetchone()[0]

    def _count_expired(self, now):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_lead_tag_count
             WHERE (expires_on, id) > (%s, %s) AND expires_on <= %s
            """,
            [*self._get_expiry_mark(), now],
        )
        return self.env.cr.fetchone()[0]

    def _get_expiry_mark(self):
        self.env.cr.execute(
            "SELECT expired_until, last_id FROM crm_lead_tag_expiry_mark"
        )
        return self.env.cr.fetchone()

    def _expire_batch(self, now, batch_size):
        """Expire the next ``batch_size`` counters due at ``now``; return how many
        were looked at and the lead ids whose tag was removed (one per tag).

        One statement: take the next counters after the mark (an index range that
        starts at the mark), delete their links (an index probe each; links already
        gone are simply not found), move the mark past them. The cost follows the
        batch, not the size of the tables.
        """
        self.env["crm.lead"].flush_model(["tag_ids"])
        # The mark as values, not a join: the index range then starts at it.
        mark = self._get_expiry_mark()
        self.env.cr.execute(
            """
            WITH due AS (
                SELECT id, lead_id, tag_id, expires_on
                  FROM crm_lead_tag_count
                 WHERE (expires_on, id) > (%s, %s) AND expires_on <= %s
                 ORDER BY expires_on, id
                 LIMIT %s
            ), removed AS (
                DELETE FROM crm_tag_rel rel USING due
                 WHERE rel.lead_id = due.lead_id AND rel.tag_id = due.tag_id
             RETURNING rel.lead_id
            ), last AS (
                SELECT expires_on, id FROM due ORDER BY expires_on DESC, id DESC LIMIT 1
            ), moved AS (
                UPDATE crm_lead_tag_expiry_mark
                   SET expired_until = last.expires_on, last_id = last.id
                  FROM last
            )
            SELECT (SELECT COUNT(*) FROM due), ARRAY(SELECT lead_id FROM removed)
            """,
            [*mark, now, batch_size],
            # A conflict with another run is expected, and handled.
            log_exceptions=False,
        )
        looked_at, lead_ids = self.env.cr.fetchone()
        return looked_at, lead_ids

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
