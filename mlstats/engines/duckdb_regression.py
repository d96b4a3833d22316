"""Least squares on DuckDB: the used columns in a temporary table, and aggregate passes over it.

The rows that a regression reads are copied once from the input into a temporary table (in
input order, so that `rowid` is the row's 0-based number among the rows read, and DuckDB
spills it to disk beyond its memory limit). Every later pass reads that table, not the file:
the accounting and the ranges of the columns, one or two passes of Gram matrices
(`fit_by_grams`), and one pass of residual aggregates (`ResidualPass`). The statistics are
in `mlstats.stats.regression`; this module only writes SQL whose results are those sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlstats.engines.duckdb_engine import NUMBER, DuckDBSource
from mlstats.engines.duckdb_summaries import label_of
from mlstats.errors import InputError
from mlstats.stats.diagnostics import SHAPIRO_MAX
from mlstats.stats.logistic import _EDGE, Classification, NewtonPass
from mlstats.stats.regression import (
    GramRequest,
    GramRows,
    ResidualModel,
    ResidualPass,
    WorkingFit,
)
from mlstats.stats.summaries import Gram

TABLE = "_mlstats_rows"
# From this many rows a first Gram pass sums plainly (see `DuckDBRows.grams`).
PLAIN_SUM_ROWS = 1 << 20


class Prepared:
    """The rows of one regression in a temporary table, with what the first pass found:
    the accounting, each numeric column's min, max and mean over the rows used, the
    levels of text columns, the weights' range and Σ log w."""

    def __init__(self, src: DuckDBSource, response: str, names: Sequence[str],
                 weight: str | None, *, degree: int, labels: bool = False) -> None:
        self.src = src
        self.response, self.names, self.weight = response, list(names), weight
        used = {n: src.kinds[n] for n in [response, *names]}
        if not labels:  # a logistic response may hold labels
            used[response] = NUMBER
        if weight is not None:
            used[weight] = NUMBER
        self.used = used
        c = {n: src.alias(n) for n in used}
        complete = " AND ".join(["_keep", *(f"{a} IS NOT NULL" for a in c.values())])
        use = complete + (f" AND {c[weight]} > 0" if weight is not None else "")
        # the rows' completeness is tested where a query needs it: storing it costs the copy
        # more than the tests cost the queries
        src.query(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT {', '.join(c.values())}, "
                  f"_keep FROM ({src.rows_sql(used, numbered=False)})")
        # the lines of the most influential rows: counted while the later passes, which
        # leave a core idle, run (not during the copy, which keeps both busy)
        src.count_lines()
        self.use = f"({use})"
        # one pass over buckets of rows (kept by --where, complete, used): cheaper than a
        # FILTER per aggregate
        fields = ["count(*) AS cnt"]
        for name, a in c.items():
            fields.append(f"count({a}) AS cn_{a}")
            if used[name] == NUMBER:
                fields += [f"min({a}) AS lo_{a}", f"max({a}) AS hi_{a}", f"avg({a}) AS m_{a}"]
        if weight is not None:
            w = c[weight]
            fields += [f"min(rowid) FILTER (WHERE {w} < 0) AS _negative",
                       f"fsum(ln({w})) FILTER (WHERE {w} > 0) AS _log_w"]
        buckets = src.records(f"SELECT _keep AS _k, ({complete}) AS _c, {self.use} AS _u, "
                              f"{', '.join(fields)} FROM {TABLE} GROUP BY ALL")
        kept = [r for r in buckets if r["_k"]]
        used_rows = [r for r in buckets if r["_u"]]
        found: dict[str, Any] = used_rows[0] if used_rows else {}
        found["_n"] = sum(r["cnt"] for r in used_rows)
        found["_complete"] = sum(r["cnt"] for r in buckets if r["_c"])
        found["_negative"] = min((r["_negative"] for r in buckets if r["_c"]
                                  and r.get("_negative") is not None), default=None)
        self.found = found
        accounting = {"_read": sum(r["cnt"] for r in buckets),
                      "_kept": sum(r["cnt"] for r in kept)}
        for name, a in c.items():
            accounting[f"_miss_{a}"] = sum(r["cnt"] - r[f"cn_{a}"] for r in kept)
            if used[name] == NUMBER:
                accounting[f"_inf_{a}"] = int(any(r[f"lo_{a}"] == -math.inf or
                                                  r[f"hi_{a}"] == math.inf for r in buckets))
        src.account(list(used), accounting, used=int(found["_complete"]))
        self.n = int(found["_n"])
        self.log_weights = float(found.get("_log_w") or 0.0)
        if weight is not None:
            self._check_weights(int(found["_complete"]))
        self.categorical = [n for n in names if src.kinds[n] != NUMBER]
        self.levels = {n: self._levels(n) for n in self.categorical}
        self.distinct = self._distinct(names[0], degree) if degree > 1 else None

    def _check_weights(self, complete: int) -> None:
        """The local rules: no negative weight; rows of weight 0 left out and counted."""
        found, src, name = self.found, self.src, self.weight
        if found["_negative"] is not None:
            row = int(found["_negative"])
            (value,), = src.query(f"SELECT {src.alias(name)} FROM {TABLE} WHERE rowid = $row",
                                  {"row": row})
            raise InputError(f"--weights '{name}' holds a negative weight ({value:g}) at "
                             f"line {src.lines_of([row])[0]}; weights must be 0 or more (a "
                             "weight is an inverse variance)")
        zero = complete - self.n
        if zero:
            src.rows_used = self.n
            src.warnings.append(f"{zero} row{'s' if zero != 1 else ''} of weight 0 left out "
                                f"(rows_used = {self.n}), as R's lm leaves them out of the "
                                "degrees of freedom")
        if self.n:
            a = src.alias(name)
            low, high = self.found[f"lo_{a}"], self.found[f"hi_{a}"]
            if high * self.n > 1e300 or low < 1e-300:
                raise InputError(f"--weights '{name}' spans {low:g} to {high:g}, beyond what "
                                 "double precision can sum; rescale the weights (only their "
                                 "ratios change the coefficients)")

    def _levels(self, name: str) -> list[str]:
        """The distinct labels of a text or true/false column over the rows used."""
        found = self.src.query(f"SELECT DISTINCT {self.src.alias(name)} FROM {TABLE} WHERE "
                               f"{self.use}")
        return [label_of(v) for (v,) in found]

    def _distinct(self, name: str, degree: int) -> list[float]:
        """Up to degree + 1 distinct values of the polynomial's predictor (enough to tell
        whether it has more than `degree`)."""
        found = self.src.query(f"SELECT DISTINCT {self.src.alias(name)} FROM {TABLE} WHERE "
                               f"{self.use} LIMIT {degree + 1}")
        return [float(v) for (v,) in found]

    def low_high(self, name: str) -> tuple[float, float]:
        a = self.src.alias(name)
        return self.found.get(f"lo_{a}", math.nan), self.found.get(f"hi_{a}", math.nan)

    def mean(self, name: str) -> float:
        return self.found.get(f"m_{self.src.alias(name)}", math.nan)

    def proxy(self) -> dict[str, np.ndarray]:
        """Values standing for each predictor's column when the design is built: the range
        of a number (and a few distinct values for a polynomial), the levels of text."""
        data: dict[str, np.ndarray] = {}
        for name in self.names:
            if name in self.levels:
                data[name] = np.array(self.levels[name], dtype=object)
            else:
                low, high = self.low_high(name)
                extra = self.distinct if self.distinct is not None else []
                data[name] = np.array([low, high, *extra], dtype=np.float64)
        return data


