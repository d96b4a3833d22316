"""Model formulas (`len ~ supp * dose`) through formulaic, vetted so that nothing but column
names and formulaic's own transformations is ever evaluated.

formulaic (not patsy) builds the design: it is maintained, statsmodels 0.15 builds its
formulas with it, it has R's `poly()` and gives the columns of each term, which the ANOVA
tables need. formulaic evaluates the Python inside a formula (`np.log(x)`, `I(x**2)`) with
`eval`, so every Python factor is parsed first and refused unless it is made of column names,
numbers, strings, arithmetic and comparisons, and calls of the whitelisted transformations
below. Coefficients are named as R names them: `suppVC`, `suppVC:dose`, `poly(dose, 2)1`,
`factor(cyl)6` (`factor` is R's spelling of formulaic's `C`).
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.design import Level, ModelTerms, TermGroup, check_known, check_levels

# Functions a formula may call, by name, and the attributes of `np` and `contr` it may use.
FUNCTIONS = frozenset({
    "C", "factor", "Treatment", "Sum", "Helmert", "Poly", "Diff", "I", "Q", "poly", "bs", "cr",
    "cs", "cc", "center", "scale", "standardize", "log", "log2", "log10", "exp", "exp2",
    "exp10",
})
NUMPY = frozenset({
    "log", "log2", "log10", "log1p", "exp", "exp2", "expm1", "sqrt", "cbrt", "square", "abs",
    "absolute", "sign", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "floor", "ceil", "round", "power", "maximum", "minimum", "clip", "pi", "e",
})
CONTRASTS = frozenset({"treatment", "sum", "helmert", "poly", "diff"})
_CONTRAST_CLASSES = frozenset({"Treatment", "Sum", "Helmert", "Poly", "Diff"})
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub,
              ast.UAdd, ast.Invert, ast.BitAnd, ast.BitOr, ast.BitXor, ast.Eq, ast.NotEq,
              ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Load)
_LEVEL = re.compile(r"\[(?:[TSDH]\.)?(.*?)\]")


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFormula:
    """A vetted formula: its text, the response (a column, or an expression of columns), and
    the data columns each side reads."""

    text: str
    response: str
    response_column: str | None
    variables: tuple[str, ...]
    response_variables: tuple[str, ...]


def parse_formula(text: str, columns: Sequence[str]) -> ParsedFormula:
    """Parse `text` with formulaic and vet every factor; InputError on anything else.

    `columns` are the table's column names (`.` in a formula means all of them but the
    response).
    """
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    if "~" not in text:
        raise InputError(f"--formula '{text}' has no '~': write the response, '~', then the "
                         "predictors, e.g. --formula 'len ~ supp * dose'")
    try:
        formula = Formula(text, _context={"__formulaic_variables_available__": list(columns)})
    except FormulaicError as exc:
        raise InputError(f"--formula '{text}' is not a valid formula: "
                         f"{_first_line(exc)}") from None
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"--formula '{text}' is not a valid formula: {exc}") from None
    if isinstance(formula.rhs, tuple) or not hasattr(formula, "lhs"):
        raise InputError(f"--formula '{text}' must be one response '~' one right-hand side "
                         "(no '|' parts)")
    response_terms = list(formula.lhs)
    if len(response_terms) != 1 or len(response_terms[0].factors) != 1:
        raise InputError(f"--formula '{text}' must have a single response on the left of '~' "
                         "(a column or an expression of one, e.g. np.log(y))")
    [factor] = response_terms[0].factors
    response_variables = _factor_variables(factor, columns, text)
    response_column = factor.expr if factor.eval_method.value == "lookup" else None
    variables: dict[str, None] = {}
    for term in formula.rhs:
        for part in term.factors:
            for name in _factor_variables(part, columns, text):
                variables.setdefault(name, None)
    for name in response_variables:
        if name in variables:
            raise InputError(f"--formula '{text}': '{name}' is both the response and a "
                             "predictor; a column cannot predict itself")
    return ParsedFormula(text=text, response=str(factor.expr), response_column=response_column,
                         variables=tuple(variables), response_variables=response_variables)


def _factor_variables(factor, columns: Sequence[str], text: str) -> tuple[str, ...]:
    """The data columns a factor reads; InputError for an unknown column or for Python that
    is not a column, a number, a string or a whitelisted transformation."""
    method = factor.eval_method.value
    if method == "literal":
        return ()
    if method == "lookup":
        _check_column(factor.expr, columns, text)
        return (factor.expr,)
    return _vet_python(factor.expr, columns, text)


def _vet_python(expr: str, columns: Sequence[str], text: str) -> tuple[str, ...]:
    from formulaic.utils.code import sanitize_variable_names

    aliases: dict[str, str] = {}
    code = sanitize_variable_names(expr, {}, aliases)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise InputError(f"--formula '{text}': '{expr}' is not a valid expression") from None
    found: dict[str, None] = {}

    def refuse(what: str) -> InputError:
        return InputError(f"--formula '{text}': {what} in '{expr}' is not allowed; a formula "
                          "evaluates only column names, numbers, arithmetic, comparisons and "
                          "the transformations C, factor, I, Q, poly, bs, center, scale, "
                          "standardize, log, exp and np.<math function> (np.log, np.sqrt, …)")

    def visit(node: ast.AST, called: bool = False) -> None:
        if isinstance(node, ast.Expression):
            visit(node.body)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool) and node.value is not None:
                raise refuse(f"the constant {node.value!r}")
        elif isinstance(node, ast.Name):
            name = aliases.get(node.id, node.id)
            if (called and node.id in FUNCTIONS) or node.id in _CONTRAST_CLASSES:
                return
            if name in columns:
                found.setdefault(name, None)
                return
            if node.id in FUNCTIONS or node.id in ("np", "contr"):
                raise refuse(f"'{node.id}' used other than as a call")
            _check_column(name, columns, text)
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in columns:
                raise InputError(f"--formula '{text}': inside an expression write the column "
                                 f"'{dotted}' in backticks, e.g. np.log(`{dotted}`)")
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            allowed = (owner == "np" and node.attr in NUMPY) or (
                owner == "contr" and node.attr in CONTRASTS)
            if not allowed:
                raise refuse(f"'{dotted or ast.unparse(node)}'")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Q":
                _quoted_column(node, columns, text, found, refuse)
                return
            if not ((isinstance(func, ast.Name) and func.id in FUNCTIONS)
                    or isinstance(func, ast.Attribute)):
                raise refuse(f"the call '{ast.unparse(func)}(…)'")
            visit(func, called=True)
            for arg in node.args:
                visit(arg)
            for keyword in node.keywords:
                if keyword.arg is None:
                    raise refuse("'**'")
                visit(keyword.value)
        elif isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.operator | ast.unaryop | ast.cmpop):
                    continue
                visit(child)
            operators = (node.ops if isinstance(node, ast.Compare) else [node.op])
            if not all(isinstance(op, _OPERATORS) for op in operators):
                raise refuse("an operator")
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                visit(element)
        else:
            raise refuse(f"'{ast.unparse(node)}'")

    visit(tree)
    return tuple(found)


def _quoted_column(node: ast.Call, columns: Sequence[str], text: str, found: dict,
                   refuse: Callable[[str], InputError]) -> None:
    """Q("name"): a column named by a string."""
    if len(node.args) != 1 or node.keywords or not (
            isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        raise refuse("Q(…) other than Q(\"column\")")
    name = node.args[0].value
    _check_column(name, columns, text)
    found.setdefault(name, None)


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def _check_column(name: str, columns: Sequence[str], text: str) -> None:
    if name in columns:
        return
    close = difflib.get_close_matches(name, list(columns), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(columns[:30]) + (f" and {len(columns) - 30} more" if len(columns) > 30
                                       else "")
    raise InputError(f"--formula '{text}': column '{name}' not found; {hint}columns are: "
                     f"{shown}")


_TREATMENT = re.compile(r"""C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*,\s*Treatment\(\s*"""
                        r"""(?:reference\s*=\s*)?(?:'([^']*)'|"([^"]*)"|([^()'",\s]+))\s*\)""")


