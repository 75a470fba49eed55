from . import crm_lead_reactivation_wizard