class DuckDBRows(GramRows):
    """`GramRows` over the temporary table: `terms` are the SQL expressions of the working
    columns T, then y/unit, whose values are bound from `params`; `weight` the weights'
    column (None: 1)."""

    def __init__(self, prepared: Prepared, terms: list[str], weight: str | None,
                 params: dict[str, Any]) -> None:
        self.src, self.use = prepared.src, prepared.use
        self.terms, self.weight, self.params = terms, weight, params
        self.many = prepared.n >= PLAIN_SUM_ROWS

    def _base(self) -> str:
        t = ", ".join(f"{e} AS t{j}" for j, e in enumerate(self.terms))
        w = f", {self.weight} AS w" if self.weight is not None else ""
        return f"SELECT rowid AS _r, {t}{w} FROM {TABLE} WHERE {self.use}"

    def grams(self, requests: Sequence[GramRequest]) -> list[Gram]:
        """Kahan–Babuška sums (`fsum`), except plain sums for a first pass (columns about
        shifts, no transform) over PLAIN_SUM_ROWS rows or more, where Kahan's sums cost a
        third of the run: the corrected semi-normal equations of the residual pass (whose
        Q'e is summed exactly) take the coefficients to full accuracy from there, and the
        total sum of squares keeps about 1e-13 of its digits (√n·ε)."""
        first = all(np.isin(rq.transform, (0.0, 1.0)).all() for rq in requests)
        total = "sum" if self.many and first else "fsum"
        params: dict[str, Any] = dict(self.params)
        columns, fields = [], ["count(*) AS n"]
        weighted = self.weight is not None
        for i, rq in enumerate(requests):
            m = rq.transform.shape[1]
            for a in range(m):
                parts = []
                for j in np.flatnonzero(rq.transform[:, a]):
                    params[f"s{i}_{j}"] = float(rq.shift[j])
                    if rq.transform[j, a] == 1:
                        parts.append(f"(t{j} - $s{i}_{j})")
                    else:
                        params[f"a{i}_{j}_{a}"] = float(rq.transform[j, a])
                        parts.append(f"(t{j} - $s{i}_{j}) * $a{i}_{j}_{a}")
                f = " + ".join(parts) or "0.0"
                if rq.weights == "root" and weighted:
                    f = f"sqrt(w) * ({f})"
                columns.append(f"{f} AS f{i}_{a}")
            mult = "w * " if rq.weights == "w" and weighted else ""
            fields.append(f"{total}({mult.removesuffix(' * ') or '1'}) AS total{i}")
            fields += [f"{total}({mult}f{i}_{a}) AS s{i}_{a}" for a in range(m)]
            fields += [f"{total}({mult}f{i}_{a} * f{i}_{b}) AS p{i}_{a}_{b}"
                       for a in range(m) for b in range(a, m)]
        w = ", w" if weighted else ""
        sql = (f"SELECT {', '.join(fields)} FROM (SELECT {', '.join(columns)}{w} FROM "
               f"({self._base()}))")
        (found,) = self.src.records(sql, params)
        out = []
        for i, rq in enumerate(requests):
            m = rq.transform.shape[1]
            products = np.empty((m, m))
            for a in range(m):
                for b in range(a, m):
                    products[a, b] = products[b, a] = found[f"p{i}_{a}_{b}"] or 0.0
            out.append(Gram(n=int(found["n"]), total=float(found[f"total{i}"] or 0.0),
                            shift=rq.shift @ rq.transform,
                            sums=np.array([found[f"s{i}_{a}"] or 0.0 for a in range(m)]),
                            products=products))
        return out

    def residual_pass(self, model: ResidualModel) -> ResidualPass:
        src = self.src
        p = model.b.size
        params: dict[str, Any] = {**self.params, "ym": model.y_mean[0],
                                  "yl": model.y_mean[1], "unit": model.unit, "n": model.n,
                                  "total": model.total, "df": model.df_resid}
        d = []
        for j in range(p):
            params[f"m{j}"] = float(model.shift[j])
            params[f"l{j}"] = float(model.shift_low[j])
            params[f"c{j}"] = float(model.centre[j])
            d.append(f"((t{j} - $m{j}) - $l{j}) AS d{j}, t{j} - $c{j} AS u{j}")
        weighted = self.weight is not None
        root = "sqrt(w)" if weighted else "1.0"
        fitted = " + ".join(f"d{j} * $b{j}" for j in range(p))
        params.update({f"b{j}": float(model.b[j]) for j in range(p)})
        q = []
        for j in range(p):
            terms = []
            for k in range(j + 1):
                params[f"B{k}_{j}"] = float(model.basis[k, j])
                terms.append(f"d{k} * $B{k}_{j}")
            q.append(f"{root} * ({' + '.join(terms)}) AS q{j}")
        constant = ("0.0" if not model.intercept else
                    "w / $total" if weighted else "1.0 / $n")
        leverage = " + ".join([constant, *(f"q{j} * q{j}" for j in range(p))])
        level1 = (f"SELECT _r, {', '.join(d)}, (t{p} - $ym) - $yl AS yc"
                  f"{', w' if weighted else ''} "
                  f"FROM ({self._base()})")
        level2 = (f"SELECT *, {root} * (yc - ({fitted})) AS e, {', '.join(q)}, "
                  f"{root} AS rw FROM ({level1})")
        rows = f"SELECT *, {leverage} AS h FROM ({level2})"
        windowed = f"SELECT *, e * e AS e2, e - lag(e) OVER () AS de FROM ({rows})"
        # Kahan–Babuška sums where digits matter (Σe², and Q'e that refines the fit); plain
        # sums, to about 1e-13 relative, for the diagnostics
        fields = ["count(*) AS n", "sum(e) AS s1", "fsum(e2) AS s2", "sum(e2 * e) AS s3",
                  "sum(e2 * e2) AS s4", "sum(abs(e)) AS a", "sum(de * de) AS steps",
                  "min(e * $unit) AS lo", "max(e * $unit) AS hi",
                  f"max(h{' / w' if weighted else ''}) AS top"]
        fields += [f"fsum(q{j} * e) AS qe{j}" for j in range(p)]
        fields += [f"sum(u{j} * e2) AS bp{j}" for j in range(p)]
        fields += [f"sum(u{j}) AS bs{j}" for j in range(p)]
        small = src.fits_in_memory(model.n)
        if small:
            fields.append("quantile_cont(e * $unit, [0.25, 0.5, 0.75]) AS qs")
        middle = []
        if model.robust is not None:
            omega = {"hc0": "e2", "hc1": "e2 * $n / $df", "hc2": "e2 / (1 - h)",
                     "hc3": "e2 / ((1 - h) * (1 - h))"}[model.robust]
            f = ([f"sqrt({constant})"] if model.intercept else []) + [f"q{j}" for j in range(p)]
            middle = [(a, b) for a in range(len(f)) for b in range(a, len(f))]
            fields += [f"sum(({omega}) * {f[a]} * {f[b]}) AS g{a}_{b}" for a, b in middle]
            if model.robust in ("hc2", "hc3"):
                fields.append("count(*) FILTER (WHERE 1 - h <= 1e-10) AS alone")
        (found,) = src.records(f"SELECT {', '.join(fields)} FROM ({windowed})", params)
        n = int(found["n"])
        quantiles: tuple[float, ...] = ()
        if n:
            inner = (found["qs"] if small else
                     self._quartiles(f"SELECT e * $unit AS e FROM ({rows})", params, n,
                                     (found["lo"], found["hi"])))
            quantiles = (found["lo"], *(float(v) for v in inner), found["hi"])
        hc = None
        if middle:
            size = (p + 1) if model.intercept else p
            hc = np.empty((size, size))
            for a, b in middle:
                hc[a, b] = hc[b, a] = found[f"g{a}_{b}"]
        residuals = None
        if 3 <= n <= SHAPIRO_MAX:
            table = src.fetch_arrow(f"SELECT e FROM ({level2}) ORDER BY _r", params)
            residuals = table.column("e").to_numpy()
        # DuckDB's top-N: the largest Cook's distances (up to kσ̂²), ties in input order
        top = src.query(f"SELECT _r, e, h, (e / rw) * $unit FROM ({rows}) WHERE "
                        "(1 - h) * (1 - h) > 1e-20 ORDER BY e * e * h / ((1 - h) * (1 - h)) "
                        f"DESC, _r LIMIT {model.influential}", params)
        lines = src.lines_of([r for r, *_ in top]) if top else []
        return ResidualPass(
            n=n, powers=(found["s1"], found["s2"], found["s3"], found["s4"]),
            abs_sum=found["a"], steps=found["steps"] or 0.0,
            qe=np.array([found[f"qe{j}"] for j in range(p)]),
            bp=np.array([found[f"bp{j}"] for j in range(p)]),
            bp_sums=np.array([found[f"bs{j}"] for j in range(p)]), quantiles=quantiles,
            top_leverage=float(found["top"]), middle=hc, alone=int(found.get("alone") or 0),
            residuals=residuals,
            influential=tuple((line, float(e), float(h), float(raw))
                              for line, (_r, e, h, raw) in zip(lines, top, strict=True)))

    def _quartiles(self, rows: str, params: dict, n: int,
                   span: tuple[float, float]) -> list[float]:
        """q1, median, q3 (type 7) of e·unit by exact order statistics in bounded memory."""
        from mlstats.engines.common import quartile_ranks, quartiles_of
        from mlstats.engines.duckdb_summaries import order_statistics

        self.src.bind(**params)
        values = order_statistics(self.src, rows, "true", None, {(None, "e"): quartile_ranks(n)},
                                  {(None, "e"): n}, {(None, "e"): span})[(None, "e")]
        return list(quartiles_of(values, n))


