"""`mlstats ab-test`: did the variant beat the control?"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    AlphaOpt,
    Alternative,
    OutputOptions,
    ReadOptions,
    ResamplesOpt,
    SeedOpt,
    command,
    resolve_seed,
)

if TYPE_CHECKING:
    from mlstats.io import Table
    from mlstats.stats.abtest import ABTestResult


class Test(enum.StrEnum):
    auto = "auto"
    z = "z"
    chi2 = "chi2"
    fisher = "fisher"
    welch = "welch"
    student = "student"
    mannwhitney = "mannwhitney"
    permutation = "permutation"


class CIMethod(enum.StrEnum):
    wald = "wald"
    newcombe = "newcombe"
    agresti_caffo = "agresti-caffo"


class Correction(enum.StrEnum):
    holm = "holm"
    bonferroni = "bonferroni"
    hochberg = "hochberg"
    bh = "bh"
    by = "by"
    none = "none"


RATIO_PANEL = "Ratio metrics and units"
SEQUENTIAL_PANEL = "Sequential and Bayesian readings"

_CORRECTION_NAMES = {"holm": "Holm", "bonferroni": "Bonferroni", "hochberg": "Hochberg",
                     "bh": "BH", "by": "BY"}


@command(app, "ab-test",
         example="mlstats ab-test sample_data/toothgrowth.csv --group supp --metric len")
def ab_test_command(
    group: Annotated[str | None, typer.Option(
        help="Column holding each row's group (control and variants).")] = None,
    metric: Annotated[str | None, typer.Option(
        help="Outcome column: two values (0/1, true/false, yes/no) give proportions, other "
        "numbers give means.")] = None,
    control: Annotated[str | None, typer.Option(
        help="The control group (default: a group named control, any case, else the first "
        "group in order of appearance).")] = None,
    counts: Annotated[list[str] | None, typer.Option(
        "--counts", metavar="NAME=SUCCESSES/TOTAL",
        help="Groups from counts alone, e.g. A=120/1000 (repeat, or A=120/1000,B=150/1000; "
        "no INPUT).")] = None,
    means: Annotated[list[str] | None, typer.Option(
        "--means", metavar="NAME=N/MEAN/STD",
        help="Groups from summaries alone, e.g. A=500/12.5/3.2 (repeat, or comma-separated; "
        "welch or student).")] = None,
    test: Annotated[Test, typer.Option(
        help="auto is z for proportions and welch for means; chi2 has Yates' correction "
        "(R prop.test).")] = Test.auto,
    alternative: Annotated[Alternative, typer.Option(
        help="larger: the variant is above the control; smaller: below.")]
    = Alternative.two_sided,
    alpha: AlphaOpt = 0.05,
    ci_method: Annotated[CIMethod, typer.Option(
        help="Interval for a difference of proportions.")] = CIMethod.wald,
    correction: Annotated[Correction, typer.Option(
        case_sensitive=False,
        help="P-value adjustment when several variants face the control (R p.adjust).")]
    = Correction.holm,
    expected_ratio: Annotated[str | None, typer.Option(
        metavar="A:B[:C…]",
        help="Planned split of the groups, e.g. 50:50, checked for sample ratio mismatch.")]
    = None,
    covariate: Annotated[str | None, typer.Option(
        help="Pre-experiment value of the metric per row: CUPED variance reduction.")] = None,
    denominator: Annotated[str | None, typer.Option(
        help="Ratio metric: the metric's sum over this column's sum per group (e.g. revenue "
        "per session), by the delta method.", rich_help_panel=RATIO_PANEL)] = None,
    covariate_denominator: Annotated[str | None, typer.Option(
        help="CUPED for a ratio metric: the denominator of the pre-experiment ratio "
        "(--covariate is its numerator).", rich_help_panel=RATIO_PANEL)] = None,
    unit: Annotated[str | None, typer.Option(
        help="Rows are events: sum them per unit (e.g. user) first, and treat units as "
        "independent.", rich_help_panel=RATIO_PANEL)] = None,
    sequential: Annotated[bool, typer.Option(
        "--sequential", help="Always-valid confidence sequences and p-values: look as often "
        "as you like (GrowthBook's engine).", rich_help_panel=SEQUENTIAL_PANEL)] = False,
    sequential_tuning: Annotated[float, typer.Option(
        metavar="N", help="Units (both groups) where the confidence sequence is tightest.",
        rich_help_panel=SEQUENTIAL_PANEL)] = 5000,
    bayesian: Annotated[bool, typer.Option(
        "--bayesian", help="Chance to win, expected loss and a credible interval of the "
        "lift (GrowthBook's Gaussian engine).", rich_help_panel=SEQUENTIAL_PANEL)] = False,
    prior_mean: Annotated[float | None, typer.Option(
        metavar="M", help="Mean of a Gaussian prior on the relative lift (default: flat).",
        rich_help_panel=SEQUENTIAL_PANEL)] = None,
    prior_std: Annotated[float | None, typer.Option(
        metavar="S", help="Standard deviation of that prior, > 0, e.g. 0.3.",
        rich_help_panel=SEQUENTIAL_PANEL)] = None,
    resamples: ResamplesOpt = 9999,
    seed: SeedOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """A/B test: compare each variant with the control (proportions or means)."""
    from mlstats.cli._emit import emit
    from mlstats.errors import InputError
    from mlstats.io import read_table
    from mlstats.render.progress import progress
    from mlstats.stats import abtest

    seed = resolve_seed(seed, random=test is Test.permutation)
    settings = {
        "control": control, "test": test.value, "alternative": alternative.value,
        "alpha": alpha, "ci_method": ci_method.value, "correction": correction.value,
        "expected_ratio": expected_ratio, "resamples": resamples, "seed": seed,
        "sequential": sequential, "sequential_tuning": sequential_tuning,
        "bayesian": bayesian, "prior_mean": prior_mean, "prior_std": prior_std,
    }
    if counts or means:
        _refuse_data_options(counts, means, {
            "INPUT": read.source, "--group": group, "--metric": metric,
            "--covariate": covariate, "--denominator": denominator,
            "--covariate-denominator": covariate_denominator, "--unit": unit})
        summaries = abtest.parse_counts(counts) if counts else abtest.parse_means(means)
        work = abtest.resample_work(test.value, len(summaries), resamples, cuped=False)
        with progress(work, "permutation test", quiet=out.quiet or not work) as advance:
            result = abtest.ab_test_summaries(summaries, progress=advance, **settings)
        emit("ab-test", result.as_record(), out, main="comparisons",
             summary=summary_sentence(result), seed=seed)
        return
    if group is None or metric is None:
        missing = " and ".join(o for o, v in (("--group", group), ("--metric", metric)) if not v)
        raise InputError(f"{missing} missing: give INPUT with --group and --metric, or "
                         "--counts/--means for summaries; see mlstats ab-test --help")
    if read.engine in ("duckdb", "spark"):
        _ab_test_engine(group, metric, covariate, read=read, out=out, settings=settings,
                        ratio={"--denominator": denominator,
                               "--covariate-denominator": covariate_denominator,
                               "--unit": unit})
        return
    table = read_table(read)
    extra = {"covariate": covariate, "denominator": denominator,
             "covariate_denominator": covariate_denominator, "unit": unit}
    given = {key: name for key, name in extra.items() if name}
    used = dict(zip(["group", "metric", *given],
                    table.resolve_many([group, metric, *given.values()]), strict=True))
    table.drop_missing(list(used.values()))
    codes, labels = table.codes(used["group"])
    binary, values = _metric_values(table, used["metric"])
    numbers = {key: table.numeric(used[key]) for key in given if key != "unit"}
    units = table.codes(used["unit"]) if "unit" in used else (None, None)
    work = abtest.resample_work(test.value, len(labels), resamples, cuped=bool(covariate))
    with progress(work, "permutation test", quiet=out.quiet or not work) as advance:
        result = abtest.ab_test_rows(codes, labels, values, binary=binary, unit=units[0],
                                     unit_labels=units[1], progress=advance, **numbers,
                                     **settings)
    emit("ab-test", result.as_record(), out, table=table, main="comparisons",
         summary=summary_sentence(result), seed=seed)


def _ab_test_engine(group: str, metric: str, covariate: str | None, *, read: ReadOptions,
                    out: OutputOptions, settings: dict, ratio: dict[str, str | None]) -> None:
    from mlstats.cli._emit import emit
    from mlstats.engines import open_duckdb, open_spark, refuse
    from mlstats.stats import abtest

    for option, value in ratio.items():
        if value is not None:
            raise refuse(read.engine, option)
    if settings["test"] == "permutation":
        raise refuse(read.engine, "--test permutation")
    options = abtest.check_options(**settings)
    if read.engine == "spark":
        from mlstats.engines.spark_summaries import abtest_summaries
    else:
        from mlstats.engines.duckdb_summaries import abtest_summaries
    with (open_spark if read.engine == "spark" else open_duckdb)(read) as src:
        found = abtest_summaries(src, src.resolve(group), src.resolve(metric),
                                 src.resolve(covariate) if covariate is not None else None)
        result = abtest.ab_test_groups(
            found["labels"], found["summaries"], options=options, control=settings["control"],
            ratio=abtest.check_ratio(settings["expected_ratio"], found["labels"]),
            expected_ratio=settings["expected_ratio"], scale=found["scale"],
            x_scale=found["x_scale"], x_range=found["x_range"], samples=found["samples"],
            binary=found["binary"])
    emit("ab-test", result.as_record(), out, table=src, main="comparisons",
         summary=summary_sentence(result), seed=settings["seed"])


def _refuse_data_options(counts: list[str] | None, means: list[str] | None,
                        given: dict[str, str | None]) -> None:
    """--counts/--means stand in for the data: refuse a mixture."""
    from mlstats.errors import InputError

    if counts and means:
        raise InputError("--counts and --means cannot be combined; give proportions or "
                         "means, one kind per run")
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        option = "--counts" if counts else "--means"
        raise InputError(f"{option} replaces the data file, so {', '.join(extra)} cannot be "
                         f"used with it; give either {option} or INPUT with --group and "
                         "--metric")


def _metric_values(table: Table, name: str):
    """(two-valued?, values): yes/no and true/false text become 0/1; other text must be
    numbers (Table.numeric names a bad value and its line)."""
    from mlstats.stats.abtest import is_two_valued, two_valued_labels

    if not table.is_numeric(name):
        codes, labels = table.codes(name)
        success = two_valued_labels(labels)
        if success is not None:
            return True, success[codes]
    values = table.numeric(name)
    return is_two_valued(values), values


_TEST_NAMES = {"z": "pooled two-proportion z-test", "chi2": "chi-square test with Yates' "
               "correction", "fisher": "Fisher's exact test", "welch": "Welch's t-test",
               "student": "Student's t-test", "mannwhitney": "Mann–Whitney U test",
               "permutation": "permutation test"}
_SIDES = {"two-sided": "two-sided", "larger": "one-sided (variant larger)",
          "smaller": "one-sided (variant smaller)"}
_RULES = {"given": "given by --control", "named": "the group named control",
          "first": "the first group in order of appearance"}


def method_sentence(result: ABTestResult) -> str:
    """Which test, which side, and which group is the control and why."""
    from mlstats.stats.abtest import RatioGroup

    test = _TEST_NAMES[result.test]
    if result.resamples is not None:
        test += f" ({result.resamples} resamples)"
    if result.groups and isinstance(result.groups[0], RatioGroup):
        test += " on the ratio metric (delta method)"
    if result.theta is not None:
        test += " on CUPED-adjusted values"
    test = f"{test[0].upper()}{test[1:]}, {_SIDES[result.alternative]}"
    if result.sequential_tuning is not None:
        test += (", with always-valid confidence sequences (tightest at "
                 f"{result.sequential_tuning:g} units)")
    text = f"{test}; control {result.control} ({_RULES[result.control_rule]})"
    if result.units is not None:
        text += f"; {result.units} units"
    return text + "."


def summary_sentence(result: ABTestResult) -> str:
    """The method sentence, then one plain sentence per comparison: which way, by how much
    (relative, then the absolute difference with its interval, the one the test agrees
    with — the confidence sequence with --sequential), whether significant, and the
    Bayesian reading when asked."""
    import math

    level = f"{(1 - result.alpha) * 100:g} %"
    proportions = result.ci_method is not None
    sequential = result.sequential_tuning is not None
    adjusted = (f"{_CORRECTION_NAMES[result.correction]}-adjusted "
                if result.family_size > 1 and result.correction != "none" else "")
    kind = "confidence sequence" if sequential else "CI"
    parts = []
    for c in result.comparisons:
        low, high = ((c.sequential.cs_low, c.sequential.cs_high) if sequential
                     else (c.ci_low, c.ci_high))
        if math.isnan(low):
            interval = f"{level} {kind} undefined"
        elif proportions:  # percentage points
            interval = f"{level} {kind} {low * 100:+.2f} to {high * 100:+.2f}"
        else:
            interval = f"{level} {kind} {low:+.4g} to {high:+.4g}"
        delta = (f"{c.diff * 100:+.2f} points" if proportions else f"{c.diff:+.4g}")
        delta += f" ({interval})"
        # which way follows diff, not lift: with a negative control mean they disagree
        if math.isnan(c.lift):
            text = (f"{c.name} differs from {c.control} by {delta}; no lift, as "
                    f"{c.control}'s mean is 0")
        elif c.diff == 0:
            text = (f"{c.name} converts the same as {c.control}" if proportions
                    else f"{c.name}'s mean equals {c.control}'s") + f": {delta}"
        elif proportions:
            way = "better" if c.diff > 0 else "worse"
            text = f"{c.name} converts {abs(c.lift) * 100:.1f} % {way} than {c.control}: {delta}"
        else:
            way = "higher" if c.diff > 0 else "lower"
            text = (f"{c.name}'s mean is {abs(c.lift) * 100:.1f} % {way} than {c.control}'s: "
                    f"{delta}")
        if c.significant is None:
            text += "; the test is undefined (see the warnings)"
        else:
            word = "significant" if c.significant else "not significant"
            which = "sequential " if sequential else ""
            text += f"; {word} at α = {result.alpha:g} ({adjusted}{which}p = {c.p_adjusted:.3g})"
        if c.bayesian is not None and not math.isnan(c.bayesian.chance_to_win):
            text += (f"; chance to beat {c.control} {c.bayesian.chance_to_win * 100:.1f} %, "
                     f"expected loss {c.bayesian.expected_loss * 100:.2g} % of "
                     f"{c.control}'s mean")
        parts.append(text)
    sentence = method_sentence(result) + " " + "; ".join(parts)
    if result.variance_reduction is not None and not math.isnan(result.variance_reduction):
        sentence += (f"; CUPED removed {result.variance_reduction * 100:.1f} % of the "
                     "variance")
    return sentence
