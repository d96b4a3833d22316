"""bootstrap and jackknife at n = 100,000 (9,999 resamples) against scipy.stats.bootstrap,
and the cost per row × resample at n = 10⁵, 10⁶ and 10⁷ (issue 19).

Each side runs in its own fresh process that reports its compute time (the call only, data
already loaded) and its peak resident memory, so that the two are measured alike and in the
same run. scipy's BCa of the median takes minutes: it is timed at `SMALL` resamples, once
with BCa and once with the percentile method (no jackknife); its time at 9,999 resamples is
the jackknife part (BCa − percentile) plus the percentile time scaled linearly in resamples.
Cost per row × resample: the slope of the compute time between two numbers of resamples
(what each further resample costs, set-up excluded), ours and scipy's gathers of whole
resamples (the method mlstats used before), each in its own process.
scipy's O(n²) jackknife cannot run at n = 1,000,000, so the jackknife peer is scipy's own
batched leave-one-out (what its BCa does) at n = 20,000, scaled by n² — both are stated in
the notes.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.harness import (
    DATA,
    ROOT,
    Comparison,
    command_time,
    mlstats,
    peak_rss_mb,
)

N = 100_000
RESAMPLES = 9_999
SMALL = 500
JACK_N = 1_000_000
JACK_PEER_N = 20_000
HUGE_RESAMPLES = 20_000_000
# n → (fewer, more) resamples for the slope: about 2·10⁸ and 10⁹ row × resamples for us
SLOPE = {10**5: (2_000, 10_000), 10**6: (200, 1_000), 10**7: (20, 100)}
PEER_SLOPE = {10**5: (400, 2_000), 10**6: (40, 200), 10**7: (3, 15)}


def make_data() -> dict[str, str]:
    import numpy as np

    paths = {
        "latency_npy": DATA / f"resampling_latency_{N}.npy",
        "latency_csv": DATA / f"resampling_latency_{N}.csv",
        "big_npy": DATA / f"resampling_normal_{JACK_N}.npy",
        "big_csv": DATA / f"resampling_normal_{JACK_N}.csv",
        "small_csv": DATA / "resampling_small_1000.csv",
    }
    if not paths["latency_npy"].exists():
        latency = np.random.default_rng(8).lognormal(3.0, 0.8, N).round(3)
        np.save(paths["latency_npy"], latency)
        np.savetxt(paths["latency_csv"], latency, header="latency_ms", comments="", fmt="%.3f")
    if not paths["big_npy"].exists():
        big = np.random.default_rng(9).normal(100.0, 15.0, JACK_N).round(4)
        np.save(paths["big_npy"], big)
        np.savetxt(paths["big_csv"], big, header="x", comments="", fmt="%.4f")
    if not paths["small_csv"].exists():
        small = np.random.default_rng(10).lognormal(3.0, 0.8, 1000).round(3)
        np.savetxt(paths["small_csv"], small, header="latency_ms", comments="", fmt="%.3f")
    return {k: str(v) for k, v in paths.items()}


_PRELUDE = """
import json, resource, time
import numpy as np
x = np.load({path!r})
def report(seconds):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"seconds": seconds, "peak_mb": peak}}))
"""


def _measure(body: str, path: str) -> dict:
    code = _PRELUDE.format(path=path) + body
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ours(stat: str, path: str, repeat: int = 3) -> dict:
    return _measure(f"""
from mlstats.stats.resampling import bootstrap_ci
times = []
for _ in range({repeat}):
    start = time.perf_counter()
    bootstrap_ci(x, stat={stat!r}, resamples={RESAMPLES}, seed=1)
    times.append(time.perf_counter() - start)
report(min(times))
""", path)


def _scipy(statistic: str, method: str, resamples: int, path: str) -> dict:
    return _measure(f"""
from scipy import stats
start = time.perf_counter()
stats.bootstrap((x,), {statistic}, vectorized=True, batch=1000, method={method!r},
                n_resamples={resamples}, rng=np.random.default_rng(1))
