# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0

- Participants store the level of the flow they reached (``level_reached``), so
  that the funnel counts participants, not their step traces. Filled here from
  the done steps, in one statement, before Odoo adds the column (it would set 0
  everywhere).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE crm_nurture_participant
          ADD COLUMN IF NOT EXISTS level_reached integer DEFAULT 0
        """
    )
    cr.execute(
        "ALTER TABLE crm_nurture_participant ALTER COLUMN level_reached DROP DEFAULT"
    )
    cr.execute(
        """
        UPDATE crm_nurture_participant part
           SET level_reached = reached.level
          FROM (
              SELECT trace.participant_id,
                     MAX(array_length(
                         string_to_array(rtrim(step.parent_path, '/'), '/'), 1))
                       AS level
                FROM crm_nurture_trace trace
                JOIN crm_nurture_step step ON step.id = trace.step_id
               WHERE trace.state = 'done'
               GROUP BY trace.participant_id
          ) reached
         WHERE part.id = reached.participant_id
        """
    )
