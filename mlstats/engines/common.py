"""What every engine adapter shares: the kinds of columns, how a group value is spelled as a
label, the kinds of a CSV's columns from its first lines, and the --where pairing rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlstats.errors import InputError

if TYPE_CHECKING:
    from mlstats.expr import Expr

NUMBER, BOOL, TEXT = "number", "bool", "text"


def label_of(value: Any) -> str:
    """A group value as the local reader spells labels: 1.0 → '1', True → 'true'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def csv_kinds(head: bytes, sep: str, names: list[str], no_header: bool,
               nulls: list[str]) -> dict[str, str]:
    """Each column's kind, inferred by pyarrow from the first MiB as the local reader does."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        sample = pacsv.read_csv(
            pa.py_buffer(head),
            pacsv.ReadOptions(column_names=names if no_header else None),
            pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            pacsv.ConvertOptions(null_values=nulls, strings_can_be_null=True,
                                 quoted_strings_can_be_null=True))
    except pa.ArrowInvalid:
        return dict.fromkeys(names, TEXT)  # the full read names the bad line
    kinds = {}
    for name, kind in zip(names, sample.schema.types, strict=True):
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
            kinds[name] = NUMBER
        elif pa.types.is_boolean(kind):
            kinds[name] = BOOL
        else:
            kinds[name] = TEXT
    return kinds


def check_pairing(name: str, kind: str, condition: Expr) -> None:
    """The local engine's rule: numbers with numbers, quoted text with text."""
    value = condition.value
    if kind == BOOL:
        ok, want, holds = isinstance(value, bool), "true or false", "true/false values"
    elif kind == NUMBER:
        ok = isinstance(value, float) and not isinstance(value, bool)
        want, holds = "a number (no quotes)", "numbers"
    else:
        ok, want, holds = isinstance(value, str), 'quoted text, e.g. "DE"', "text"
    if not ok:
        raise InputError(f"--where '{condition.text}': column '{name}' holds {holds}; "
                         f"compare it with {want}")


def lerp(a: float, b: float, t: float) -> float:
    """NumPy's interpolation (`np.quantile`, method linear), for the same last bits."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t
