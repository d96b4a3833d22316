"""The table view of `regression`, laid out as R's summary(lm) and summary(glm) print it: the
coefficients table first (estimate, std.error, t or z value, Pr(>|t|), significance stars),
the fit statistics in a compact block under it, then ANOVA, residuals, diagnostics and the
rest; the settings follow in the generic key/value block. JSON, CSV and Markdown are unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from mlstats.render.text import display, visible

# Keys the head shows; the generic body leaves them out.
_SHOWN = {"coefficients", "r2", "adj_r2", "f_statistic", "f_p_value", "residual_std_error",
          "aic", "bic", "log_likelihood", "rmse", "mae", "cv_r2", "cv_mse", "residuals",
          "diagnostics", "influential", "anova", "anova_type", "levels", "vif", "predictions",
          "pseudo_r2", "deviance", "null_deviance", "ll_null", "classification"}
_SETTINGS_IF_SET = ("formula", "weights", "anova_type", "seed")
_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."))
_CODES = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def regression_head(record: dict, style: str) -> tuple[list, set[str]]:
    """The renderables that open the table view, and the keys they show."""
    from rich.text import Text

    logistic = record.get("model") == "logistic"
    items: list = [_coefficients(record["coefficients"], logistic, style)]
    if any(_stars(c.get("p_value")) for c in record["coefficients"]):
        items.append(Text(f"  {_CODES}"))
    items.append(_fit_block(record, logistic))
    if logistic:
        items.append(_odds(record["coefficients"], record.get("confidence"), style))
        items.append(_classification(record["classification"], style))
    if record.get("anova"):
        items.append(_anova(record, logistic, style))
    if record.get("residuals"):
        items.append(_residuals(record["residuals"], record.get("weights"), style))
    if record.get("diagnostics"):
        items.append(_diagnostics(record["diagnostics"], style))
    if record.get("influential"):
        items.append(_rows("most influential rows (Cook's distance)",
                           record["influential"], ["line", "cooks_distance", "leverage",
                                                   "residual"], style))
    if record.get("levels"):
        items.append(_levels(record["levels"], style))
    if record.get("predictions"):
        items.append(_transposed("predictions", record["predictions"], style))
    if record.get("vif"):
        items.append(_rows("vif", record["vif"], ["name", "vif"], style))
    hidden = set(_SHOWN) | {k for k in _SETTINGS_IF_SET if record.get(k) is None}
    return items, hidden


def _table(title: str | None, style: str):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    return Table(title=Text(title) if title else None, title_justify="left",
                 box=box.SIMPLE_HEAD, header_style=style)


def _coefficients(rows: list[dict], logistic: bool, style: str):
    from rich.text import Text

    table = _table(None, style)
    table.add_column("", overflow="fold")
    for header in ("estimate", "std.error", "z value" if logistic else "t value",
                   "Pr(>|z|)" if logistic else "Pr(>|t|)"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    estimates = _column([r.get("estimate") for r in rows])
    errors = _column([r.get("std_error") for r in rows])
    statistics = _column([r.get("statistic") for r in rows], decimals=3)
    for row, est, se, stat in zip(rows, estimates, errors, statistics, strict=True):
        p = row.get("p_value")
        table.add_row(Text(visible(str(row["name"]))), est, se, stat, _p_value(p), _stars(p))
    return table


def _fit_block(record: dict, logistic: bool):
    """Pairs of label and value, two pairs a line, as R's summary prints them."""
    from rich import box
    from rich.table import Table

    pairs: list[tuple[str, str]] = []
    if logistic:
        pairs += [("null deviance", f"{display(record.get('null_deviance'))} on "
                                    f"{record['n'] - int(bool(record.get('intercept')))} df"),
                  ("residual deviance", f"{display(record.get('deviance'))} on "
                                        f"{record.get('df_resid')} df"),
                  ("McFadden R²", display(record.get("pseudo_r2"), 4)),
                  ("log-likelihood", display(record.get("log_likelihood")))]
    else:
        pairs += [("R²", display(record.get("r2"), 4)),
                  ("adjusted R²", display(record.get("adj_r2"), 4)),
                  (f"F on {record.get('df_model')} and {record.get('df_resid')} df",
                   display(record.get("f_statistic"), 4)),
                  ("p-value", _p_value(record.get("f_p_value"))),
                  ("residual std. error", f"{display(record.get('residual_std_error'), 4)} on "
                                          f"{record.get('df_resid')} df"),
                  ("log-likelihood", display(record.get("log_likelihood"))),
                  ("RMSE", display(record.get("rmse"), 4)),
                  ("MAE", display(record.get("mae"), 4))]
    pairs += [("AIC", display(record.get("aic"))), ("BIC", display(record.get("bic")))]
    if "cv_r2" in record:
        pairs += [(f"CV R² ({record.get('cv_folds')}-fold)", display(record.get("cv_r2"), 4)),
                  ("CV MSE", display(record.get("cv_mse"), 4))]
    grid = Table(box=box.SIMPLE, show_header=False, pad_edge=True)
    for _ in range(2):
        grid.add_column(no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
    for i in range(0, len(pairs), 2):
        left = pairs[i]
        right = pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        grid.add_row(left[0], left[1], right[0], right[1])
    return grid


def _odds(rows: list[dict], confidence: Any, style: str):
    from rich.text import Text

    level = f"{confidence:.0%}" if isinstance(confidence, float) else ""
    table = _table(f"odds ratios (Wald {level} interval)".replace(" )", ")"), style)
    table.add_column("", overflow="fold")
    for header in ("odds ratio", "low", "high"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(Text(visible(str(row["name"]))), display(row.get("odds_ratio")),
                      display(row.get("or_ci_low")), display(row.get("or_ci_high")))
    return table


def _classification(counts: dict, style: str):
    table = _table(f"classification (p > {display(counts.get('threshold'))})", style)
    table.add_column("", no_wrap=True)
    table.add_column("predicted 0", justify="right", no_wrap=True)
    table.add_column("predicted 1", justify="right", no_wrap=True)
    table.add_row("observed 0", str(counts["tn"]), str(counts["fp"]))
    table.add_row("observed 1", str(counts["fn"]), str(counts["tp"]))
    table.add_row("accuracy", display(counts.get("accuracy"), 4), "")
    return table


def _anova(record: dict, logistic: bool, style: str):
    from rich.text import Text

    kind = record.get("anova_type")
    names = {1: "type I, sequential", 2: "type II", 3: "type III"}
    title = ("analysis of deviance" if logistic else "analysis of variance")
    table = _table(f"{title} ({names.get(kind, '')})", style)
    table.add_column("", overflow="fold")
    headers = (["Df", "Deviance", "Resid. Df", "Resid. Dev", "Pr(>Chi)"] if logistic
               else ["Df", "Sum Sq", "Mean Sq", "F value", "Pr(>F)"])
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for row in record["anova"]:
        p = row.get("p_value")
        if logistic:
            cells = [display(row.get("df")), display(row.get("deviance")),
                     display(row.get("resid_df")), display(row.get("resid_deviance"))]
        else:
            f = row.get("f_statistic")
            cells = [display(row.get("df")), display(row.get("sum_sq")),
                     display(row.get("mean_sq")), "" if f is None else display(f, 4)]
        table.add_row(Text(visible(str(row["term"]))), *cells,
                      "" if p is None else _p_value(p), _stars(p))
    return table


def _residuals(summary: dict, weights: Any, style: str):
    table = _table("weighted residuals" if weights else "residuals", style)
    for header in ("Min", "1Q", "Median", "3Q", "Max"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_row(*_column([summary.get(k) for k in ("min", "q1", "median", "q3", "max")]))
    return table


def _diagnostics(tests: dict, style: str):
    table = _table("residual diagnostics", style)
    table.add_column("test", no_wrap=True)
    table.add_column("statistic", justify="right", no_wrap=True)
    table.add_column("df", justify="right", no_wrap=True)
    table.add_column("p-value", justify="right", no_wrap=True)
    table.add_row("Breusch–Pagan (studentized)", display(tests.get("breusch_pagan"), 4),
                  display(tests.get("breusch_pagan_df")),
                  _p_value(tests.get("breusch_pagan_p_value")))
    table.add_row("Durbin–Watson", display(tests.get("durbin_watson"), 4), "", "")
    table.add_row("Jarque–Bera", display(tests.get("jarque_bera"), 4), "2",
                  _p_value(tests.get("jarque_bera_p_value")))
    if tests.get("shapiro_wilk") is not None:
        table.add_row("Shapiro–Wilk", display(tests.get("shapiro_wilk"), 4), "",
                      _p_value(tests.get("shapiro_wilk_p_value")))
    return table


def _levels(levels: list[dict], style: str):
    from rich.text import Text

    table = _table("levels", style)
    table.add_column("predictor", overflow="fold")
    table.add_column("levels", overflow="fold")
    for row in levels:
        shown = [f"{v} (reference)" if v == row.get("reference") else str(v)
                 for v in row["levels"]]
        table.add_row(Text(visible(str(row["name"]))), Text(visible(", ".join(shown))))
    return table


def _rows(title: str, rows: list[dict], columns: list[str], style: str):
    from rich.text import Text

    table = _table(title, style)
    for column in columns:
        numeric = all((isinstance(r.get(column), int | float) and
                      not isinstance(r.get(column), bool)) or r.get(column) is None
                      for r in rows)
        table.add_column(column, justify="right" if numeric else "left",
                         overflow="fold" if column == "name" else "ellipsis",
                         no_wrap=column != "name")
    for row in rows:
        table.add_row(*(Text(display(row.get(c))) for c in columns))
    return table


def _column(values: list, digits: int = 4, decimals: int | None = None) -> list[str]:
    """A column of numbers with common decimals, enough for `digits` significant digits in
    each (R's format of a coefficient column), or each in `digits`-digit scientific form when
    that would take more than 6 decimals or the numbers reach 1e6."""
    finite = [v for v in values if isinstance(v, int | float) and math.isfinite(v)]
    if decimals is None:
        nonzero = [abs(v) for v in finite if v != 0]
        decimals = max((digits - 1 - math.floor(math.log10(v)) for v in nonzero), default=0)
        decimals = max(decimals, 0)
    if decimals > 6 or any(abs(v) >= 1e6 for v in finite):
        return [display(v, digits) for v in values]
    return [f"{v:.{decimals}f}" if isinstance(v, int | float) and math.isfinite(v)
            else display(v) for v in values]


def _transposed(title: str, rows: list[dict], style: str):
    """One column per row (a prediction), one line per field: narrow whatever the fields."""
    from rich.text import Text

    table = _table(title, style)
    table.add_column("", no_wrap=True)
    for row in rows:
        table.add_column(Text(visible(str(row["name"]))), justify="right", overflow="fold")
    for field in [c for c in rows[0] if c != "name"]:
        table.add_row(field, *(Text(display(row.get(field))) for row in rows))
    return table


def _p_value(p: Any) -> str:
    """A p-value with 3 significant digits, below R's 2.2e-16 shown as R shows it."""
    if not isinstance(p, int | float) or isinstance(p, bool) or not math.isfinite(p):
        return "null"
    if p < 2.2e-16:
        return "<2e-16"
    return f"{p:.3g}"


def _stars(p: Any) -> str:
    if not isinstance(p, int | float) or isinstance(p, bool) or not math.isfinite(p):
        return ""
    return next((mark for limit, mark in _STARS if p < limit), "")
