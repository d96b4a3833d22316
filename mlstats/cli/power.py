"""`mlstats power`: the power of a two-group test at given group sizes, and its curve."""

from typing import Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    AlphaOpt,
    Alternative,
    OutputOptions,
    PlotOpt,
    command,
    parse_list,
)
from mlstats.cli.sample_size import (
    EFFECT_PANEL,
    AlternativeOpt,
    ArmsOpt,
    BaselineOpt,
    EffectSizeOpt,
    MdeOpt,
    MethodOpt,
    RatioOpt,
    RelativeOpt,
)
from mlstats.errors import InputError


@command(app, "power", reads=False,
         example="mlstats power --baseline 0.10 --mde 0.02 --n 1000,2000,4000,8000")
def power_command(
    n: Annotated[str, typer.Option(
        "--n", help="Control-group size, or several separated by commas (100,200,400) for a "
        "power curve.", show_default=False)],
    baseline: BaselineOpt = None,
    mde: MdeOpt = None,
    relative: RelativeOpt = False,
    effect_size: EffectSizeOpt = None,
    std: Annotated[float | None, typer.Option(
        help="Standard deviation of the metric, with --mde: plans a difference in means.",
        rich_help_panel=EFFECT_PANEL)] = None,
    method: MethodOpt = None,
    alpha: AlphaOpt = 0.05,
    ratio: RatioOpt = 1.0,
    alternative: AlternativeOpt = Alternative.two_sided,
    arms: ArmsOpt = 2,
    plot: PlotOpt = None,
    *, out: OutputOptions,
) -> None:
    """Power of a two-group test at each control-group size --n (treatment: ratio × n).

    The same effect options as sample-size. Several sizes give a power curve, drawn in the
    table view and saved by --plot.
    """
    from mlstats.cli._emit import emit
    from mlstats.cli.sample_size import design_phrase, effect_phrase, treated_phrase
    from mlstats.render.charts import line_chart
    from mlstats.stats.planning import PowerResult, power_curve

    result = power_curve(
        n=_sizes(n), baseline=baseline, mde=mde, relative=relative, effect_size=effect_size,
        std=std, method=method.value if method else None, alpha=alpha, ratio=ratio,
        alternative=alternative.value, arms=arms,
    )
    first, last = result.curve[0], result.curve[-1]
    if isinstance(result, PowerResult):
        summary = (f"Power {result.power:.4g} with {first.n_control} in the control group and "
                   f"{first.n_treatment} {treated_phrase(result.arms)}, to detect "
                   f"{effect_phrase(result)} "
                   f"{design_phrase(result)}.")
    else:
        summary = (f"Power from {first.power:.4g} (n_control {first.n_control}) to "
                   f"{last.power:.4g} (n_control {last.n_control}), to detect "
                   f"{effect_phrase(result)} {design_phrase(result)}.")
    xs = [point.n_control for point in result.curve]
    ys = [point.power for point in result.curve]
    figure = (line_chart(xs, ys, x_label="control group size (n_control)", y_label="power")
              if len(xs) > 2 else None)
    if plot is not None:
        _save_plot(xs, ys, plot, title=f"Power to detect {effect_phrase(result)}")
    emit("power", result, out, main="curve", summary=summary, figure=figure)


def _sizes(text: str) -> list[int]:
    """`--n 100,200,400` → [100, 200, 400]; anything but whole numbers is an error."""
    sizes = []
    for part in parse_list(text):
        try:
            sizes.append(int(part))
        except ValueError:
            raise InputError(f"--n takes whole numbers separated by commas (got '{part}'), "
                             "e.g. --n 100,200,400") from None
    if not sizes:
        raise InputError("--n needs at least one control-group size, e.g. --n 100,200,400")
    return sizes


def _save_plot(xs: list[int], ys: list[float], path: str, *, title: str) -> None:
    from mlstats.render.plot import pyplot, save_figure

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(xs, ys, marker="o")
    axes.set_xlabel("control group size (n_control)")
    axes.set_ylabel("power")
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.set_title(title, fontsize=9)
    save_figure(figure, path)
