"""`mlstats sample-size`: how many rows to estimate a mean, or units to compare two groups.

The effect options are declared here once and shared with `mlstats power`.
"""

import enum
from typing import Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.options import Alternative, OutputOptions, command

ESTIMATION_PANEL = "Estimation (a mean to within ±margin)"
EFFECT_PANEL = "Comparison: the effect to detect"
TEST_PANEL = "Comparison: the test and the plan"


class Method(enum.StrEnum):
    pooled = "pooled"
    arcsine = "arcsine"


class Spending(enum.StrEnum):
    obrien_fleming = "obrien-fleming"
    pocock = "pocock"


BaselineOpt = Annotated[float | None, typer.Option(
    help="Control-group proportion (conversion rate), between 0 and 1: plans proportions.",
    rich_help_panel=EFFECT_PANEL)]
MdeOpt = Annotated[float | None, typer.Option(
    help="Minimum detectable effect: the change to detect, > 0 (a decrease with "
    "--alternative smaller); absolute, or relative to --baseline with --relative.",
    rich_help_panel=EFFECT_PANEL)]
RelativeOpt = Annotated[bool, typer.Option(
    "--relative", help="--mde is relative to --baseline (0.2 = +20 %).",
    rich_help_panel=EFFECT_PANEL)]
EffectSizeOpt = Annotated[float | None, typer.Option(
    help="Cohen's d, > 0: plans a difference in means in standard deviations.",
    rich_help_panel=EFFECT_PANEL)]
MethodOpt = Annotated[Method | None, typer.Option(
    help="Proportions: pooled (R power.prop.test) or arcsine (Cohen's h, R pwr.2p.test).",
    show_default="pooled", rich_help_panel=TEST_PANEL)]
RatioOpt = Annotated[float, typer.Option(
    help="Treatment group size / control group size.", rich_help_panel=TEST_PANEL)]
AlternativeOpt = Annotated[Alternative, typer.Option(
    help="Two-sided, or one-sided for an increase (larger) or a decrease (smaller).",
    rich_help_panel=TEST_PANEL)]
ArmsOpt = Annotated[int, typer.Option(
    help="Groups in all (one control, arms − 1 variants); alpha is split over the variants "
    "(Bonferroni).", rich_help_panel=TEST_PANEL)]


@command(app, "sample-size", reads=False,
         example="mlstats sample-size --baseline 0.10 --mde 0.02 --daily-traffic 1000")
def sample_size_command(
    confidence: Annotated[float | None, typer.Option(
        help="Confidence level of the estimate, between 0 and 1.", show_default="0.95",
        rich_help_panel=ESTIMATION_PANEL)] = None,
    std: Annotated[float | None, typer.Option(
        help="Standard deviation of the values (estimation, or a difference in means with "
        "--mde); 0.5 is the largest for a proportion.", rich_help_panel=ESTIMATION_PANEL)]
    = None,
    margin: Annotated[float | None, typer.Option(
        help="Margin of error: the estimate within ±margin.",
        rich_help_panel=ESTIMATION_PANEL)] = None,
    population: Annotated[int | None, typer.Option(
        help="Population size: applies the finite-population correction.",
        rich_help_panel=ESTIMATION_PANEL)] = None,
    baseline: BaselineOpt = None,
    mde: MdeOpt = None,
    relative: RelativeOpt = False,
    effect_size: EffectSizeOpt = None,
    n: Annotated[int | None, typer.Option(
        "--n", help="Control-group size: solve for the minimum detectable effect instead.",
        rich_help_panel=EFFECT_PANEL)] = None,
    method: MethodOpt = None,
    alpha: Annotated[float | None, typer.Option(
        help="Significance level, between 0 and 1.", show_default="0.05",
        rich_help_panel=TEST_PANEL)] = None,
    power: Annotated[float | None, typer.Option(
        help="Wanted power (1 − type II error rate), between alpha and 1.",
        show_default="0.8", rich_help_panel=TEST_PANEL)] = None,
    ratio: Annotated[float | None, typer.Option(
        help="Treatment group size / control group size.", show_default="1.0",
        rich_help_panel=TEST_PANEL)] = None,
    alternative: Annotated[Alternative | None, typer.Option(
        help="Two-sided, or one-sided for an increase (larger) or a decrease (smaller).",
        show_default="two-sided", rich_help_panel=TEST_PANEL)] = None,
    arms: Annotated[int | None, typer.Option(
        help="Groups in all (one control, arms − 1 variants); alpha is split over the "
        "variants (Bonferroni).", show_default="2", rich_help_panel=TEST_PANEL)] = None,
    daily_traffic: Annotated[int | None, typer.Option(
        help="Units entering the experiment per day, all groups together: adds days.",
        rich_help_panel=TEST_PANEL)] = None,
    looks: Annotated[int | None, typer.Option(
        metavar="K", help="Plan a group-sequential test with K equally spaced looks (≥ 2): "
        "boundaries and the inflated maximum size.", rich_help_panel=TEST_PANEL)] = None,
    spending: Annotated[Spending | None, typer.Option(
        help="Lan–DeMets alpha spending for --looks.", show_default="obrien-fleming",
        rich_help_panel=TEST_PANEL)] = None,
    *, out: OutputOptions,
) -> None:
    """Sample size: to estimate a mean (--std --margin), or to compare two groups.

    Proportions: --baseline P --mde D [--relative]. Means: --effect-size D, or --mde D --std S.
    With --n instead of an effect: the minimum detectable effect.
    """
    from mlstats.cli._emit import emit
    from mlstats.stats.planning import EstimationResult, sample_size

    result = sample_size(
        confidence=confidence, std=std, margin=margin, population=population,
        baseline=baseline, mde=mde, relative=relative, effect_size=effect_size, n=n,
        method=method.value if method else None, alpha=alpha, power=power, ratio=ratio,
        alternative=alternative.value if alternative else None, arms=arms,
        daily_traffic=daily_traffic, looks=looks, spending=spending.value if spending else None,
    )
    if isinstance(result, EstimationResult):
        summary = estimation_summary(result)
    elif result.n_exact is None:
        summary = mde_summary(result)
    else:
        summary = plan_summary(result)
    emit("sample-size", result, out, summary=summary)


