"""precision-recall against scikit-learn: curve metrics on 10M scores, the bootstrap, a CSV run,
and the bootstrap's cost per row × resample on 10⁶ rows (`--ci` and `--compare`, issue 19).
"""

from __future__ import annotations

from benchmarks.harness import DATA, Comparison, best_of, command_time, mlstats, python

ROWS = 10_000_000
CSV_ROWS = 1_000_000
BOOT_ROWS = 10_000
RESAMPLES = 500
SLOPE_ROWS = 1_000_000
SLOPE = (40, 200)  # resamples: the slope between them is what each further resample costs
PEER_SLOPE = (2, 6)


def _data(rows: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.3).astype(np.int64)
    score = np.clip(0.2 * y + rng.normal(0.4, 0.2, rows), 0, 1)  # continuous: ~all distinct
    return y, score


def _curve_metrics() -> Comparison:
    """10M scores in memory: AP, ROC-AUC, the PR curve and the threshold metrics."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

    from mlstats.stats.classification import precision_recall

    y, score = _data(ROWS, 1)

    def ours():
        result, groups = precision_recall((y, ["0", "1"]), score=score)
        groups.curve()  # the curve too, as scikit-learn computes it
        return result

    def peer():
        precision_recall_curve(y, score)
        average_precision_score(y, score)
        roc_auc_score(y, score)

    t_ours = best_of(ours, 3)
    t_peer = best_of(peer, 2)
    return Comparison("precision-recall 10M scores (in memory)", t_ours, t_peer,
                      "sklearn PR curve + AP + AUC", "<= 1.0")


def _bootstrap() -> Comparison:
    """Stratified bootstrap CI of precision, recall, F1, AP and ROC-AUC, 10k rows."""
    import numpy as np
    from sklearn.metrics import (
        average_precision_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    from mlstats.stats.classification import precision_recall

    y, score = _data(BOOT_ROWS, 2)

    def ours():
        return precision_recall((y, ["0", "1"]), score=score, ci=True, resamples=RESAMPLES,
                                seed=1)

    def peer():
        # what one writes with scikit-learn: a loop over stratified resamples
        rng = np.random.default_rng(1)
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        for _ in range(RESAMPLES):
            rows = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
            yy, ss = y[rows], score[rows]
            pred = ss >= 0.5
            precision_score(yy, pred)
            recall_score(yy, pred)
            f1_score(yy, pred)
            average_precision_score(yy, ss)
            roc_auc_score(yy, ss)

    t_ours = best_of(ours, 3)
    t_peer = best_of(peer, 1)
    return Comparison(f"precision-recall --ci {RESAMPLES} resamples, 10k rows", t_ours, t_peer,
                      "sklearn loop", "<= 0.1")


def _make_csv() -> str:
    import numpy as np

    path = DATA / f"scores_{CSV_ROWS}.csv"
    if not path.exists():
        y, score = _data(CSV_ROWS, 3)
        with path.open("w") as f:
            f.write("label,score\n")
            np.savetxt(f, np.column_stack([y, score]), delimiter=",", fmt=["%d", "%.6f"])
    return str(path)


def _end_to_end() -> Comparison:
    path = _make_csv()
    ours = mlstats("precision-recall", path, "--true", "label", "--score", "score", "--json")
    peer = python(
        "import pandas as pd\n"
        "from sklearn.metrics import precision_recall_curve, average_precision_score, "
        "roc_auc_score, precision_recall_fscore_support\n"
        f"d = pd.read_csv({path!r}, engine='pyarrow')\n"
        "precision_recall_curve(d.label, d.score); average_precision_score(d.label, d.score)\n"
        "roc_auc_score(d.label, d.score)\n"
        "precision_recall_fscore_support(d.label, d.score >= 0.5, average='binary')\n")
    return Comparison("precision-recall 1M-row CSV (end to end)", command_time(ours),
                      command_time(peer), "pandas + sklearn", "<= 1.0")


_SLOPE_CODE = """
import json, time
import numpy as np
rng = np.random.default_rng(3)
n = {n}
y = (rng.random(n) < 0.3).astype(np.int64)
score = np.clip(0.2 * y + rng.normal(0.4, 0.2, n), 0, 1)
baseline = np.clip(0.15 * y + rng.normal(0.4, 0.2, n), 0, 1)
{setup}
times, cpu = {{}}, {{}}
for b in {counts}:
    start, start_cpu = time.perf_counter(), time.process_time()
    run(b)
    times[b], cpu[b] = time.perf_counter() - start, time.process_time() - start_cpu
few, many = {counts}
per = n * (many - few) / 1e9
print(json.dumps([(times[many] - times[few]) / per, (cpu[many] - cpu[few]) / per]))
"""

_OURS = """
from mlstats.stats.classification import precision_recall
def run(b):
    precision_recall((y, ["0", "1"]), score=score, resamples=b, seed=1, {option})
"""

_PEER = """
from sklearn.metrics import (average_precision_score, f1_score, precision_score, recall_score,
                             roc_auc_score)
pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
def run(b):
    g = np.random.default_rng(1)
    for _ in range(b):
        rows = np.concatenate([g.choice(pos, pos.size), g.choice(neg, neg.size)])
        yy = y[rows]
        for s in {models}:
            ss = s[rows]
            pred = ss >= 0.5
            precision_score(yy, pred); recall_score(yy, pred); f1_score(yy, pred)
            average_precision_score(yy, ss); roc_auc_score(yy, ss)
"""


def _slope(body: str, counts: tuple[int, int]) -> list[float]:
    """[wall, CPU (all threads)] ns per row × resample."""
    import json
    import subprocess
    import sys

    from benchmarks.harness import ROOT

    code = _SLOPE_CODE.format(n=SLOPE_ROWS, setup=body, counts=counts)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_row_resample() -> list[Comparison]:
    """Issue 19: --ci and --compare on 10⁶ rows, ns per row × resample (goal ≤ 10 ns),
    against the loop one writes with scikit-learn (stratified row indices, then the metrics
    of each model)."""
    found = []
    for label, option, models in (("--ci", "ci=True", "(score,)"),
                                  ("--compare", "baseline_score=baseline", "(score, baseline)")):
        ours = _slope(_OURS.format(option=option), SLOPE)
        peer = _slope(_PEER.format(models=models), PEER_SLOPE)
        found.append(Comparison(f"precision-recall {label}, ns per row x resample, 1M rows",
                                ours[0], peer[0], "sklearn loop", "<= 10 ns", unit=" ns",
                                note=f"CPU time (all threads): ours {ours[1]:.2f} ns, "
                                f"sklearn {peer[1]:.0f} ns"))
    return found


def run() -> list[Comparison]:
    return [_curve_metrics(), _bootstrap(), _end_to_end(), *per_row_resample()]
