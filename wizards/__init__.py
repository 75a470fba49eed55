from . import crm_lead_reactivation_wizard
from . import mail_compose_message
from . import crm_nurture_enroll_wizard
from . import crm_nurture_test_wizard
