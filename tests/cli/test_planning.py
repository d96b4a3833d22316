"""`mlstats sample-size` and `mlstats power` from the command line."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from mlstats.stats.planning import plan_comparison, plan_mde
from tests.conftest import ROOT, invoke, invoke_json

REL = 1e-8

PLAN_KEYS = {"n_control", "n_treatment", "n_total", "n_exact", "effect_size", "method",
             "mde", "mde_relative", "days", "alpha", "alpha_adjusted", "power", "ratio",
             "alternative", "arms", "baseline", "std", "daily_traffic"}


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL)


def error_line(result) -> str:
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1
    return result.stderr.removeprefix("mlstats: error: ").rstrip("\n")


# ------------------------------------------------------------------------------ estimation

def test_estimation_spec_example():
    record = invoke_json("sample-size", "--confidence", "0.95", "--std", "0.5",
                         "--margin", "0.05")
    assert record["command"] == "sample-size"
    assert {"n", "n_exact", "z", "confidence", "std", "margin", "population",
            "warnings", "mlstats_version"} <= set(record)
    # SciPy 1.17.1: norm.ppf(0.975)**2 * 0.5**2 / 0.05**2 and norm.ppf(0.975)
    assert record["n_exact"] == approx(384.14588206941244)
    assert record["z"] == approx(1.959963984540054)
    assert (record["n"], record["population"], record["warnings"]) == (385, None, [])


def test_estimation_with_population_and_default_confidence():
    # SciPy 1.17.1: n0 = norm.ppf(0.975)**2 * 0.25 / 0.0025; n0 / (1 + (n0 - 1) / 1000)
    record = invoke_json("sample-size", "--std", "0.5", "--margin", "0.05",
                         "--population", "1000", "--daily-traffic", "100")
    assert record["n_exact"] == approx(277.7334531731876)
    assert (record["n"], record["confidence"], record["days"]) == (278, 0.95, 3)


def test_estimation_table_says_rows():
    result = invoke("sample-size", "--std", "0.5", "--margin", "0.05")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:2] == ["mlstats sample-size", "385 rows estimate a mean to within ±0.05 with "
                         "confidence 0.95 (std 0.5)."]
    assert any(line.split() == ["n_exact", "384.146"] for line in lines)


# ----------------------------------------------------------------------------- comparison

def test_proportions_pooled_spec_reference():
    record = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02")
    assert set(record) >= PLAN_KEYS
    # R 4.2.2: power.prop.test(p1=.10, p2=.12, power=.8, strict=TRUE)$n
    assert record["n_exact"] == approx(3840.83817098037)
    assert (record["n_control"], record["n_treatment"], record["n_total"]) == (3841, 3841, 7682)
    assert (record["method"], record["alternative"], record["alpha"], record["power"],
            record["ratio"], record["arms"]) == ("pooled", "two-sided", 0.05, 0.8, 1.0, 2)
    # Cohen's h = 2·asin√p₂ − 2·asin√p₁ (R pwr: ES.h(.12, .10))
    assert record["effect_size"] == approx(2 * math.asin(math.sqrt(0.12))
                                           - 2 * math.asin(math.sqrt(0.10)))


def test_proportions_arcsine_spec_reference():
    record = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02",
                         "--method", "arcsine")
    # R 4.2.2, pwr: pwr.2p.test(h=ES.h(.12,.10), power=.8)$n
    assert record["n_exact"] == approx(3834.59575245779)
    assert (record["n_control"], record["method"]) == (3835, "arcsine")


def test_means_spec_reference_and_json_equals_stats():
    record = invoke_json("sample-size", "--effect-size", "0.5")
    assert (record["n_control"], record["n_treatment"], record["n_total"]) == (64, 64, 128)
    assert record["method"] == "noncentral-t"
    plan = plan_comparison(effect_size=0.5)
    assert record["n_exact"] == plan.n_exact and record["effect_size"] == 0.5


def test_means_from_mde_and_std_match_r():
    # R 4.2.2: power.t.test(delta=.5, sd=1, power=.8)$n counts the upper tail at
    # sig.level/2 only: the one-sided test at alpha 0.025 (delta 2, sd 4 is the same d)
    record = invoke_json("sample-size", "--mde", "2", "--std", "4", "--alpha", "0.025",
                         "--alternative", "larger")
    assert record["n_exact"] == approx(63.7657637142739)
    assert (record["mde"], record["std"], record["effect_size"]) == (2.0, 4.0, 0.5)


def test_ratio_arms_and_days():
    record = invoke_json("sample-size", "--effect-size", "0.5", "--ratio", "2", "--arms", "3",
                         "--daily-traffic", "100")
    plan = plan_comparison(effect_size=0.5, ratio=2, arms=3)
    assert record["alpha_adjusted"] == 0.025
    assert (record["n_control"], record["n_treatment"]) == (plan.n_control, plan.n_treatment)
    assert record["n_total"] == plan.n_control + 2 * plan.n_treatment
    assert record["days"] == -(-record["n_total"] // 100)


def test_relative_mde_and_smaller_alternative():
    record = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.2", "--relative")
    assert record["mde"] == approx(0.02) and record["mde_relative"] == approx(0.2)
    assert record["n_exact"] == approx(3840.83817098037)  # R power.prop.test, as above
    down = invoke_json("sample-size", "--baseline", "0.90", "--mde", "0.02",
                       "--alternative", "smaller")
    up = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02",
                     "--alternative", "larger")
    assert down["n_exact"] == approx(up["n_exact"])
    assert down["effect_size"] == approx(-up["effect_size"]) and down["effect_size"] < 0


def test_n_gives_the_minimum_detectable_effect():
    record = invoke_json("sample-size", "--baseline", "0.10", "--n", "2000")
    # brentq(lambda d: power_proportions_2indep(-d, .1 + d, 2000).power - .8, 1e-6, .5,
    #        xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    assert record["mde"] == approx(0.028156208597714182)
    assert record["mde_relative"] == approx(0.28156208597714182)
    assert (record["n_control"], record["n_total"], record["n_exact"]) == (2000, 4000, None)
    means = invoke_json("sample-size", "--n", "50", "--std", "4", "--ratio", "2",
                        "--power", "0.9")
    # brentq(lambda e: TTestIndPower().power(e, 50, .05, ratio=2) - .9, 1e-6, 1.5, ...)
    assert means["effect_size"] == approx(0.5651264861225336)
    assert means["mde"] == approx(4 * 0.5651264861225336)
    assert means["mde"] == plan_mde(n=50, std=4, ratio=2, power=0.9).mde


def test_table_labels_group_sizes_plainly():
    result = invoke("sample-size", "--baseline", "0.10", "--mde", "0.02",
                    "--daily-traffic", "1000")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1] == (
        "To detect a change of +0.02 from 0.1 (relative +20.0%, Cohen's h 0.06398) with power "
        "0.8 at alpha 0.05, two-sided: 3841 in the control group, 3841 in the treatment group, "
        "7682 in total; 8 days at 1000 a day.")
    arms = invoke("sample-size", "--effect-size", "0.5", "--arms", "3")
    assert "78 in the control group, 78 in each variant, 234 in total." in arms.stdout
    mde = invoke("sample-size", "--baseline", "0.10", "--n", "2000", "--format", "markdown")
    assert ("the smallest effect detectable with power 0.8 at alpha 0.05, two-sided, is a "
            "change of +0.02816 from 0.1 (relative +28.2%, Cohen's h 0.08873).") in mde.stdout


def test_csv_is_one_row_of_every_key():
    result = invoke("sample-size", "--baseline", "0.10", "--mde", "0.02", "--format", "csv")
    header, row = result.stdout.splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert set(values) == PLAN_KEYS
    assert (values["n_control"], values["std"]) == ("3841", "")
    assert float(values["n_exact"]) == approx(3840.83817098037)


def test_warning_on_small_expected_counts():
    result = invoke("sample-size", "--baseline", "0.02", "--mde", "0.5", "--power", "0.5")
    assert result.exit_code == 0
    assert result.stderr.startswith("mlstats: warning: a group expects only ")
    assert invoke("sample-size", "--baseline", "0.02", "--mde", "0.5", "--power", "0.5",
                  "--quiet").stderr == ""


# -------------------------------------------------------------------------------- asserts

def test_assert_on_result_keys_passes_and_fails():
    ok = invoke("sample-size", "--baseline", "0.10", "--mde", "0.02",
                "--assert", "n_total <= 10000", "--assert", "days == 8",
                "--daily-traffic", "1000")
    assert (ok.exit_code, ok.stderr) == (0, "")
    assert "PASS n_total <= 10000 (actual: 7682)" in ok.stdout
    bad = invoke("sample-size", "--baseline", "0.10", "--mde", "0.01",
                 "--assert", "n_total <= 10000", "--json")
    n_total = plan_comparison(baseline=0.10, mde=0.01).n_total
    assert bad.exit_code == 1 and n_total > 10000
    assert bad.stderr == f"mlstats: assertion failed: n_total <= 10000 (n_total = {n_total})\n"
    assert json.loads(bad.stdout)["assertions"] == [
        {"expr": "n_total <= 10000", "status": "fail", "actual": n_total}]


def test_assert_on_power_curve_rows():
    ok = invoke("power", "--effect-size", "0.5", "--n", "32,64,128",
                "--assert", "curve.64.power >= 0.8", "--assert", "curve.32.power < 0.8")
    assert (ok.exit_code, ok.stderr) == (0, "")
    bad = invoke("power", "--effect-size", "0.5", "--n", "50", "--assert", "power >= 0.8")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("mlstats: assertion failed: power >= 0.8 (power = 0.69")


# ---------------------------------------------------------------------------------- power

def test_power_one_n_matches_r():
    record = invoke_json("power", "--baseline", "0.10", "--mde", "0.02", "--n", "2000")
    # R 4.2.2: power.prop.test(p1=.10, p2=.12, n=2000, strict=TRUE)$power
    assert record["power"] == approx(0.524515256115834)
    assert record["curve"] == [{"name": "2000", "n_control": 2000, "n_treatment": 2000,
                                "power": record["power"]}]
    assert {"effect_size", "method", "alpha", "alpha_adjusted", "ratio", "alternative",
            "arms"} <= set(record)


def test_power_curve_for_several_n():
    record = invoke_json("power", "--effect-size", "0.3", "--n", "400,100,200", "--ratio",
                         "1.5")
    assert "power" not in record
    assert [p["n_control"] for p in record["curve"]] == [100, 200, 400]
    assert [p["n_treatment"] for p in record["curve"]] == [150, 300, 600]
    # statsmodels 0.15.0: TTestIndPower().power(.3, 100, .05, ratio=1.5)
    assert record["curve"][0]["power"] == approx(0.6386472954915385)
    powers = [p["power"] for p in record["curve"]]
    assert powers == sorted(powers)


def test_power_table_draws_the_curve_for_more_than_two_sizes():
    three = invoke("power", "--baseline", "0.1", "--mde", "0.02", "--n", "1000,2000,4000")
    assert (three.exit_code, three.stderr) == (0, "")
    assert "control group size (n_control)" in three.stdout and "┤" in three.stdout
    assert three.stdout.splitlines()[1].startswith("Power from 0.2981 (n_control 1000) to ")
    two = invoke("power", "--baseline", "0.1", "--mde", "0.02", "--n", "1000,2000")
    assert two.exit_code == 0 and "┤" not in two.stdout
    as_json = invoke("power", "--baseline", "0.1", "--mde", "0.02", "--n", "1000,2000,4000",
                     "--json")
    assert "┤" not in as_json.stdout


def test_power_csv_writes_the_curve():
    result = invoke("power", "--effect-size", "0.5", "--n", "20,64", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "name,n_control,n_treatment,power"
    assert lines[2].startswith("64,64,64,0.80145955")


def test_power_plot_writes_a_png(tmp_path):
    path = tmp_path / "power.png"
    result = invoke("power", "--effect-size", "0.5", "--n", "20,40,64,100", "--plot", path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_power_plot_without_matplotlib_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    result = invoke("power", "--effect-size", "0.5", "--n", "20,40", "--plot",
                    tmp_path / "p.png")
    assert error_line(result) == ("--plot needs matplotlib: pip install '.[plot]' from a clone "
                                  "of mlstats, or pip install 'mlstats[plot]' once published")
    assert not (tmp_path / "p.png").exists()


def test_power_plot_to_a_missing_directory(tmp_path):
    path = tmp_path / "nowhere" / "p.png"
    result = invoke("power", "--effect-size", "0.5", "--n", "20,40", "--plot", path)
    assert error_line(result) == (f"cannot write '{path}': no such file or directory; check "
                                  "the path and free space")


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize(("args", "message"), [
    (["sample-size"],
     "no effect to plan for: give --baseline P --mde D (proportions), --effect-size D or "
     "--mde D --std S (means), or --std S --margin M (estimating a mean)"),
    (["sample-size", "--std", "0.5", "--margin", "0"],
     "--margin must be greater than 0 (got 0)"),
    (["sample-size", "--std", "0", "--margin", "0.05"],
     "--std must be greater than 0 (got 0)"),
    (["sample-size", "--std", "0.5", "--margin", "0.05", "--confidence", "1.5"],
     "--confidence must be between 0 and 1 (got 1.5)"),
    (["sample-size", "--std", "0.5", "--margin", "0.05", "--population", "0"],
     "--population must be at least 1 (got 0); give the number of units in the population"),
    (["sample-size", "--margin", "0.05"],
     "--margin needs --std, the standard deviation of the values (0.5 is the largest for a "
     "proportion)"),
    (["sample-size", "--std", "0.5", "--margin", "0.05", "--effect-size", "0.5"],
     "--margin conflicts with --effect-size: --margin plans an estimate, --effect-size a "
     "comparison of two groups; give one"),
    (["sample-size", "--std", "0.5", "--margin", "0.05", "--power", "0.9"],
     "--power applies to comparisons of two groups; estimation (--margin) takes --confidence, "
     "--std and --population"),
    (["sample-size", "--baseline", "0.1", "--mde", "0.02", "--confidence", "0.9"],
     "--confidence applies to estimation (--margin); a comparison of two groups takes --alpha "
     "(e.g. --alpha 0.05)"),
    (["sample-size", "--baseline", "0", "--mde", "0.02"],
     "--baseline must be between 0 and 1 (got 0)"),
    (["sample-size", "--baseline", "0.95", "--mde", "0.1"],
     "--baseline 0.95 + --mde 0.1 gives 1.05, not a proportion between 0 and 1; use an --mde "
     "below 0.05"),
    (["sample-size", "--baseline", "0.1", "--mde", "0"],
     "--mde must be greater than 0 (got 0); give the size of the change (with --alternative "
     "smaller for a decrease)"),
    (["sample-size", "--baseline", "0.1", "--effect-size", "0.5"],
     "--effect-size conflicts with --baseline: --effect-size (Cohen's d) plans a difference in "
     "means, --baseline a difference in proportions; give one of them"),
    (["sample-size", "--effect-size", "-0.5"],
     "--effect-size must be greater than 0 (got -0.5)"),
    (["sample-size", "--mde", "2"],
     "--mde needs --baseline P (a change in a proportion) or --std S (a change in a mean with "
     "standard deviation S)"),
    (["sample-size", "--effect-size", "0.5", "--alpha", "0"],
     "--alpha must be between 0 and 1 (got 0)"),
    (["sample-size", "--effect-size", "0.5", "--power", "1.2"],
     "--power must be between 0 and 1 (got 1.2)"),
    (["sample-size", "--effect-size", "0.5", "--power", "0.05"],
     "--power must be greater than --alpha (got power 0.05, alpha 0.05): a test rejects with "
     "probability alpha even without an effect; raise --power"),
    (["sample-size", "--effect-size", "0.5", "--ratio", "-1"],
     "--ratio must be greater than 0 (got -1); it is the treatment group's size over the "
     "control group's"),
    (["sample-size", "--effect-size", "0.5", "--arms", "1"],
     "--arms must be at least 2 (got 1); it counts every group, the control included"),
    (["sample-size", "--effect-size", "0.5", "--daily-traffic", "0"],
     "--daily-traffic must be at least 1 (got 0); it counts the units entering the experiment "
     "per day, all groups together"),
    (["sample-size", "--effect-size", "0.5", "--method", "pooled"],
     "--method pooled applies to proportions (--baseline); a difference in means is planned "
     "with the t-test: drop --method"),
    (["sample-size", "--effect-size", "0.5", "--n", "100"],
     "--n conflicts with --effect-size: give --n to find the smallest detectable effect, or "
     "--effect-size to find n (mlstats power gives the power of both)"),
    (["sample-size", "--effect-size", "10"],
     "--effect-size 10 is so large that fewer than 2 units per group reach power 0.8: n below "
     "2 is not a plan; give a smaller effect or more --power"),
    (["sample-size", "--baseline", "0.9", "--n", "10"],
     "with --n 10 no increase from --baseline 0.9 that stays a proportion reaches power 0.8; "
     "raise --n"),
    (["sample-size", "--baseline", "0.1", "--mde", "0.02", "--method", "exact"],
     "invalid value for '--method': 'exact' is not one of 'pooled', 'arcsine'; see mlstats "
     "sample-size --help"),
    (["sample-size", "--effect-size", "0.5", "--alternative", "less"],
     "invalid value for '--alternative': 'less' is not one of 'two-sided', 'larger', "
     "'smaller'; see mlstats sample-size --help"),
    (["power", "--effect-size", "0.5"],
     "missing option '--n'; see mlstats power --help"),
    (["power", "--effect-size", "0.5", "--n", "100,1e3"],
     "--n takes whole numbers separated by commas (got '1e3'), e.g. --n 100,200,400"),
    (["power", "--effect-size", "0.5", "--n", ","],
     "--n needs at least one control-group size, e.g. --n 100,200,400"),
    (["power", "--effect-size", "0.5", "--n", "1,10"],
     "--n must be at least 2 per group (got 1)"),
    (["power", "--effect-size", "0.5", "--n", "10", "--ratio", "0.1"],
     "--n 10 with --ratio 0.1 gives the treatment group 1 unit; each group needs at least 2: "
     "raise --n"),
    (["power", "--n", "100"],
     "no effect to plan for: give --baseline P --mde D (proportions), --effect-size D or "
     "--mde D --std S (means), or --std S --margin M (estimating a mean)"),
    (["power", "--n", "100", "--baseline", "0.1", "--effect-size", "0.2"],
     "--effect-size conflicts with --baseline: --effect-size (Cohen's d) plans a difference in "
     "means, --baseline a difference in proportions; give one of them"),
    (["power", "--n", "100", "--baseline", "0.1", "--mde", "0.95"],
     "--baseline 0.1 + --mde 0.95 gives 1.05, not a proportion between 0 and 1; use an --mde "
     "below 0.9"),
    (["power", "--n", "100", "--effect-size", "0.5", "--alpha", "2"],
     "--alpha must be between 0 and 1 (got 2)"),
])
def test_bad_input_is_one_line_exit_2(args, message):
    assert error_line(invoke(*args)) == message


# ------------------------------------------------------------------------------ start-up

_PROBE = """
import sys
sys.argv = ["mlstats", *sys.argv[1:]]
from mlstats.cli.app import run
code = run()
heavy = ("pandas", "pyarrow", "numpy", "scipy", "scipy.stats", "scipy.optimize")
sys.stderr.write(" ".join(m for m in heavy if m in sys.modules) + f"|{code}")
"""


def _loaded(*args: str) -> tuple[set[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          env=env, timeout=60, text=True)
    modules, code = done.stderr.rsplit("|", 1)
    return set(modules.split()), code


def test_proportion_planning_imports_neither_pandas_nor_scipy():
    modules, code = _loaded("sample-size", "--baseline", "0.10", "--mde", "0.02")
    assert (modules, code) == (set(), "0")
    modules, code = _loaded("sample-size", "--std", "0.5", "--margin", "0.05")
    assert (modules, code) == (set(), "0")


def test_means_planning_imports_scipy_special_only():
    modules, code = _loaded("power", "--effect-size", "0.5", "--n", "64")
    assert code == "0"
    assert "pandas" not in modules and "scipy.stats" not in modules
    assert "scipy.optimize" not in modules


# ------------------------------------------------------- extreme inputs (review, issue 4)

BIG = str(10**400)  # Typer takes it as an int; int → float overflowed (exit 3)


@pytest.mark.parametrize(("args", "message"), [
    (["sample-size", "--std", "1e300", "--margin", "1e-300"],
     "--std 1e+300 with --margin 1e-300 needs more rows than a number can hold; give a larger "
     "--margin"),
    (["sample-size", "--baseline", "0.1", "--mde", "0.02", "--arms", BIG],
     f"--arms must be at most 1e+15 (got {BIG}); it counts every group, the control included"),
    (["sample-size", "--baseline", "0.1", "--n", BIG],
     f"--n must be at most 1e+15 per group (got {BIG})"),
    (["power", "--effect-size", "0.5", "--n", "100,1000000000000001"],
     "--n must be at most 1e+15 per group (got 1000000000000001)"),
    (["sample-size", "--effect-size", "0.5", "--alpha", "5e-324"],
     "--alpha 4.94065645841247e-324 tests at 4.94065645841247e-324, below 1e-300: no tail "
     "that far out is computed reliably; raise --alpha"),
    (["sample-size", "--baseline", "0.1", "--mde", "0.02", "--ratio", "1e15"],
     "--ratio 1e+15 is too lopsided: with 2 units in the smaller group the larger would hold "
     "more than 1e+15; give a --ratio nearer 1"),
])
def test_domain_edges_exit_2_in_one_line(args, message):
    assert error_line(invoke(*args)) == message


def test_huge_population_and_extreme_confidence_are_answered():
    record = invoke_json("sample-size", "--std", "0.5", "--margin", "0.05", "--population", BIG)
    assert record["n"] == 385
    # 0.5 + c/2 rounded to 1.0: the normal quantile raised (exit 3)
    record = invoke_json("sample-size", "--std", "1", "--margin", "1", "--confidence",
                         "0.9999999999999999")
    assert record["z"] == approx(8.2923610758135955382)  # mpmath: sqrt(2)*erfinv(c)
    assert record["n"] == 69
    # a margin far wider than the spread still needs one row, not 0
    assert invoke_json("sample-size", "--std", "1e-300", "--margin", "1e300")["n"] == 1


def test_power_is_a_probability_at_a_tiny_alpha():
    # SciPy's stdtrit gave +inf for ν = 6 at p = 5e-301: power 2, and a detectable effect of 0
    result = invoke("power", "--effect-size", "1", "--n", "4", "--alpha", "1e-300",
                    "--format", "csv")
    assert (result.exit_code, result.stderr) == (0, "")
    header, row = result.stdout.splitlines()
    assert header == "name,n_control,n_treatment,power"
    assert 0 <= float(row.split(",")[3]) < 1e-290
    result = invoke("sample-size", "--n", "4", "--alpha", "1e-300")
    assert error_line(result) == ("no effect below 10000 standard deviations reaches power 0.8 "
                                  "with --n 4; raise --n")


def test_power_near_one_plans_exactly():
    record = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02", "--power",
                         "0.9999999999999999")
    # mpmath 1.4.1: findroot(1 - pooled_power_mp(.1, .12, n, n) - 2**-53) (was 50730.67)
    assert record["n_exact"] == approx(50581.724317792791)
    assert record["n_control"] == 50582


def test_relative_mde_passes_an_exact_assert():
    result = invoke("sample-size", "--baseline", "0.1", "--mde", "0.2", "--relative",
                    "--assert", "mde_relative == 0.2", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["mde_relative"] == 0.2


# -- group-sequential plans (issue 14) ------------------------------------------------------------
def test_looks_plan_boundaries_and_inflated_sizes():
    record = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02", "--looks", "5")
    fixed = invoke_json("sample-size", "--baseline", "0.10", "--mde", "0.02")
    assert (record["looks"], record["spending"]) == (5, "obrien-fleming")
    assert record["n_exact"] == pytest.approx(fixed["n_exact"] * record["inflation_factor"],
                                              rel=1e-15)
    assert record["n_control"] == 3936 > fixed["n_control"]
    assert [b["look"] for b in record["boundaries"]] == [1, 2, 3, 4, 5]
    assert set(record["boundaries"][0]) == {"name", "look", "information", "z", "alpha_spent"}
    # gsDesign/rpact tables (two-sided 0.05 = each side 0.025, OF-type): 4.877 … 2.031
    assert [round(b["z"], 3) for b in record["boundaries"]] == [4.877, 3.357, 2.680, 2.290,
                                                               2.031]
    assert record["boundaries"][-1]["alpha_spent"] == 0.05


@pytest.mark.parametrize(("args", "message"), [
    (("--baseline", "0.1", "--mde", "0.02", "--looks", "1"),
     "--looks must be at least 2 (got 1); one look is the fixed-horizon plan: drop --looks"),
    (("--baseline", "0.1", "--mde", "0.02", "--spending", "pocock"),
     "--spending applies to a group-sequential plan: add --looks K (the number of planned "
     "looks), or drop --spending"),
    (("--baseline", "0.1", "--n", "500", "--looks", "3"),
     "--looks plans the sample size of a group-sequential test; with --n there is nothing "
     "to plan: drop --n or --looks"),
])
def test_looks_errors_are_one_line(args, message):
    result = invoke("sample-size", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"
