"""sample-size and power: end-to-end start-up against importing scipy.stats and statsmodels.

Planning reads no data, so the whole run is start-up: proportions and estimation must not
import SciPy at all, means only `scipy.special` (the noncentral t).
"""

from __future__ import annotations

from benchmarks.harness import Comparison, command_time, mlstats, python

_STATSMODELS_PROP = (
    "from statsmodels.stats.power import NormalIndPower; from math import asin, sqrt; "
    "print(NormalIndPower().solve_power(2*asin(sqrt(.12))-2*asin(sqrt(.10)), power=.8, "
    "alpha=.05))"
)
_STATSMODELS_T = (
    "from statsmodels.stats.power import TTestIndPower; "
    "print(TTestIndPower().solve_power(.5, power=.8, alpha=.05))"
)


def run() -> list[Comparison]:
    scipy_stats = command_time(python("import scipy.stats"), repeat=7)
    proportions = command_time(mlstats("sample-size", "--baseline", "0.10", "--mde", "0.02"),
                               repeat=7)
    arcsine = command_time(mlstats("sample-size", "--baseline", "0.10", "--mde", "0.02",
                                   "--method", "arcsine"), repeat=7)
    estimation = command_time(mlstats("sample-size", "--std", "0.5", "--margin", "0.05"),
                              repeat=7)
    means = command_time(mlstats("sample-size", "--effect-size", "0.5"), repeat=7)
    curve = command_time(mlstats("power", "--effect-size", "0.5",
                                 "--n", ",".join(str(n) for n in range(10, 1010, 10))), repeat=5)
    sm_prop = command_time(python(_STATSMODELS_PROP), repeat=5)
    sm_t = command_time(python(_STATSMODELS_T), repeat=5)
    return [
        Comparison("sample-size proportions (pooled)", proportions, scipy_stats,
                   "import scipy.stats", "<= 0.5"),
        Comparison("sample-size proportions (arcsine)", arcsine, scipy_stats,
                   "import scipy.stats", "<= 0.5"),
        Comparison("sample-size estimation", estimation, scipy_stats, "import scipy.stats",
                   "<= 0.5"),
        Comparison("sample-size means (noncentral t)", means, scipy_stats,
                   "import scipy.stats", "<= 1.0"),
        Comparison("power means, 100-point curve", curve, scipy_stats, "import scipy.stats",
                   "<= 1.0"),
        Comparison("sample-size arcsine vs statsmodels", arcsine, sm_prop,
                   "statsmodels NormalIndPower", "< 1"),
        Comparison("sample-size means vs statsmodels", means, sm_t,
                   "statsmodels TTestIndPower", "< 1"),
    ]