class LogisticRows(DuckDBRows):
    """`DuckDBRows` whose last term is the 0/1 outcome: Newton's aggregate passes
    (`newton_pass`, for `newton_by_passes`), the largest leverage of the working design and
    each reported term's extremes by outcome (for the separation message)."""

    def _working(self, fit: WorkingFit, params: dict[str, Any]) -> list[str]:
        """SQL of the working columns z = ((T − shift) − shift_low)/scale, as `working_fit`."""
        z = []
        for j in range(fit.g.size):
            params[f"is{j}"] = 1 / float(fit.scale[j])
            if fit.intercept:
                params[f"m{j}"], params[f"l{j}"] = float(fit.shift[j]), float(fit.shift_low[j])
                z.append(f"((t{j} - $m{j}) - $l{j}) * $is{j} AS z{j}")
            else:
                z.append(f"t{j} * $is{j} AS z{j}")
        return z

    def newton_pass(self, fit: WorkingFit, phi: np.ndarray) -> NewtonPass:
        p, n, intercept = fit.g.size, fit.n, fit.intercept
        params: dict[str, Any] = dict(self.params)
        z = self._working(fit, params)
        slopes = phi[1:] if intercept else phi
        params.update({f"f{j}": float(slopes[j]) for j in range(p)})
        params["c0"] = float(phi[0]) / math.sqrt(n) if intercept else 0.0
        params["edge"] = float(_EDGE)
        eta = " + ".join(["$c0", *(f"z{j} * $f{j}" for j in range(p))])
        level1 = f"SELECT {', '.join(z)}, t{p} AS y FROM ({self._base()})"
        level2 = f"SELECT *, {eta} AS eta FROM ({level1})"
        # p = 1/(1 + e^−η) without overflow; log(1 + e^−|η|) by its series where 1 + e^−|η|
        # rounds (DuckDB has no log1p)
        level3 = ("SELECT *, CASE WHEN eta >= 0 THEN 1 / (1 + exp(-eta)) ELSE exp(eta) / "
                  "(1 + exp(eta)) END AS pr, exp(-abs(eta)) AS ex FROM "
                  f"({level2})")
        level4 = ("SELECT *, pr * (1 - pr) AS wt, y - pr AS r, greatest(eta, 0) + CASE WHEN "
                  "ex < 1e-5 THEN ex * (1 - ex * (0.5 - ex / 3)) ELSE ln(1 + ex) END AS sp "
                  f"FROM ({level3})")
        fields = ["count(*) AS n", "fsum(y * eta) AS ye", "fsum(sp) AS sp", "fsum(r) AS g_c",
                  "fsum(wt) AS i_c_c", "max(abs(eta)) AS top",
                  "count(*) FILTER (WHERE (eta > 0) != (y = 1)) AS mis",
                  "count(*) FILTER (WHERE pr > 0.5 AND y = 1) AS tp",
                  "count(*) FILTER (WHERE pr > 0.5 AND y = 0) AS fp",
                  "count(*) FILTER (WHERE pr <= 0.5 AND y = 1) AS fn",
                  "count(*) FILTER (WHERE pr < $edge OR pr > 1 - $edge) AS edge"]
        fields += [f"fsum(z{j} * r) AS g_{j}" for j in range(p)]
        fields += [f"fsum(z{j} * wt) AS i_c_{j}" for j in range(p)]
        fields += [f"fsum(z{a} * z{b} * wt) AS i_{a}_{b}" for a in range(p)
                   for b in range(a, p)]
        (found,) = self.src.records(f"SELECT {', '.join(fields)} FROM ({level4})", params)
        root, o = math.sqrt(n), int(intercept)  # the constant's column is 1/√n
        gradient = np.array([found["g_c"] / root] * o + [found[f"g_{j}"] for j in range(p)])
        information = np.empty((p + o, p + o))
        for a in range(p):
            for b in range(a, p):
                information[o + a, o + b] = information[o + b, o + a] = found[f"i_{a}_{b}"]
        if intercept:
            information[0, 0] = found["i_c_c"] / n
            information[0, 1:] = information[1:, 0] = [found[f"i_c_{j}"] / root
                                                       for j in range(p)]
        tp, fp, fn = int(found["tp"]), int(found["fp"]), int(found["fn"])
        tn = int(found["n"]) - tp - fp - fn
        return NewtonPass(
            log_likelihood=float(found["ye"] - found["sp"]), gradient=gradient,
            information=information, misclassified=int(found["mis"]),
            top_eta=float(found["top"]), edge=int(found["edge"]),
            classification=Classification(threshold=0.5, tp=tp, fp=fp, fn=fn, tn=tn,
                                          accuracy=(tp + tn) / int(found["n"])))

    def top_leverage(self, fit: WorkingFit) -> float:
        """max hᵢ of the working design: 1/n + ‖zᵢR⁻¹‖² (with an intercept)."""
        from scipy.linalg import solve_triangular

        p = fit.g.size
        params: dict[str, Any] = dict(self.params)
        z = self._working(fit, params)
        inverse = solve_triangular(fit.r, np.eye(p))
        q = []
        for j in range(p):
            parts = []
            for k in range(j + 1):
                params[f"R{k}_{j}"] = float(inverse[k, j])
                parts.append(f"z{k} * $R{k}_{j}")
            q.append(f"pow({' + '.join(parts)}, 2)")
        params["h0"] = 1 / fit.n if fit.intercept else 0.0
        (top,), = self.src.query(f"SELECT max($h0 + {' + '.join(q)}) FROM (SELECT "
                                 f"{', '.join(z)} FROM ({self._base()}))", params)
        return float(top)

    def extremes(self, design: Any) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Each reported term's (max, min) over the positive rows and the negative ones, as
        `Design.reported_columns` computes the terms from the working columns."""
        params: dict[str, Any] = dict(self.params)
        p = len(design.terms)
        if design.degree > 1:
            params.update(r_spread=design.spread, r_centre=design.centre)
            x = "(t0 * $r_spread + $r_centre)"
            columns = [f"pow({x}, {j})" for j in range(1, design.degree + 1)]
        else:
            columns = []
            for j in range(p):
                unit = 1.0 if design.units is None else float(design.units[j])
                params[f"ru{j}"] = unit
                columns.append(f"t{j} * $ru{j}" if unit != 1 else f"t{j}")
        fields = [f"max({c}) AS hi{j}, min({c}) AS lo{j}" for j, c in enumerate(columns)]
        found = {r["y"]: r for r in self.src.records(
            f"SELECT t{p} AS y, {', '.join(fields)} FROM ({self._base()}) GROUP BY ALL",
            params)}
        return [((found[1.0][f"hi{j}"], found[1.0][f"lo{j}"]),
                 (found[0.0][f"hi{j}"], found[0.0][f"lo{j}"])) for j in range(p)]


def working_terms(src: DuckDBSource, design: Any, prepared: Prepared, unit: float,
                  params: dict[str, Any]) -> list[str]:
    """SQL of the working columns T of `design` (as `Design.raw_columns` computes them from
    arrays) and then y/unit, over the temporary table; values go to `params`."""
    terms = []
    if design.degree > 1:
        x = src.alias(design.base[0])
        params.update(centre=design.centre, spread=design.spread)
        t = f"(({x} - $centre) / $spread)"
        terms = [t] + [f"pow({t}, {j})" for j in range(2, design.degree + 1)]
    else:
        levels = {level.name: level for level in design.levels}
        for name in design.base:
            a = src.alias(name)
            if name in levels:
                level = levels[name]
                kept = level.levels if level.reference is None else level.levels[1:]
                for value in kept:
                    key = f"lev{len(params)}"
                    params[key] = value
                    terms.append(f"CAST(CAST({a} AS VARCHAR) = ${key} AS DOUBLE)")
            else:
                terms.append(a)
        if design.units is not None:
            for j, u in enumerate(design.units):
                if u != 1:
                    params[f"u{j}"] = float(u)
                    terms[j] = f"({terms[j]} / $u{j})"
    y = src.alias(prepared.response)
    params["y_unit"] = unit
    return [*terms, f"({y} / $y_unit)"]
