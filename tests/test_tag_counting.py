# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import Form, tagged, users

from .common import NurtureTagCommon, statements_on


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagCounting(NurtureTagCommon):
    def test_create_counts_tags(self):
        """Creating a lead with tags starts each counter at 1, dated now."""
        with self.mock_now(self.T0):
            lead = self.env["crm.lead"].create(
                {
                    "name": "New",
                    "tag_ids": [Command.set((self.tag_hot | self.tag_pricing).ids)],
                }
            )
        for tag in self.tag_hot | self.tag_pricing:
            self.assertStat(
                lead,
                tag,
                add_count=1,
                first_added=self.T0,
                last_added=self.T0,
                is_present=True,
            )
        self.assertEqual(len(lead.tag_stat_ids), 2)

    def test_default_tags_counted(self):
        """Tags that come from context defaults are counted too."""
        lead = (
            self.env["crm.lead"]
            .with_context(default_tag_ids=[Command.set(self.tag_hot.ids)])
            .create({"name": "Defaulted"})
        )
        self.assertStat(lead, self.tag_hot, add_count=1, is_present=True)

    def test_link_existing_tag_counts_nothing(self):
        """Linking a tag the lead already carries changes nothing."""
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        with self.mock_now(self.T0 + timedelta(days=1)):
            self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
            self.lead.write({"tag_ids": [Command.set(self.tag_hot.ids)]})
        self.assertStat(self.lead, self.tag_hot, add_count=1, last_added=self.T0)

    def test_remove_keeps_counter_and_readd_counts(self):
        """Removing keeps the counter; putting the tag back counts +1 and moves the last
        date."""
        t1 = self.T0 + timedelta(days=3)
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=False)
        with self.mock_now(t1):
            self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.assertStat(
            self.lead,
            self.tag_hot,
            add_count=2,
            first_added=self.T0,
            last_added=t1,
            is_present=True,
        )

    def test_set_and_clear_commands(self):
        """Replacing the tag set counts the new tags and marks the dropped ones."""
        self.lead.write(
            {"tag_ids": [Command.set((self.tag_hot | self.tag_pricing).ids)]}
        )
        self.lead.write(
            {"tag_ids": [Command.set((self.tag_pricing | self.tag_restock).ids)]}
        )
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=False)
        self.assertStat(self.lead, self.tag_pricing, add_count=1, is_present=True)
        self.assertStat(self.lead, self.tag_restock, add_count=1, is_present=True)
        self.lead.write({"tag_ids": [Command.clear()]})
        self.assertFalse(self.lead.tag_stat_ids.filtered("is_present"))
        self.lead.write({"tag_ids": [(6, 0, self.tag_hot.ids)]})
        self.assertStat(self.lead, self.tag_hot, add_count=2, is_present=True)

    def test_mixed_commands_and_plain_ids(self):
        """A write that links one tag and unlinks another counts and marks both;
        a plain list of ids replaces the tags."""
        self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead.write(
            {
                "tag_ids": [
                    Command.unlink(self.tag_hot.id),
                    Command.link(self.tag_pricing.id),
                ]
            }
        )
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=False)
        self.assertStat(self.lead, self.tag_pricing, add_count=1, is_present=True)
        self.lead.write({"tag_ids": self.tag_hot.ids})
        self.assertStat(self.lead, self.tag_hot, add_count=2, is_present=True)
        self.assertStat(self.lead, self.tag_pricing, add_count=1, is_present=False)

    def test_removal_writes_no_counter(self):
        """Removing a tag without a lifetime writes no counter: the link table says
        whether the tag is on the lead."""

        def removal_queries(lead, **context):
            lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            lead.with_context(**context).write(
                {"tag_ids": [Command.unlink(self.tag_hot.id)]}
            )
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        counted = removal_queries(self.lead)
        bypassed = removal_queries(self.lead_2, skip_tag_stat_count=True)
        # One read of the removed tags' lifetimes; no counter is written.
        self.assertEqual(counted, bypassed + 1)
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=False)

    def test_create_command_counts_new_tag(self):
        """A tag created from the lead is counted on it."""
        self.lead.write({"tag_ids": [Command.create({"name": "Nurture Inline"})]})
        tag = self.env["crm.tag"].search([("name", "=", "Nurture Inline")])
        self.assertStat(self.lead, tag, add_count=1, is_present=True)

    def test_batch_write_counts_each_lead(self):
        """One write on several leads counts per lead, only where the tag is new."""
        self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.leads.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        for lead in self.leads:
            self.assertStat(lead, self.tag_hot, add_count=1, is_present=True)

    def test_batch_write_query_count_is_constant(self):
        """Counting costs the same number of queries for 5 leads as for 50."""
        leads = self.env["crm.lead"].create([{"name": f"Bulk {i}"} for i in range(51)])
        self.env.flush_all()

        def queries_for(records, tag):
            before = self.env.cr.sql_log_count
            records.write({"tag_ids": [Command.link(tag.id)]})
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        # Two tags alike (no lifetime), after a first write that fills the
        # caches every write then finds filled.
        first, second = self.env["crm.tag"].create(
            [{"name": "Nurture Bulk A"}, {"name": "Nurture Bulk B"}]
        )
        queries_for(leads[50:], self.tag_hot)
        few = queries_for(leads[:5], first)
        many = queries_for(leads[5:50], second)
        self.assertEqual(few, many)
        self.assertEqual(
            len(self.env["crm.lead.tag.stat"].search([("lead_id", "in", leads.ids)])),
            51,
        )

    def test_archived_lead_counts(self):
        """Lost (archived) leads count like active ones."""
        self.lead_lost.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead_lost.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        self.lead_lost.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.assertFalse(self.lead_lost.active)
        self.assertStat(self.lead_lost, self.tag_hot, add_count=2, is_present=True)

    def test_form_counts(self):
        """Adding a tag in the lead form counts it."""
        with Form(self.lead) as form:
            form.tag_ids.add(self.tag_hot)
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=True)
        with Form(self.lead) as form:
            form.tag_ids.remove(self.tag_hot.id)
        self.assertStat(self.lead, self.tag_hot, add_count=1, is_present=False)

    def test_import_counts(self):
        """Importing leads, new or updated, counts their tags."""
        result = self.env["crm.lead"].load(
            ["name", "tag_ids"], [["Imported lead", "Nurture Hot,Nurture Pricing"]]
        )
        self.assertFalse(result["messages"])
        imported = self.env["crm.lead"].browse(result["ids"])
        self.assertStat(imported, self.tag_hot, add_count=1)
        self.assertStat(imported, self.tag_pricing, add_count=1)
        # Re-import that drops a tag, then the import through the import wizard.
        xml_id = imported.export_data(["id"])["datas"][0][0]
        result = self.env["crm.lead"].load(
            ["id", "name", "tag_ids"], [[xml_id, "Imported lead", "Nurture Hot"]]
        )
        self.assertEqual(result["ids"], imported.ids)
        self.assertStat(imported, self.tag_pricing, add_count=1, is_present=False)
        wizard = self.env["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": (
                    f'id,tag_ids\n{xml_id},"Nurture Hot,Nurture Pricing"\n'.encode()
                ),
                "file_type": "text/csv",
            }
        )
        res = wizard.execute_import(
            ["id", "tag_ids"],
            ["id", "tag_ids"],
            {"quoting": '"', "separator": ",", "has_headers": True},
        )
        self.assertFalse(res["messages"])
        self.assertStat(imported, self.tag_pricing, add_count=2, is_present=True)

    def test_copy_counts_on_new_lead(self):
        """A duplicated lead starts its own counters."""
        self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        copy = self.lead.copy()
        self.assertStat(copy, self.tag_hot, add_count=1)
        self.assertStat(self.lead, self.tag_hot, add_count=2)

    def test_merge_combines_counters(self):
        """Merging leads adds their counters up and spans their dates."""
        t1, t2 = self.T0 + timedelta(days=5), self.T0 + timedelta(days=9)
        head, tail = self.lead, self.lead_2
        with self.mock_now(self.T0):
            head.write({"tag_ids": [Command.link(self.tag_hot.id)]})
            tail.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        tail.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        with self.mock_now(t1):
            tail.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        with self.mock_now(t2):
            tail.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        tail.write({"tag_ids": [Command.unlink(self.tag_restock.id)]})
        # Head: hot x1; tail: hot x2, restock x1 (removed).
        merged = (head | tail)._merge_opportunity(auto_unlink=True, max_length=0)
        self.assertEqual(merged, head)
        self.assertFalse(tail.exists())
        self.assertStat(
            head,
            self.tag_hot,
            add_count=3,
            first_added=self.T0,
            last_added=t1,
            is_present=True,
        )
        self.assertStat(
            head, self.tag_restock, add_count=1, is_present=False, last_added=t2
        )
        self.assertEqual(head.tag_ids, self.tag_hot)
        self.assertFalse(
            self.env["crm.lead.tag.stat"].search([("lead_id", "=", tail.id)])
        )

    def test_merge_brings_tail_tag_to_head(self):
        """A tag only the merged lead carried arrives on the head with its own count."""
        self.lead_2.write({"tag_ids": [Command.link(self.tag_pricing.id)]})
        # The head is the likeliest to be won: the tag's (19.0's predictive
        # lead scoring counts tags) must not make the tagged lead the head.
        self.lead.probability = 90
        head = (self.lead | self.lead_2)._merge_opportunity(max_length=0)
        self.assertEqual(head, self.lead)
        self.assertStat(self.lead, self.tag_pricing, add_count=1, is_present=True)
        self.assertEqual(self.lead.tag_ids, self.tag_pricing)

    def test_merge_of_leads_never_tagged_costs_no_counter_query(self):
        """Odoo merges duplicates one group at a time (its lead assignment): leads
        that never had a tag cost the merge and the deletion of the merged leads
        no counter statement; a merged lead whose tag was removed still brings
        its history."""
        self.lead.probability = 90
        with statements_on(self.env, "crm_lead_tag_count") as statements:
            head = (self.lead | self.lead_2)._merge_opportunity(max_length=0)
        self.assertEqual(head, self.lead)
        self.assertFalse(self.lead_2.exists())
        self.assertEqual(statements, [])
        tail = self.leads[2]
        tail.write({"tag_ids": [Command.link(self.tag_pricing.id)]})
        tail.write({"tag_ids": [Command.unlink(self.tag_pricing.id)]})
        self.assertTrue(tail.tag_counted)
        self.assertFalse(self.lead.tag_counted)
        with statements_on(self.env, "crm_lead_tag_count") as statements:
            (self.lead | tail)._merge_opportunity(max_length=0)
        self.assertTrue(statements, "the history to merge, and to delete")
        self.assertTrue(self.lead.tag_counted, "the head has counters now")
        self.assertStat(self.lead, self.tag_pricing, add_count=1, is_present=False)

    def test_unlink_tag_or_lead_removes_stats(self):
        """Deleting a tag or a lead deletes its counters."""
        self.leads[:2].write(
            {
                "tag_ids": [
                    Command.link(self.tag_hot.id),
                    Command.link(self.tag_pricing.id),
                ]
            }
        )
        Stat = self.env["crm.lead.tag.stat"]
        self.assertEqual(Stat.search_count([("tag_id", "=", self.tag_hot.id)]), 2)
        self.tag_hot.unlink()
        self.assertEqual(Stat.search_count([("tag_id", "=", self.tag_hot.id)]), 0)
        self.lead.unlink()
        self.assertEqual(Stat.search_count([("lead_id", "=", self.lead.id)]), 0)
        self.assertEqual(Stat.search_count([("tag_id", "=", self.tag_pricing.id)]), 1)

    @users("nurture_salesman")
    def test_salesman_tagging_is_counted(self):
        """A salesman tagging their lead is counted although they cannot write
        counters."""
        lead = self.lead.with_env(self.env)
        lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.assertStat(lead, self.tag_hot, add_count=1, is_present=True)

    def test_tag_counts_on_tag(self):
        """A tag shows how many leads carry it now and ever, archived ones included."""
        self.leads.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        (self.lead | self.lead_lost).write(
            {"tag_ids": [Command.unlink(self.tag_hot.id)]}
        )
        self.assertEqual(self.tag_hot.lead_present_count, 2)
        self.assertEqual(self.tag_hot.lead_ever_count, 4)
        self.assertEqual(self.tag_restock.lead_ever_count, 0)
        action = self.tag_hot.action_view_tag_stats()
        self.assertEqual(
            self.env["crm.lead.tag.stat"].search_count(action["domain"]), 4
        )