# Sentences for the table and Markdown views: formatting only, every number comes from stats.

def estimation_summary(r) -> str:
    text = (f"{r.n} rows estimate a mean to within ±{r.margin:g} with confidence "
            f"{r.confidence:g} (std {r.std:g})")
    if r.population is not None:
        text += f", from a population of {r.population}"
    return text + _days_phrase(r) + "."


def effect_phrase(r) -> str:
    """The effect in words: '+0.02 from 0.1 (relative +20%)' or 'd = 0.5'."""
    sign = "-" if r.alternative == "smaller" else "+"
    if r.baseline is not None:
        return (f"a change of {sign}{r.mde:.4g} from {r.baseline:g} "
                f"(relative {sign}{r.mde_relative:.1%}, Cohen's h {r.effect_size:.4g})")
    if r.std is not None:
        return f"a difference of {sign}{r.mde:.4g} (std {r.std:g}, Cohen's d {r.effect_size:.4g})"
    return f"Cohen's d = {r.effect_size:.4g}"


def design_phrase(r) -> str:
    per = f" per comparison with the control, {r.arms} arms" if r.arms > 2 else ""
    return f"at alpha {r.alpha_adjusted:g}{per}, {r.alternative}"


def treated_phrase(arms: int) -> str:
    return "in the treatment group" if arms == 2 else "in each variant"


def sizes_phrase(r) -> str:
    return (f"{r.n_control} in the control group, {r.n_treatment} {treated_phrase(r.arms)}, "
            f"{r.n_total} in total")


def plan_summary(r) -> str:
    if getattr(r, "looks", None) is None:
        return (f"To detect {effect_phrase(r)} with power {r.power:g} {design_phrase(r)}: "
                f"{sizes_phrase(r)}{_days_phrase(r)}.")
    spending = "O'Brien–Fleming" if r.spending == "obrien-fleming" else "Pocock"
    side = "|z|" if r.alternative == "two-sided" else "z"
    first, last = r.boundaries[0].z, r.boundaries[-1].z
    return (f"To detect {effect_phrase(r)} with power {r.power:g} {design_phrase(r)}, over "
            f"{r.looks} equally spaced looks ({spending}-type spending): at most "
            f"{sizes_phrase(r)}{_days_phrase(r)} ({r.inflation_factor:.4g} × the fixed "
            f"size); stop at look 1 when {side} reaches {first:.4g}, at the last when it "
            f"reaches {last:.4g}.")


def mde_summary(r) -> str:
    return (f"With {sizes_phrase(r)}, the smallest effect detectable with power {r.power:g} "
            f"{design_phrase(r)}, is {effect_phrase(r)}{_days_phrase(r)}.")


def _days_phrase(r) -> str:
    if r.days is None:
        return ""
    return f"; {r.days} day{'s' if r.days != 1 else ''} at {r.daily_traffic} a day"
