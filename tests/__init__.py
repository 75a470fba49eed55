from . import test_tag_counting
from . import test_tag_expiry
from . import test_tag_expiry_concurrency
from . import test_tag_segments
from . import test_tag_stat_access
from . import test_tag_backfill
from . import test_tag_history_tour
from . import test_reactivation_tour
