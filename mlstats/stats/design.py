"""Model terms built from data: numeric and categorical predictors, their design columns, the
grouping of columns into terms (for ANOVA) and how to rebuild the columns at new points.

A text predictor is coded with treatment contrasts, as R's default `contr.treatment`: one 0/1
column per level but the reference, named variable + level (`suppVC`); the reference is the
first level in sorted order unless chosen. Without an intercept the first categorical
predictor keeps every level (its columns then span the constant), as R's model.matrix does.
Formulas (`mlstats.stats.formula`) produce the same `ModelTerms`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mlstats.errors import InputError


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    """The levels of one categorical predictor, its reference (base) level first."""

    name: str
    reference: str | None
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TermGroup:
    """One model term (`supp`, `dose`, `supp:dose`): its design columns and the variables it
    is made of (a term is contained in another when its variables are a subset of the other's,
    the marginality rule of type II tests)."""

    name: str
    columns: tuple[int, ...]
    factors: frozenset[str]


Encoder = Callable[[Mapping[str, np.ndarray]], list[np.ndarray]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelTerms:
    """Design columns (intercept excluded) built from the data, ready for `ols`/`logistic`.

    `variables` are the data columns read, `numeric` those of them that are numbers (a
    prediction outside their range is an extrapolation), `encode` rebuilds the columns from
    variable values at new points.
    """

    variables: tuple[str, ...]
    numeric: tuple[str, ...]
    names: tuple[str, ...]
    columns: tuple[np.ndarray, ...]
    intercept: bool
    groups: tuple[TermGroup, ...]
    levels: tuple[Level, ...]
    encode: Encoder
    ranges: tuple[tuple[float, float], ...]
    formula: str | None = None


def parse_references(texts: Sequence[str]) -> dict[str, str]:
    """`--reference COL=LEVEL` (repeatable, or comma-separated) as {column: level}."""
    found: dict[str, str] = {}
    for text in texts:
        for part in text.split(","):
            column, sep, level = part.partition("=")
            column, level = column.strip(), level.strip()
            if not sep or not column or not level:
                raise InputError(f"--reference '{text}' is not COLUMN=LEVEL, e.g. --reference "
                                 "supp=VC")
            if column in found:
                raise InputError(f"--reference names '{column}' twice; give one reference "
                                 "level per column")
            found[column] = level
    return found


def sorted_levels(values: np.ndarray) -> list[str]:
    """The distinct labels of a text column in sorted (code point) order."""
    return sorted(set(values.tolist()))


def check_levels(name: str, levels: Sequence[str], reference: str | None) -> list[str]:
    """At least two levels; the reference, when given, one of them: the levels with the
    reference first."""
    if len(levels) < 2:
        shown = f"'{levels[0]}'" if levels else "nothing"
        raise InputError(f"categorical predictor '{name}' has one level ({shown}) in the rows "
                         "used, so it cannot be contrasted with anything; drop it")
    if reference is None:
        return list(levels)
    if reference not in levels:
        close = difflib.get_close_matches(reference, levels, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(f"--reference {name}={reference}: '{reference}' is not a level of "
                         f"'{name}'; {hint}its levels are: {_listing(levels)}")
    return [reference, *(v for v in levels if v != reference)]


def treatment_terms(data: Mapping[str, np.ndarray], *, categorical: Sequence[str],
                    references: Mapping[str, str], intercept: bool = True) -> ModelTerms:
    """ModelTerms for --x columns: numbers as they are, text with treatment contrasts.

    `data` maps each predictor (in --x order) to its values: float arrays for numbers, object
    arrays of labels for the names in `categorical`.
    """
    for name, level in references.items():
        if name not in data:
            raise InputError(f"--reference {name}={level}: '{name}' is not a predictor; the "
                             f"predictors are: {_listing(list(data))}")
        if name not in categorical:
            raise InputError(f"--reference {name}={level}: '{name}' is numeric; --reference "
                             f"applies to text columns (in a --formula write C({name}, "
                             f"Treatment({level})))")
    coded: dict[str, list[str]] = {}
    full = not intercept
    names: list[str] = []
    columns: list[np.ndarray] = []
    groups: list[TermGroup] = []
    levels: list[Level] = []
    for name, values in data.items():
        start = len(names)
        if name in categorical:
            ordered = check_levels(name, sorted_levels(values), references.get(name))
            kept = ordered if full else ordered[1:]
            full = False
            coded[name] = kept
            for level in kept:
                names.append(f"{name}{level}")
                columns.append((values == level).astype(np.float64))
            levels.append(Level(name=name, reference=None if len(kept) == len(ordered)
                                else ordered[0], levels=tuple(ordered)))
        else:
            names.append(name)
            columns.append(np.asarray(values, dtype=np.float64))
        groups.append(TermGroup(name=name, columns=tuple(range(start, len(names))),
                                factors=frozenset([name])))
    numeric = tuple(n for n in data if n not in categorical)
    ranges = tuple(_range(data[n]) if n in numeric else (math.nan, math.nan) for n in data)

    known = {level.name: level.levels for level in levels}

    def encode(points: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        out = []
        for name in data:
            values = points[name]
            if name in coded:
                check_known(name, values, known[name])
                out += [(values == level).astype(np.float64) for level in coded[name]]
            else:
                out.append(np.asarray(values, dtype=np.float64))
        return out

    return ModelTerms(variables=tuple(data), numeric=numeric, names=tuple(names),
                      columns=tuple(columns), intercept=intercept, groups=tuple(groups),
                      levels=tuple(levels), encode=encode, ranges=ranges)


def check_known(name: str, values: np.ndarray, levels: Sequence[str]) -> None:
    """A prediction's level of a categorical predictor must be one the model was fitted on."""
    known = set(levels)
    for value in values.tolist():
        if value not in known:
            raise InputError(f"--predict: '{value}' is not a level of '{name}'; its levels "
                             f"are: {_listing(list(levels))}")


def _range(values: np.ndarray) -> tuple[float, float]:
    if not values.size:
        return (math.nan, math.nan)
    return float(np.min(values)), float(np.max(values))


def _listing(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
