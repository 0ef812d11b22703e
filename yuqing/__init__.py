"""yuqing — 舆情监测值班工具 (public-opinion monitoring for a county office)."""

import logging

__version__ = "0.1.0"

# The log is for logs/yuqing.log (`run`, `collect`, `escalate` set it up); without this,
# Python prints our English warnings on the officer's terminal when no file is set up.
logging.getLogger("yuqing").addHandler(logging.NullHandler())