def _check_treatment_levels(text: str, data: Mapping[str, np.ndarray]) -> None:
    """C(x, Treatment(LEVEL)) naming a level that x does not have: say so, with x's levels
    (formulaic's own message names neither the column nor the levels)."""
    for match in _TREATMENT.finditer(text):
        name, level = match.group(1), next(g for g in match.group(2, 3, 4) if g is not None)
        if name not in data:
            continue
        values = data[name]
        levels = ([str(v) for v in sorted(set(values.tolist()))] if values.dtype == object
                  else [f"{v:g}" for v in np.unique(values[~np.isnan(values)])])
        if values.dtype != object:
            with contextlib.suppress(ValueError):
                level = f"{float(level):g}"
        if level not in levels:
            close = difflib.get_close_matches(level, levels, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            shown = ", ".join(levels[:20]) + (f" and {len(levels) - 20} more"
                                               if len(levels) > 20 else "")
            raise InputError(f"--formula '{text}': Treatment's '{level}' is not a level of "
                             f"'{name}'; {hint}its levels are: {shown}")


def _first_line(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m|[⧛⧚]", "", str(exc))
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def formula_terms(parsed: ParsedFormula, data: Mapping[str, np.ndarray], *,
                  references: Mapping[str, str] | None = None,
                  line_of: Callable[[int], int] | None = None) -> tuple[np.ndarray, ModelTerms]:
    """The response values and the ModelTerms of a vetted formula on complete rows.

    `data` maps every variable of the formula (both sides) to its values: float arrays for
    numbers, object arrays of labels for text (categorical, levels in sorted order; the
    `references` level first).
    """
    import warnings as python_warnings

    import pandas as pd
    from formulaic import model_matrix
    from formulaic.errors import FormulaicError
    from formulaic.transforms import C

    references = dict(references or {})
    frame: dict[str, object] = {}
    text_columns = [n for n, v in data.items() if v.dtype == object]
    for name, values in data.items():
        if name in text_columns and name in parsed.variables:
            ordered = check_levels(name, sorted(set(values.tolist())), references.pop(name, None))
            frame[name] = pd.Categorical(values, categories=ordered)
        else:
            frame[name] = values
    for name in references:
        where = (f"is numeric: in a formula write C({name}, Treatment(LEVEL))"
                 if name in data else "is not a categorical predictor of the formula")
        raise InputError(f"--reference {name}={references[name]}: '{name}' {where}")
    table = pd.DataFrame(frame)
    try:
        with python_warnings.catch_warnings(), np.errstate(all="ignore"):
            python_warnings.simplefilter("ignore")
            matrices = model_matrix(parsed.text, table, na_action="ignore",
                                    context={"factor": C})
    except (FormulaicError, ValueError, TypeError, KeyError, ZeroDivisionError) as exc:
        _check_treatment_levels(parsed.text, data)
        raise InputError(f"--formula '{parsed.text}' cannot be evaluated on the data: "
                         f"{_first_line(exc)}") from None
    spec = matrices.rhs.model_spec
    for factor, state in spec.factor_contrasts.items():
        if len(state.levels) < 2:
            check_levels(str(factor.expr), [str(v) for v in state.levels], None)
    y = _response(parsed, matrices.lhs, data)
    names = list(matrices.rhs.columns)
    intercept = "Intercept" in names
    values = matrices.rhs.to_numpy(dtype=np.float64)
    where = _not_finite(values)
    if where is not None:
        row, column = where
        line = line_of(row) if line_of is not None else row + 1
        raise InputError(f"--formula '{parsed.text}': {names[column]} is not a finite number "
                         f"at line {line} (a transformation outside its domain, e.g. the log "
                         "of 0 or of a negative value); leave such rows out or change the "
                         "formula")
    offset = int(intercept)
    groups = []
    for term, indices in spec.term_indices.items():
        if str(term) == "1":
            continue
        groups.append(TermGroup(name=str(term), columns=tuple(i - offset for i in indices),
                                factors=frozenset(str(f.expr) for f in term.factors)))
    keep = [i for i, n in enumerate(names) if n != "Intercept"]
    columns = tuple(np.ascontiguousarray(values[:, i]) for i in keep)
    r_names = tuple(_r_name(names[i], spec) for i in keep)
    levels = _levels(spec, names)
    categorical = _categorical_variables(spec, parsed, data)
    numeric = tuple(v for v in parsed.variables if data[v].dtype != object)
    ranges = tuple((float(data[v].min()), float(data[v].max())) if v in numeric
                   else (math.nan, math.nan) for v in parsed.variables)
    seen = {v: tuple(str(x) for x in np.unique(data[v])) if data[v].dtype == object
            else tuple(np.unique(data[v]).tolist()) for v in categorical}
    dtypes = {v: table[v].dtype for v in parsed.variables}

    def encode(points: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        frame = {}
        for v in parsed.variables:
            values = np.asarray(points[v])
            if v in categorical:
                check_known(v, values if data[v].dtype == object else values.astype(float),
                            seen[v])
            frame[v] = (pd.Categorical(values, categories=dtypes[v].categories)
                        if isinstance(dtypes[v], pd.CategoricalDtype)
                        else values.astype(dtypes[v]))
        try:
            with python_warnings.catch_warnings(), np.errstate(all="ignore"):
                python_warnings.simplefilter("ignore")
                matrix = spec.get_model_matrix(pd.DataFrame(frame), context={"factor": C})
        except (FormulaicError, ValueError, TypeError, KeyError) as exc:
            raise InputError(f"--predict: the formula cannot be evaluated at the point: "
                             f"{_first_line(exc)}") from None
        rows = matrix.to_numpy(dtype=np.float64)
        return [rows[:, i] for i in keep]

    return y, ModelTerms(variables=parsed.variables, numeric=numeric, names=r_names,
                         columns=columns, intercept=intercept, groups=tuple(groups),
                         levels=levels, encode=encode, ranges=ranges, formula=parsed.text)


def _response(parsed: ParsedFormula, lhs, data: Mapping[str, np.ndarray]) -> np.ndarray:
    if parsed.response_column is not None:
        return data[parsed.response_column]
    values = lhs.to_numpy(dtype=np.float64)
    if values.shape[1] != 1:
        raise InputError(f"--formula '{parsed.text}': the response '{parsed.response}' must be "
                         "one numeric column")
    return values[:, 0]


def _not_finite(values: np.ndarray) -> tuple[int, int] | None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    row, column = np.argwhere(bad)[0]
    return int(row), int(column)


def _r_name(name: str, spec) -> str:
    """formulaic's column name in R's spelling: supp[T.VC] → suppVC, poly(x, 2)[1] →
    poly(x, 2)1, C(dose, contr.poly)[.L] → C(dose, contr.poly).L; a whole-number level of a
    numeric column as R prints it (factor(cyl)[T.6.0] → factor(cyl)6)."""
    for factor, state in spec.factor_contrasts.items():
        for level in state.levels:
            if isinstance(level, float) and level.is_integer():
                for prefix in ("T.", ""):
                    name = name.replace(f"{factor.expr}[{prefix}{level}]",
                                        f"{factor.expr}[{prefix}{int(level)}]")
    return _LEVEL.sub(r"\1", name)


def _level_text(level: object) -> str:
    """A level as R prints it: 6.0 → 6."""
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def _levels(spec, names: Sequence[str]) -> tuple[Level, ...]:
    """Each categorical factor's levels, the reference (treatment contrasts' base) first;
    no reference when the factor is coded with a column for every level (no intercept) or
    with other contrasts."""
    from formulaic.transforms.contrasts import TreatmentContrasts

    found = []
    order = [str(f.expr) for term in spec.term_indices for f in term.factors]
    for factor, state in sorted(spec.factor_contrasts.items(),
                                key=lambda item: order.index(str(item[0].expr))
                                if str(item[0].expr) in order else len(order)):
        levels = [_level_text(v) for v in state.levels]
        expr = str(factor.expr)
        reference = None
        full = any(n.startswith(f"{expr}[") and not n.startswith(f"{expr}[T.") for n in names)
        if isinstance(state.contrasts, TreatmentContrasts) and not full:
            base = state.contrasts.base
            reference = _level_text(base) if _level_text(base) in levels else levels[0]
            levels = [reference, *(v for v in levels if v != reference)]
        found.append(Level(name=expr, reference=reference, levels=tuple(levels)))
    return tuple(found)


def _categorical_variables(spec, parsed: ParsedFormula,
                           data: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """Variables whose values must be known levels at prediction: text columns, and numeric
    columns that appear inside a categorical factor (C(cyl))."""
    inside = set()
    for factor in spec.factor_contrasts:
        expr = str(factor.expr)
        inside |= {v for v in parsed.variables if re.search(rf"\b{re.escape(v)}\b", expr)}
    return tuple(v for v in parsed.variables if data[v].dtype == object or v in inside)
