# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .models.crm_nurture_sequence_dates import drop_date_indexes


def post_init_hook(env):
    """Give the tags leads already carry a counter of 1, dated at the lead's creation.

    Runs once at install, after the addon's own data: leads created from then on
    were counted by ``crm.lead.create`` already, and are left as they are.
    """
    env["crm.lead.tag.stat"]._backfill_existing_tags()
    # Opens and clicks recorded before the addon could not be classified: a
    # person's, as they counted then; the step tally counts them so.
    env.flush_all()
    backfill_human_signals(env.cr)
    env.invalidate_all()
    env["crm.nurture.step.tally"]._rebuild()
    # Engagement scores from what the leads' emails recorded before.
    env["crm.lead"]._engagement_backfill()


def backfill_human_signals(cr):
    """Date the person's open and click of the mailing traces that Odoo marks
    opened or clicked and that have none (one statement each)."""
    cr.execute(
        """
        UPDATE mailing_trace
           SET human_open_datetime = COALESCE(open_datetime, reply_datetime,
                                              sent_datetime, create_date)
         WHERE human_open_datetime IS NULL
           AND (open_datetime IS NOT NULL OR trace_status IN ('open', 'reply'))
        """
    )
    cr.execute(
        """
        UPDATE mailing_trace SET human_click_datetime = links_click_datetime
         WHERE human_click_datetime IS NULL AND links_click_datetime IS NOT NULL
        """
    )


def uninstall_hook(env):
    """The expiry mark, the step tally and the date indexes on the leads are of the
    addon's own making (the tally's trigger on Odoo's mailing traces, the indexes on
    Odoo's leads would outlive the addon)."""
    env.cr.execute("DROP TABLE IF EXISTS crm_lead_tag_expiry_mark CASCADE")
    env["crm.nurture.step.tally"]._drop()
    drop_date_indexes(env.cr)
