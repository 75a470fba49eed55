# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureLeadMerge(NurtureSequenceCommon):
    """Merging leads, as a salesperson does it: the participations of the merged
    leads move to the lead that remains, one run per sequence."""

    def merge(self, leads, user):
        wizard = (
            self.env["crm.merge.opportunity"]
            .with_user(user)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
            .create({})
        )
        wizard.action_merge()
        return leads.exists()

    def test_head_never_enrolled_succeeds_with_the_merged_run(self):
        """The head of a merge that never took part in the sequence gets the
        merged lead's run, and a goal it reaches then is noticed at once."""
        ann, carl = self.make_leads(
            ["merge head ann", "merge head carl"], user_id=self.user_salesman.id
        )
        self.start_with(ann)
        self.process(self.T0)
        self.assertFalse(carl.nurture_enrolled)
        # Carl is the likeliest to be won: the head.
        carl.probability = 90
        ann.probability = 10
        head = self.merge(ann | carl, self.user_salesman)
        self.assertEqual(head, carl)
        self.assertTrue(carl.nurture_enrolled)
        self.assertEqual(self.participant(carl).state, "running")
        with self.at(self.T0 + self.days(1)):
            carl.with_user(self.user_salesman).action_set_won()
        self.assertEqual(self.participant(carl).state, "succeeded")

    def test_participations_follow_the_merge(self):
        ann, bob = self.make_leads(
            ["merge ann", "merge bob"], user_id=self.user_salesman.id
        )
        self.start_with(ann | bob)
        self.process(self.T0)
        participations = self.sequence.participant_ids.filtered(
            lambda p: p.lead_id in (ann | bob)
        )
        self.assertEqual(len(participations), 2)
        head = self.merge(ann | bob, self.user_salesman)
        self.assertEqual(len(head), 1)
        self.assertEqual(
            participations.lead_id, head, "both kept, on the remaining lead"
        )
        self.assertEqual(
            sorted(participations.mapped("state")),
            ["exited", "running"],
            "one run at a time",
        )
        ended = participations.filtered(lambda p: p.state == "exited")
        self.assertEqual(ended.exit_reason, "merged")
        self.assertFalse(ended.trace_ids.filtered(lambda t: t.state == "scheduled"))
        self.assertEqual(head.nurture_participant_count, 2)
