"""The DuckDB OLS finish imports no SciPy: its t, F and χ² tails come from stats/tdist.py and
its triangular solves from stats/triangular.py (SciPy's import was a tenth of a second of
every run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import chdtrc, fdtrc, stdtr

from tests.conftest import ROOT

pytest.importorskip("duckdb")

PROBE = ("import sys\n"
         "sys.argv = ['mlstats', *{args!r}]\n"
         "from mlstats.cli.app import run\n"
         "code = run()\n"
         "heavy = ('scipy', 'scipy.special', 'scipy.linalg', 'scipy.stats', 'pandas')\n"
         "sys.stderr.write('|' + ' '.join(m for m in heavy if m in sys.modules) + f'|{{code}}')\n")


@pytest.mark.parametrize("extra", [[], ["--robust", "hc1", "--predict", "x1=0.5,x2=1"],
                                   ["--anova", "--anova-type", "2"], ["--weights", "w"]])
def test_duckdb_ols_imports_no_scipy(tmp_path, extra):
    rng = np.random.default_rng(11)
    n = 6000  # above Shapiro–Wilk's 5000 rows, which stays with scipy.stats
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    y = 1 + 0.05 * x1 - 0.03 * x2 + rng.standard_t(30, size=n)
    w = rng.uniform(0.5, 2, size=n)
    path = tmp_path / "ols.csv"
    np.savetxt(path, np.column_stack([y, x1, x2, w]), delimiter=",", header="y,x1,x2,w",
               comments="", fmt="%.9g")
    args = ["regression", str(path), "--y", "y", "--x", "x1,x2", "--engine", "duckdb",
            "--json", *extra]
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, text=True)
    _, modules, code = done.stderr.rsplit("|", 2)
    assert (modules, code) == ("", "0")
    record = json.loads(done.stdout)
    # the p-values as SciPy 1.17 gives them from the same statistics
    found = record["diagnostics"]
    assert found["jarque_bera_p_value"] == pytest.approx(
        float(chdtrc(2, found["jarque_bera"])), rel=1e-12)
    assert found["breusch_pagan_p_value"] == pytest.approx(
        float(chdtrc(found["breusch_pagan_df"], found["breusch_pagan"])), rel=1e-12)
    assert record["f_p_value"] == pytest.approx(
        float(fdtrc(record["df_model"], record["df_resid"], record["f_statistic"])), rel=1e-12)
    for row in record["coefficients"]:
        assert row["p_value"] == pytest.approx(
            2 * float(stdtr(record["df_resid"], -abs(row["statistic"]))), rel=1e-12)
