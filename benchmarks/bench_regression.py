"""regression: OLS on 1,000,000 × 10 and logistic on 1,000,000 × 5 against statsmodels.

Goals (issue 6): OLS fit plus every statistic at least 2× faster than statsmodels
`OLS(...).fit()` + `summary()`, CSV reading excluded on both sides (ratio ≤ 0.5); logistic no
slower than statsmodels `Logit.fit()` (ratio ≤ 1). Both sides get the same in-memory arrays.
The end-to-end line times the whole command on a CSV file against pandas + statsmodels.
Issue 15: weighted least squares against `WLS(...).fit()` + `summary()` (ratio ≤ 1: its
Breusch–Pagan test needs a second QR, of the unweighted predictors), and a formula with a
10-level categorical and an interaction plus its type II ANOVA against statsmodels'
`ols(formula).fit()` + `anova_lm(typ=2)` (both build the design with formulaic).
"""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks.harness import DATA, Comparison, best_of, command_time, mlstats, python

ROWS = 1_000_000
OLS_COLUMNS = 10
LOGIT_COLUMNS = 5


def _ols_data() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(6)
    columns = {f"x{j}": rng.normal(j, 1 + j / 3, ROWS) for j in range(1, OLS_COLUMNS + 1)}
    beta = rng.normal(size=OLS_COLUMNS)
    y = 3 + sum(b * c for b, c in zip(beta, columns.values(), strict=True))
    return y + rng.normal(0, 2, ROWS), columns


def _logit_data() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    columns = {f"x{j}": rng.normal(0, 1, ROWS) for j in range(1, LOGIT_COLUMNS + 1)}
    eta = -0.5 + sum(0.4 * (-1) ** j * c for j, c in enumerate(columns.values()))
    y = (rng.random(ROWS) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    return y, columns


def paired(ours, peer, repeat: int = 7) -> tuple[float, float]:
    """Best times of `ours` and `peer`, run alternately so that a busy spell on a shared
    machine slows both sides rather than one."""
    times_ours, times_peer = [], []
    for _ in range(repeat):
        times_ours.append(best_of(ours, repeat=1))
        times_peer.append(best_of(peer, repeat=1))
    return min(times_ours), min(times_peer)


def run() -> list[Comparison]:
    import statsmodels.api as sm

    from mlstats.stats.logistic import logistic
    from mlstats.stats.regression import ols

    y, columns = _ols_data()
    exog = sm.add_constant(np.column_stack(list(columns.values())))

    def peer_ols() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm.OLS(y, exog).fit().summary()

    ours, peer = paired(lambda: ols(y, columns), peer_ols)
    results = [Comparison("regression OLS 1e6 x 10 (fit + statistics)", ours, peer,
                          "statsmodels OLS.fit+summary", "ratio <= 0.5")]

    robust, peer_robust = paired(
        lambda: ols(y, columns, robust="hc3"),
        lambda: sm.OLS(y, exog).fit(cov_type="HC3", use_t=True).summary())
    results.append(Comparison("regression OLS 1e6 x 10 --robust hc3", robust, peer_robust,
                              "statsmodels fit(cov_type=HC3)+summary", "ratio <= 0.5"))

    y_logit, logit_columns = _logit_data()
    logit_exog = sm.add_constant(np.column_stack(list(logit_columns.values())))
    ours_logit, peer_logit = paired(lambda: logistic(y_logit, logit_columns),
                                    lambda: sm.Logit(y_logit, logit_exog).fit(disp=0))
    results.append(Comparison("regression --logistic 1e6 x 5", ours_logit, peer_logit,
                              "statsmodels Logit.fit", "ratio <= 1"))

    weights = np.random.default_rng(8).uniform(0.5, 2.0, ROWS)
    ours_wls, peer_wls = paired(lambda: ols(y, columns, weights=weights),
                                lambda: sm.WLS(y, exog, weights=weights).fit().summary())
    # Breusch–Pagan of a weighted fit regresses on the unweighted predictors: a second QR
    results.append(Comparison("regression --weights 1e6 x 10", ours_wls, peer_wls,
                              "statsmodels WLS.fit+summary", "ratio <= 1"))
    results.append(_formula_anova())
    results.append(_end_to_end(y, columns))
    return results


FORMULA_ROWS = 200_000


def _formula_anova() -> Comparison:
    """`y ~ g * x1 + x2` (g with 10 levels) and its type II ANOVA, from the same frame."""
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from mlstats.stats.formula import formula_terms, parse_formula
    from mlstats.stats.regression import ols

    rng = np.random.default_rng(9)
    g = np.array([f"g{i}" for i in range(10)], dtype=object)[rng.integers(0, 10, FORMULA_ROWS)]
    x1, x2 = rng.normal(size=FORMULA_ROWS), rng.normal(size=FORMULA_ROWS)
    y = x1 + 0.5 * x2 + (g == "g3") * 2 + rng.normal(size=FORMULA_ROWS)
    data = {"y": y, "g": g, "x1": x1, "x2": x2}
    frame = pd.DataFrame(data)
    formula = "y ~ g * x1 + x2"

    def ours() -> None:
        values, terms = formula_terms(parse_formula(formula, list(data)), data)
        ols(values, terms, anova=2)

    def peer() -> None:
        sm.stats.anova_lm(smf.ols(formula, frame).fit(), typ=2)

    mine, theirs = paired(ours, peer, repeat=3)
    return Comparison("regression --formula 2e5, 10 levels, --anova 2", mine, theirs,
                      "statsmodels ols(formula)+anova_lm", "ratio <= 1")


def _end_to_end(y: np.ndarray, columns: dict[str, np.ndarray]) -> Comparison:
    """The whole command on a CSV file (pyarrow reading) against pandas + statsmodels."""
    path = DATA / "regression_1e6x10.csv"
    if not path.exists():
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pacsv.write_csv(pa.table({"y": y, **columns}), path)
    names = ",".join(columns)
    ours = command_time(mlstats("regression", str(path), "--y", "y", "--x", names, "--json"),
                        repeat=2)
    code = ("import pandas as pd, statsmodels.api as sm\n"
            f"d = pd.read_csv({str(path)!r})\n"
            f"m = sm.OLS(d['y'], sm.add_constant(d[{list(columns)!r}])).fit()\n"
            "print(m.summary())\n")
    peer = command_time(python(code), repeat=2)
    return Comparison("regression end to end, CSV 1e6 x 10", ours, peer,
                      "pandas+statsmodels", "informational (CSV reading included)")