report(time.perf_counter() - start)
""", path)


def _per_row_resample(n: int, peer: bool) -> dict:
    """ns per row × resample (slope between two --resamples) and the peak memory, for the
    mean of n lognormal values: ours (percentile, no jackknife) or scipy's whole gathers."""
    few, many = (PEER_SLOPE if peer else SLOPE)[n]
    if peer:
        call = ("stats.bootstrap((x,), np.mean, vectorized=True, batch=max(1, 2**22 // x.size), "
                "method='percentile', n_resamples=b, rng=np.random.default_rng(1))")
        setup = "from scipy import stats"
    else:
        call = "bootstrap_ci(x, stat='mean', resamples=b, seed=1, method='percentile')"
        setup = "from mlstats.stats.resampling import bootstrap_ci"
    code = f"""
import json, resource, time
import numpy as np
{setup}
x = np.random.default_rng(5).lognormal(3.0, 0.8, {n})
data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times, cpu = {{}}, {{}}
for b in ({few}, {many}):
    start, start_cpu = time.perf_counter(), time.process_time()
    {call}
    times[b], cpu[b] = time.perf_counter() - start, time.process_time() - start_cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
per = {n} * ({many} - {few}) / 1e9
print(json.dumps({{"ns": (times[{many}] - times[{few}]) / per,
                  "cpu_ns": (cpu[{many}] - cpu[{few}]) / per, "peak_mb": peak - data}}))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_row_resample() -> list[Comparison]:
    """Issue 19: the cost per row × resample stays flat as n grows (goal: ≤ 10 ns at 10⁵,
    10⁶ and 10⁷), against gathering whole resamples (scipy, and mlstats before)."""
    found = []
    for n in SLOPE:
        ours, peer = _per_row_resample(n, peer=False), _per_row_resample(n, peer=True)
        found.append(Comparison(
            f"bootstrap mean, ns per row x resample, n=1e{len(str(n)) - 1}", ours["ns"],
            peer["ns"], "whole gathers", "<= 10 ns", unit=" ns",
            note=f"CPU time (all threads): ours {ours['cpu_ns']:.2f} ns, scipy "
            f"{peer['cpu_ns']:.2f} ns; peak memory beyond the data: ours "
            f"{ours['peak_mb']:.0f} MB, scipy {peer['peak_mb']:.0f} MB"))
    return found


def _jackknife_ours(path: str) -> dict:
    return _measure("""
from mlstats.stats.resampling import jackknife
times = []
for _ in range(3):
    start = time.perf_counter()
    jackknife(x, stat="std")
    times.append(time.perf_counter() - start)
report(min(times))
""", path)


def _jackknife_scipy(path: str) -> dict:
    # scipy's BCa jackknife: leave-one-out samples in batches, the statistic on each batch
    return _measure(f"""
