from . import crm_lead_tag_stat
from . import crm_lead
from . import crm_tag
