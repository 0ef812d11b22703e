"""yuqing — 舆情监测值班工具 (public-opinion monitoring for a county office)."""

import logging
import os
import sys

__version__ = "0.1.0"

# The log is for logs/yuqing.log (`run`, `collect`, `escalate` set it up); without this,
# Python prints our English warnings on the officer's terminal when no file is set up.
logging.getLogger("yuqing").addHandler(logging.NullHandler())

# numpy's OpenBLAS starts a thread per core on import, and those threads spin for a while
# waiting for matrix work yuqing never gives them (its numpy is element-wise; the parallel
# work is in forked processes): 0.1-0.15 s of CPU per command for nothing. An officer's
# own setting still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# httpx imports its own command-line client whenever click, rich and pygments are
# installed, and they always are (sqlite-utils needs click, rich needs pygments): 40-60 ms
# of CPU per command for a client yuqing never runs. A None in sys.modules makes that one
# import fail, and httpx falls back to its stub `main` (httpx/__init__.py's except ImportError).
sys.modules.setdefault("httpx._main", None)