from scipy.stats._resampling import _jackknife_resample
y = x[:{JACK_PEER_N}]
start = time.perf_counter()
values = [np.std(batch, axis=-1, ddof=1) for batch in _jackknife_resample(y, 1000, xp=np)]
np.concatenate(values)
report(time.perf_counter() - start)
""", path)


def run() -> list[Comparison]:
    return per_row_resample() + against_scipy()


def against_scipy() -> list[Comparison]:
    paths = make_data()
    latency = paths["latency_npy"]

    ours_mean = _ours("mean", latency)
    scipy_mean = _scipy("np.mean", "BCa", RESAMPLES, latency)

    ours_median = _ours("median", latency)
    scipy_bca_small = _scipy("np.median", "BCa", SMALL, latency)
    scipy_perc_small = _scipy("np.median", "percentile", SMALL, latency)
    jack_part = scipy_bca_small["seconds"] - scipy_perc_small["seconds"]
    scipy_median = jack_part + scipy_perc_small["seconds"] * RESAMPLES / SMALL

    ours_jack = _jackknife_ours(paths["big_npy"])
    peer_jack = _jackknife_scipy(paths["big_npy"])
    peer_jack_scaled = peer_jack["seconds"] * (JACK_N / JACK_PEER_N) ** 2

    cli_mean = mlstats("bootstrap", paths["latency_csv"], "--column", "latency_ms", "--seed",
                       "1", "--json")
    cli_median = mlstats("bootstrap", paths["latency_csv"], "--column", "latency_ms",
                         "--stat", "median", "--seed", "1", "--json")
    cli_p95 = mlstats("bootstrap", paths["latency_csv"], "--column", "latency_ms",
                      "--stat", "p95", "--seed", "1", "--json")
    cli_jack = mlstats("jackknife", paths["big_csv"], "--column", "x", "--stat", "std",
                       "--json")
    cli_huge = mlstats("bootstrap", paths["small_csv"], "--column", "latency_ms", "--stat",
                       "median", "--seed", "1", "--resamples", str(HUGE_RESAMPLES), "--json")
    cli_small = mlstats("bootstrap", paths["small_csv"], "--column", "latency_ms", "--stat",
                        "median", "--seed", "1", "--json")
    t_cli_mean, t_cli_median = command_time(cli_mean, 1), command_time(cli_median, 3)
    t_cli_p95, t_cli_jack = command_time(cli_p95, 3), command_time(cli_jack, 3)
    mem_mean, mem_median = peak_rss_mb(cli_mean), peak_rss_mb(cli_median)
    mem_huge, mem_small = peak_rss_mb(cli_huge), peak_rss_mb(cli_small)

    return [
        Comparison("bootstrap BCa mean, n=1e5, B=9999 (compute)", ours_mean["seconds"],
                   scipy_mean["seconds"], "scipy batch=1000", "<= 0.1",
                   note=f"mlstats CLI end to end {t_cli_mean:.2f}s"),
        Comparison("bootstrap BCa median, n=1e5, B=9999 (compute)", ours_median["seconds"],
                   scipy_median, "scipy (extrapolated)", "<= 0.01",
                   note=f"scipy at B={SMALL}: BCa {scipy_bca_small['seconds']:.1f}s, "
                   f"percentile {scipy_perc_small['seconds']:.2f}s → jackknife "
                   f"{jack_part:.1f}s + {RESAMPLES} x {scipy_perc_small['seconds'] / SMALL:.4f}s"
                   f"; CLI end to end {t_cli_median:.2f}s, p95 {t_cli_p95:.2f}s"),
        Comparison("bootstrap BCa mean peak memory (MB, CLI vs scipy)", mem_mean,
                   scipy_mean["peak_mb"], "scipy", "< 200 MB",
                   note=f"mlstats compute-only process {ours_mean['peak_mb']:.0f} MB",
                   unit=" MB"),
        Comparison("bootstrap BCa median peak memory (MB, CLI vs scipy)", mem_median,
                   scipy_bca_small["peak_mb"], f"scipy B={SMALL}", "< 200 MB", unit=" MB"),
        Comparison(f"bootstrap median B={HUGE_RESAMPLES:,} peak memory (MB)", mem_huge,
                   mem_small, "mlstats B=9999", "bounded (~1)",
                   note=f"n=1000; {HUGE_RESAMPLES * 8 / 2**20:.0f} MB if the distribution "
                   "were held", unit=" MB"),
        Comparison("jackknife std, n=1e6 (compute)", ours_jack["seconds"], peer_jack_scaled,
                   "scipy jackknife (scaled)", "< 1 s",
                   note=f"scipy's batched leave-one-out at n={JACK_PEER_N:,}: "
                   f"{peer_jack['seconds']:.2f}s x (1e6/{JACK_PEER_N:,})^2; "
                   f"CLI end to end (reads 1e6 rows) {t_cli_jack:.2f}s"),
    ]
