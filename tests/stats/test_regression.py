"""OLS and logistic regression against R, statsmodels and scikit-learn, plus properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstats.errors import InputError
from mlstats.io import ReadOptions, read_table
from mlstats.stats.logistic import binary_outcome, logistic
from mlstats.stats.regression import kfold_indices, ols
from tests.conftest import SAMPLE


def load(name: str) -> dict[str, np.ndarray]:
    table = read_table(ReadOptions(source=str(SAMPLE / name)))
    return {c: table.numeric(c) for c in table.columns}


CARS = load("cars.csv")
TREES = load("trees.csv")
CLICKS = load("clicks.csv")


def approx(value: float, rel: float = 1e-8):
    return pytest.approx(value, rel=rel)


def column(rows, field):
    return [getattr(r, field) for r in rows]


# -- OLS against R ----------------------------------------------------------------------------
def test_cars_matches_r_lm():
    result = ols(CARS["dist"], {"speed": CARS["speed"]}, y_name="dist").result
    intercept, speed = result.coefficients
    # R 4.2.2: summary(lm(dist ~ speed, cars)); confint(); AIC(); BIC(); logLik()
    assert (intercept.name, speed.name) == ("intercept", "speed")
    assert intercept.estimate == approx(-17.57909489051089)
    assert speed.estimate == approx(3.93240875912409)
    assert intercept.std_error == approx(6.758440169379234)
    assert speed.std_error == approx(0.415512776657122)
    assert intercept.statistic == approx(-2.60105800302225)
    assert speed.statistic == approx(9.46398999029837)
    assert intercept.p_value == approx(1.23188161538090e-02)
    assert speed.p_value == approx(1.48983649629509e-12)
    assert result.r2 == approx(0.651079380758251)
    assert result.adj_r2 == approx(0.643810201190715)
    assert result.f_statistic == approx(89.5671065364677)
    assert result.f_p_value == approx(1.48983649629509e-12)
    assert result.residual_std_error == approx(15.3795867488199)
    assert result.log_likelihood == approx(-206.578431513677)
    assert result.aic == approx(419.156863027353)
    assert result.bic == approx(424.892932043638)
    assert (intercept.ci_low, intercept.ci_high) == (approx(-31.1678496023886),
                                                     approx(-3.99034017863321))
    assert (speed.ci_low, speed.ci_high) == (approx(3.09696432814032), approx(4.76785319010785))
    assert (result.n, result.df_model, result.df_resid) == (50, 1, 48)
    assert result.mse == approx(result.residual_std_error**2 * 48 / 50)
    assert result.rmse == approx(math.sqrt(result.mse))
    assert result.vif == () and result.warnings == ()


def test_cars_prediction_matches_r_predict():
    fit = ols(CARS["dist"], {"speed": CARS["speed"]}, predict=[("speed=21", {"speed": 21.0})])
    [row] = fit.result.predictions
    # R 4.2.2: predict(lm(dist ~ speed, cars), data.frame(speed=21), interval="prediction")
    assert row.name == "speed=21"
    assert row.fit == approx(65.0014890510949)
    assert (row.pi_low, row.pi_high) == (approx(33.4225736404645), approx(96.5804044617253))
    assert row.extrapolation is False


def test_trees_matches_r_and_statsmodels():
    result = ols(TREES["Volume"], {"Girth": TREES["Girth"], "Height": TREES["Height"]}).result
    # R 4.2.2: lm(Volume ~ Girth + Height, trees)
    assert column(result.coefficients, "estimate") == [
        approx(-57.987658918380951), approx(4.708160503017512), approx(0.339251234244701)]
    assert result.r2 == approx(0.947950037781675)
    assert result.adj_r2 == approx(0.944232183337509)
    # statsmodels 0.15.0: m = OLS(Volume, add_constant(trees[["Girth", "Height"]])).fit()
    assert column(result.coefficients, "std_error") == [
        approx(8.638225865302415), approx(0.2642646094209881), approx(0.13015118070017495)]
    assert column(result.coefficients, "statistic") == [
        approx(-6.712913024340177), approx(17.816084088343256), approx(2.606593596920354)]
    assert column(result.coefficients, "p_value") == [
        approx(2.7495073344039924e-07), approx(8.223303688648145e-17),
        approx(0.014490974525064784)]
    assert result.f_statistic == approx(254.97233741066856)
    assert result.f_p_value == approx(1.0712377298068685e-18)
    assert result.log_likelihood == approx(-84.45498649363515)
    assert result.mse * result.n == approx(421.9213592224488)  # m.ssr
    assert result.residual_std_error**2 == approx(15.068619972230314)  # m.mse_resid
    assert result.mae == approx(2.9558043437733095)  # np.mean(np.abs(m.resid))
    # m.condition_number
    assert result.condition_number == approx(959.3769707371981)
    # statsmodels counts k coefficients in AIC/BIC (m.aic 174.9099729872703, m.bic
    # 179.21193460072573); R also counts σ: one more parameter.
    assert result.aic == approx(174.9099729872703 + 2)
    assert result.bic == approx(179.21193460072573 + math.log(31))
    # statsmodels 0.15.0: variance_inflation_factor(add_constant(X).values, i), i = 1, 2
    assert column(result.vif, "vif") == [approx(1.3692099064333523), approx(1.3692099064333525)]
    assert column(result.vif, "name") == ["Girth", "Height"]


HC = {
    # statsmodels 0.15.0: OLS(Volume, add_constant(trees[["Girth", "Height"]]))
    #   .fit(cov_type=KIND, use_t=True): bse, pvalues, fvalue, f_pvalue, conf_int(), and
    #   get_prediction([[1, 12, 80]]).summary_frame(): mean_se, mean_ci_*, obs_ci_*
    "hc0": dict(bse=[9.919621423860361, 0.2790401727915969, 0.12758386584413936],
                p=[2.7736982196144697e-06, 3.327353138001506e-16, 0.012811661763513952],
                f=(153.9940757984412, 7.792502730346106e-16),
                low=[-78.30708228692147, 4.136572620223426, 0.07790753227171843],
                high=[-37.66823554984009, 5.2797483858115974, 0.6005949362176816],
                pred=(0.8366649421573945, 23.936535414600446, 27.36419630021027,
                      17.516195983673928, 33.784535731136785)),
    "hc1": dict(bse=[10.437510590198208, 0.2936084588467688, 0.13424483596556436],
                p=[6.088254539207276e-06, 1.2156747447329296e-15, 0.017429036104729085],
                f=(139.09142330181783, 2.8607535739229003e-15),
                low=[-79.3679301539063, 4.106730839024295, 0.06426315350370676],
                high=[-36.60738768285526, 5.309590167010728, 0.6142393149856933],
                pred=(0.8803460153438887, 23.84705879232395, 27.453672922486767,
                      17.496874512036328, 33.80385720277439)),
    "hc2": dict(bse=[10.88595087369104, 0.30607129990234183, 0.13908525382669315],
                p=[1.1355701020854866e-05, 3.471312643583302e-15, 0.021315181328059568],
                f=(126.7625200740528, 9.267744059363437e-15),
                low=[-80.2865184332817, 4.081201866399001, 0.05434800698769726],
                high=[-35.68879940347986, 5.3351191396360225, 0.6241544615017027],
                pred=(0.897055956966274, 23.812830028565674, 27.487901686245042,
                      17.489235870062636, 33.81149584474808)),
    "hc3": dict(bse=[11.964076022824633, 0.3365482624127371, 0.1518222286934367],
                p=[4.216065971909958e-05, 3.6825832758756804e-14, 0.03360934922159598],
                f=(103.90030992594782, 1.1081109469235915e-13),
                low=[-82.49495768851601, 4.0187726387324805, 0.02825749670579325],
                high=[-33.48036014824555, 5.397548367302543, 0.6502449717836067],
                pred=(0.9631117277224797, 23.677520915991874, 27.623210798818842,
                      17.45770927294535, 33.843022441865365)),
}


@pytest.mark.parametrize("kind", list(HC))
def test_robust_standard_errors_match_statsmodels_cov_type(kind):
    ref = HC[kind]
    fit = ols(TREES["Volume"], {"Girth": TREES["Girth"], "Height": TREES["Height"]},
              robust=kind, predict=[("p", {"Girth": 12.0, "Height": 80.0})])
    result = fit.result
    assert result.robust == kind
    assert column(result.coefficients, "std_error") == [approx(v) for v in ref["bse"]]
    assert column(result.coefficients, "p_value") == [approx(v) for v in ref["p"]]
    assert column(result.coefficients, "ci_low") == [approx(v) for v in ref["low"]]
    assert column(result.coefficients, "ci_high") == [approx(v) for v in ref["high"]]
    assert (result.f_statistic, result.f_p_value) == (approx(ref["f"][0]), approx(ref["f"][1]))
    [row] = result.predictions
    assert row.fit == approx(25.650365857405358)
    assert (row.std_error, row.ci_low, row.ci_high, row.pi_low, row.pi_high) == tuple(
        approx(v) for v in ref["pred"])
    # the point estimates and R² do not depend on the covariance
    assert result.r2 == approx(0.947950037781675)


def test_prediction_intervals_match_statsmodels_get_prediction():
    fit = ols(TREES["Volume"], {"Girth": TREES["Girth"], "Height": TREES["Height"]},
              confidence=0.9, predict=[("a", {"Girth": 12.0, "Height": 80.0}),
                                       ("b", {"Girth": 20.0, "Height": 70.0})])
    a, b = fit.result.predictions
    # statsmodels 0.15.0: m.get_prediction([[1, 12, 80], [1, 20, 70]])
    #   .summary_frame(alpha=0.10)
    assert (a.fit, a.std_error, a.ci_low, a.ci_high, a.pi_low, a.pi_high) == (
        approx(25.650365857405358), approx(1.021921398817139), approx(23.91194375348921),
        approx(27.388787961321505), approx(18.82186793271154), approx(32.478863782099175))
    assert (b.fit, b.std_error, b.ci_low, b.ci_high, b.pi_low, b.pi_high) == (
        approx(59.92313753909844), approx(2.392978093180506), approx(55.85236847976838),
        approx(63.9939065984285), approx(52.16572603586088), approx(67.68054904233601))
    # a thick tree (girth 20) is never short (70 ft) in the data: hidden extrapolation
    assert (a.extrapolation, b.extrapolation) == (False, True)


def test_extrapolation_outside_a_range_or_the_data_cloud():
    fit = ols(TREES["Volume"], {"Girth": TREES["Girth"], "Height": TREES["Height"]},
              predict=[("out", {"Girth": 30.0, "Height": 80.0}),
                       ("corner", {"Girth": 8.3, "Height": 87.0}),
                       ("inside", {"Girth": 13.0, "Height": 76.0})])
    flags = column(fit.result.predictions, "extrapolation")
    # Girth 30 > max 20.6; (8.3, 87) is inside both ranges (min Girth, max Height) but far
    # from every tree: its leverage exceeds every row's.
    assert flags == [True, True, False]


def test_quadratic_matches_r_and_statsmodels():
    fit = ols(CARS["dist"], {"speed": CARS["speed"]}, degree=2,
              predict=[("speed=21", {"speed": 21.0})])
    result = fit.result
    assert column(result.coefficients, "name") == ["intercept", "speed", "speed^2"]
    # R 4.2.2: lm(dist ~ speed + I(speed^2), cars)
    assert column(result.coefficients, "estimate") == [
        approx(2.4701377850662980), approx(0.9132876142425850), approx(0.0999593020698439)]
    assert result.r2 == approx(0.66733081652621)
    # statsmodels 0.15.0: m = OLS(dist, [1, speed, speed**2]).fit(): bse, condition_number,
    # variance_inflation_factor(X, 1), (X, 2), get_prediction([[1, 21, 441]])
    assert column(result.coefficients, "std_error") == [
        approx(14.8171647250236), approx(2.034220442311947), approx(0.06596821068233935)]
    assert result.condition_number == approx(2160.975690220812)
    assert column(result.vif, "vif") == [approx(24.614892674750177), approx(24.61489267475011)]
    [row] = result.predictions
    assert (row.fit, row.std_error, row.ci_low, row.ci_high, row.pi_low, row.pi_high) == (
        approx(65.73122989696175), approx(3.1796506918595395), approx(59.33459778063904),
        approx(72.12786201328447), approx(34.538008789732224), approx(96.92445100419127))
    # the fitted curve evaluates the same polynomial
    assert fit.mean_at({"speed": np.array([21.0])})[0] == approx(65.73122989696175)


def test_no_intercept_matches_statsmodels():
    result = ols(CARS["dist"], {"speed": CARS["speed"]}, intercept=False).result
    # statsmodels 0.15.0: m = OLS(dist, cars[["speed"]]).fit()  (no constant: uncentred R²)
    [speed] = result.coefficients
    assert speed.estimate == approx(2.9091321439371023)
    assert speed.std_error == approx(0.14136863749993694)
    assert result.r2 == approx(0.8962893058052057)
    assert result.adj_r2 == approx(0.8941727610257201)
    assert result.f_statistic == approx(423.4681517218068)
    assert result.f_p_value == approx(9.227817027208694e-26)
    assert result.log_likelihood == approx(-209.874918330843)
    assert result.condition_number == approx(1.0)
    assert (result.df_model, result.df_resid) == (1, 49)


def test_no_intercept_polynomial_matches_statsmodels():
    result = ols(CARS["dist"], {"speed": CARS["speed"]}, degree=2, intercept=False).result
    # statsmodels 0.15.0: m = OLS(dist, [speed, speed**2]).fit(); variance_inflation_factor
    # (standardize=True by default, so it is the centred VIF)
    assert column(result.coefficients, "estimate") == [approx(1.2390299565082592),
                                                       approx(0.09013877243179547)]
    assert column(result.coefficients, "std_error") == [approx(0.5599707121575815),
                                                        approx(0.029389175399846118)]
    assert result.r2 == approx(0.9132837749569258)
    assert result.condition_number == approx(81.90382946333185)
    assert column(result.vif, "vif") == [approx(24.61489267475011), approx(24.614892674750177)]


def test_missing_rows_are_left_out_as_statsmodels_does():
    table = read_table(ReadOptions(source=str(SAMPLE / "airquality.csv")))
    names = ["Ozone", "Solar.R", "Wind", "Temp"]
    data = table.complete(names, numeric=names)
    result = ols(data["Ozone"], {n: data[n] for n in names[1:]}).result
    # statsmodels 0.15.0: OLS.from_formula('Ozone ~ Q("Solar.R") + Wind + Temp', air).fit()
    assert table.rows_used == result.n == 111
    assert column(result.coefficients, "estimate") == [
        approx(-64.34207892859166), approx(0.05982058996849854), approx(-3.3335913055127393),
        approx(1.6520929109927116)]
    assert column(result.coefficients, "std_error") == [
        approx(23.054724347470973), approx(0.023186465941345814), approx(0.6544071020541856),
        approx(0.2535297930323604)]
    assert result.r2 == approx(0.6058946000066223)
    assert result.f_statistic == approx(54.83365803648634)
    assert result.condition_number == approx(2503.4940627333112)
    assert column(result.vif, "vif") == [approx(1.0952528194296982), approx(1.3290700366790174),
                                         approx(1.431366895134705)]
    assert any("ill-conditioned" in w for w in result.warnings) is False


def test_cross_validation_matches_scikit_learn_on_the_same_folds():
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.model_selection import cross_val_predict

    x = np.column_stack([TREES["Girth"], TREES["Height"]])
    y = TREES["Volume"]
    result = ols(y, {"Girth": x[:, 0], "Height": x[:, 1]}, cv=5, seed=11).result
    folds = kfold_indices(31, 5, 11)
    splits = [(np.setdiff1d(np.arange(31), test), test) for test in folds]
    predicted = cross_val_predict(LinearRegression(), x, y, cv=splits)
    assert result.cv_r2 == approx(r2_score(y, predicted))
    assert result.cv_mse == approx(mean_squared_error(y, predicted))
    assert (result.cv_folds, result.seed) == (5, 11)
    assert result.cv_r2 < result.r2
    assert sorted(np.concatenate(folds).tolist()) == list(range(31))
    again = ols(y, {"Girth": x[:, 0], "Height": x[:, 1]}, cv=5, seed=11).result
    assert (again.cv_r2, again.cv_mse) == (result.cv_r2, result.cv_mse)


@pytest.mark.parametrize(("folds", "outlier"), [(7, 0.0), (30, 0.0), (30, 1e4), (4, 1e4)])
def test_cross_validation_without_refits_equals_refitting_each_fold(folds, outlier,
                                                                     monkeypatch):
    # the deletion formula u_T = (I − H_TT)⁻¹e_T against a slow, obvious loop of refits; a
    # row at x = 1e4 has leverage 1 − 1e-7, so its fold takes the direct refit instead
    from mlstats.stats import regression

    refits = []
    real = regression.working_fit
    monkeypatch.setattr(regression, "working_fit",
                        lambda *a, **k: refits.append(1) or real(*a, **k))
    rng = np.random.default_rng(folds)
    x = rng.normal(size=(30, 2))
    x[3, 0] += outlier
    y = x @ [1.5, -2.0] + rng.normal(size=30)
    result = ols(y, {"a": x[:, 0], "b": x[:, 1]}, cv=folds, seed=3).result
    assert len(refits) == 1 + (outlier > 0)  # the full fit, and the outlier's fold if any
    predicted = np.empty(30)
    for test in kfold_indices(30, folds, 3):
        train = np.setdiff1d(np.arange(30), test)
        design = np.column_stack([np.ones(30), x])
        beta = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
        predicted[test] = design[test] @ beta
    assert result.cv_mse == approx(float(np.mean((y - predicted) ** 2)), 1e-10)


def test_leave_one_out_fits_once(monkeypatch):
    # K = n used to refit n times (minutes at n = 20 000): the deletion formula needs one fit
    from mlstats.stats import regression

    calls = []
    real = regression.working_fit
    monkeypatch.setattr(regression, "working_fit", lambda *a, **k: calls.append(1) or real(*a, **k))
    rng = np.random.default_rng(1)
    x = rng.normal(size=20_000)
    y = 2 * x + rng.normal(size=20_000)
    result = ols(y, {"x": x}, cv=20_000).result
    assert len(calls) == 1
    h = 1 / 20_000 + (x - x.mean()) ** 2 / float((x - x.mean()) @ (x - x.mean()))
    press = float(np.sum((ols(y, {"x": x}).residuals / (1 - h)) ** 2))  # PRESS, closed form
    assert result.cv_mse == approx(press / 20_000, 1e-10)


def test_residuals_and_fitted_values():
    fit = ols(CARS["dist"], {"speed": CARS["speed"]})
    assert np.allclose(fit.fitted + fit.residuals, CARS["dist"], rtol=0, atol=1e-12)
    assert fit.residuals.sum() == pytest.approx(0, abs=1e-10)
    assert fit.result.mae == approx(float(np.mean(np.abs(fit.residuals))))


# -- OLS input errors ---------------------------------------------------------------------------
def test_collinear_predictors_are_named():
    a = np.arange(10.0)
    b = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    with pytest.raises(InputError) as info:
        ols(a * 2 + b, {"a": a, "b": b, "c": a + 2 * b})
    assert str(info.value) == ("collinear predictors: 'c' is a linear combination of 'a', 'b' "
                               "(the design is rank deficient); drop one of them")


def test_constant_predictor_and_zero_predictor():
    y = np.arange(6.0) ** 2
    with pytest.raises(InputError, match=r"^predictor 'k' is constant \(every value is 5\), so "
                       r"it is collinear with the intercept; drop it$"):
        ols(y, {"x": np.arange(6.0), "k": np.full(6, 5.0)})
    with pytest.raises(InputError, match=r"^predictor 'k' is zero in every row; drop it$"):
        ols(y, {"x": np.arange(6.0), "k": np.zeros(6)}, intercept=False)


def test_constant_response_and_too_few_rows():
    with pytest.raises(InputError, match=r"^--y 'v' is constant \(every value is 2\); a "
                       "regression needs variation in y$"):
        ols(np.full(5, 2.0), {"x": np.arange(5.0)}, y_name="v")
    with pytest.raises(InputError) as info:
        ols(np.array([1.0, 2, 4]), {"x": np.array([1.0, 2, 3])}, degree=2)
    assert str(info.value) == ("too few rows: 3 rows for 3 coefficients (intercept, x, x^2); "
                               "the fit needs at least 4")


def test_degree_rules():
    with pytest.raises(InputError, match=r"^--degree 2 fits a polynomial in a single --x \(got "
                       r"2: a, b\); give one --x or drop --degree$"):
        ols(np.arange(9.0), {"a": np.arange(9.0), "b": np.arange(9.0) ** 2}, degree=2)
    with pytest.raises(InputError, match=r"^--degree 3 needs at least 4 distinct values of 'x' "
                       r"\(found 3\); lower --degree$"):
        ols(np.arange(9.0), {"x": np.arange(9.0) % 3}, degree=3)
    with pytest.raises(InputError, match=r"^--degree must be 1 or more \(got 0\)$"):
        ols(np.arange(9.0), {"x": np.arange(9.0)}, degree=0)
    x = np.linspace(1, 2, 60)
    with pytest.raises(InputError, match=r"^--degree 40 is too high for these data: 'x\^\d+' is "
                       r"numerically a combination of the lower powers; lower --degree$"):
        ols(np.sin(x), {"x": x}, degree=40)


def test_option_domains():
    y, x = CARS["dist"], {"speed": CARS["speed"]}
    with pytest.raises(InputError, match=r"^--confidence must be between 0 and 1 \(got 1\.5\)$"):
        ols(y, x, confidence=1.5)
    with pytest.raises(InputError, match=r"^--cv must be between 2 and the number of rows, 50 "
                       r"\(got 1\)$"):
        ols(y, x, cv=1)
    with pytest.raises(InputError, match=r"^--robust must be one of hc0, hc1, hc2, hc3"):
        ols(y, x, robust="hc9")


def test_a_fold_without_variation_is_named():
    x = np.r_[np.zeros(7), 1.0]  # the fold holding the last row trains on zeros only
    y = np.arange(8.0)
    with pytest.raises(InputError, match=r"^--cv 4, training rows of fold \d: predictor 'x' is "
                       r"constant \(every value is 0\), .*; try another --seed or more folds, "
                       r"or drop --cv$"):
        ols(y, {"x": x}, cv=4, seed=0)


def test_exact_fit_is_flagged_not_divided_by_zero():
    x = np.arange(8.0)
    result = ols(3 + 2 * x, {"x": x}).result
    assert result.residual_std_error == 0 and result.r2 == 1
    assert [c.estimate for c in result.coefficients] == [approx(3, 1e-12), approx(2, 1e-12)]
    assert math.isnan(result.f_statistic) and math.isnan(result.coefficients[1].p_value)
    assert result.warnings[0].startswith("the fit is exact")


def test_leverage_one_row_makes_hc3_undefined_with_a_warning():
    x = np.array([0.0, 0, 0, 0, 1])
    y = np.array([1.0, 2, 3, 2, 7])
    result = ols(y, {"x": x}, robust="hc3").result
    assert all(math.isnan(c.std_error) for c in result.coefficients)
    assert result.coefficients[1].estimate == approx(5)
    assert any("leverage 1" in w for w in result.warnings)


def test_collinear_with_the_intercept_names_it():
    a = np.array([1.0, 4, 2, 8, 5, 7])
    with pytest.raises(InputError) as info:
        ols(np.arange(6.0) ** 2, {"a": a, "c": 10 - a})
    assert str(info.value) == ("collinear predictors: 'c' is a linear combination of 'a' and the "
                               "intercept (the design is rank deficient); drop one of them")


def test_too_few_rows_counts_in_the_singular():
    with pytest.raises(InputError) as info:
        ols(np.array([2.0]), {"x": np.array([1.0])}, intercept=False)
    assert str(info.value) == ("too few rows: 1 row for 1 coefficient (x); the fit needs at "
                               "least 2")


# statsmodels 0.15.0 OLS(REF_Y, add_constant(REF_X)).fit(): params [0.7669213973799114,
# 2.1124454148471625], bse [0.23343030710542217, 0.0672232649268966], rsquared 0.9969711896900628
REF_X = np.array([1.0, 2, 3.5, 4, 5.2])
REF_Y = np.array([3.0, 5, 8, 9, 12])


@pytest.mark.parametrize("power", [300, -300, 160, -160])
def test_predictors_in_extreme_units_scale_the_slope_exactly(power):
    # x·10^power: the slope and its se scale by 10^−power; t, p, R² and the intercept do not.
    # (Sums of squares of such a column overflow or underflow: 1e300² is inf, 1e-300² is 0.)
    scale = 10.0**power
    base = ols(REF_Y, {"x": REF_X}, robust="hc3").result
    result = ols(REF_Y, {"x": REF_X * scale}, robust="hc3").result
    for got, ref in zip(result.coefficients, base.coefficients, strict=True):
        factor = 1 / scale if got.name == "x" else 1.0
        assert got.estimate == approx(ref.estimate * factor, 1e-12)
        assert got.std_error == approx(ref.std_error * factor, 1e-10)
        assert got.p_value == approx(ref.p_value, 1e-10)
    assert result.r2 == approx(0.9969711896900628, 1e-12)
    assert result.f_statistic == approx(base.f_statistic, 1e-10)
    # κ([1, s·x]) for s far from 1: σ_max ≈ the longer column's norm and σ_max·σ_min = |det|
    # = ‖1‖·‖s·x‖·sin θ (θ the angle between 1 and x), up to a relative O(s^∓2)
    cos = REF_X.sum() / math.sqrt(5 * float(REF_X @ REF_X))
    longer, shorter = sorted([math.sqrt(5), abs(scale) * math.sqrt(float(REF_X @ REF_X))])[::-1]
    assert result.condition_number == approx(longer / (shorter * math.sqrt(1 - cos**2)), 1e-12)
    assert result.warnings == ()


@pytest.mark.parametrize("power", [300, -300])
def test_a_response_in_extreme_units_scales_every_y_valued_result(power):
    scale = 10.0**power
    fit = ols(REF_Y * scale, {"x": REF_X}, predict=[("x=2", {"x": 2.0})])
    base = ols(REF_Y, {"x": REF_X}, predict=[("x=2", {"x": 2.0})]).result
    result = fit.result
    assert [c.estimate for c in result.coefficients] == [
        approx(c.estimate * scale, 1e-12) for c in base.coefficients]
    assert [c.std_error for c in result.coefficients] == [
        approx(c.std_error * scale, 1e-10) for c in base.coefficients]
    assert (result.r2, result.f_statistic) == (approx(base.r2, 1e-12), approx(base.f_statistic))
    assert result.residual_std_error == approx(base.residual_std_error * scale, 1e-12)
    assert result.rmse == approx(base.rmse * scale, 1e-12)
    # log L = −n/2·(log(2π·SSR/n) + 1): SSR carries scale², so log L moves by −n·log(scale)
    assert result.log_likelihood == approx(base.log_likelihood - 5 * math.log(scale), 1e-12)
    [row], [ref] = result.predictions, base.predictions
    assert (row.fit, row.pi_high) == (approx(ref.fit * scale, 1e-12),
                                      approx(ref.pi_high * scale, 1e-12))
    assert np.allclose(fit.residuals / scale, ols(REF_Y, {"x": REF_X}).residuals, rtol=1e-12)
    # mse = SSR/n is about 1e±599: not a double, so null with a warning rather than inf or 0
    assert math.isnan(result.mse)
    assert result.warnings == ("mse is outside the double-precision range (|y| is near 1e±300), "
                               "so it is null; rmse and residual_std_error give its scale",)


def test_polynomial_powers_beyond_double_precision_are_an_input_error():
    x = np.array([1.0, 2, 3, 4, 5])
    y = np.array([1.0, 4, 9.5, 16, 24])
    with pytest.raises(InputError) as info:
        ols(y, {"x": x * 1e200}, degree=2)
    assert str(info.value) == (
        "--degree 2: the powers of 'x' leave the double-precision range (|x| up to 5e+200, so "
        "x^2 is about 1e401); rescale 'x' (e.g. change its units) or lower --degree")
    with pytest.raises(InputError, match=r"^--degree 2: the powers of 'x' leave"):
        ols(y, {"x": x * 1e-200}, degree=2)
    # x² near 1e200 is still a double: every statistic is the unit-scale one, rescaled
    base = ols(y, {"x": x}, degree=2).result
    big = ols(y, {"x": x * 1e100}, degree=2).result
    for got, ref, factor in zip(big.coefficients, base.coefficients, (1, 1e-100, 1e-200),
                                strict=True):
        assert (got.estimate, got.std_error) == (approx(ref.estimate * factor, 1e-10),
                                                 approx(ref.std_error * factor, 1e-10))
    assert [v.vif for v in big.vif] == [approx(v.vif, 1e-10) for v in base.vif]


def test_cross_validation_needs_big_enough_training_folds():
    x = np.array([1.0, 2, 4, 3, 6, 5])
    y = np.array([1.0, 3, 2, 5, 4, 6])
    with pytest.raises(InputError) as info:
        ols(y, {"x": x}, degree=3, cv=2)  # 4 coefficients; folds of 3 leave 3 training rows
    assert str(info.value) == ("--cv 2 trains on as few as 3 rows, fewer than the 5 that 4 "
                               "coefficients need; use --cv 6 or more")
    with pytest.raises(InputError) as info:
        ols(y, {"x": x}, degree=4, cv=6)
    assert str(info.value) == ("--cv needs at least 7 rows for 5 coefficients (every training "
                               "fold leaves a row out; there are 6); drop --cv")
    with pytest.raises(InputError, match=r"^--seed must be 0 or more \(got -1\)$"):
        ols(y, {"x": x}, cv=2, seed=-1)
    assert ols(y, {"x": x}, degree=3, cv=6, seed=0).result.cv_folds == 6


# -- OLS properties -------------------------------------------------------------------------------
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def datasets(draw, columns: int = 2):
    n = draw(st.integers(columns + 3, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(draw(finite), 1 + abs(draw(finite)) / 10, size=(n, columns))
    y = x @ rng.normal(size=columns) + rng.normal(draw(finite), 1 + abs(draw(finite)), n)
    return x, y


@settings(max_examples=40, deadline=None)
@given(datasets())
def test_r2_between_zero_and_one_and_matches_lstsq(data):
    x, y = data
    result = ols(y, {"a": x[:, 0], "b": x[:, 1]}).result
    assert -1e-12 <= result.r2 <= 1 + 1e-12
    design = np.column_stack([np.ones(len(y)), x])
    expected = np.linalg.lstsq(design, y, rcond=None)[0]
    got = np.array(column(result.coefficients, "estimate"))
    assert np.allclose(got, expected, rtol=1e-7, atol=1e-9 * (1 + np.abs(expected).max()))


@settings(max_examples=40, deadline=None)
@given(datasets(columns=3))
def test_adding_a_predictor_never_lowers_r2(data):
    x, y = data
    smaller = ols(y, {"a": x[:, 0], "b": x[:, 1]}).result
    larger = ols(y, {"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}).result
    assert larger.r2 >= smaller.r2 - 1e-12


@settings(max_examples=40, deadline=None)
@given(datasets(), finite)
def test_shifting_y_moves_only_the_intercept(data, shift):
    x, y = data
    base = ols(y, {"a": x[:, 0], "b": x[:, 1]}).result
    moved = ols(y + shift, {"a": x[:, 0], "b": x[:, 1]}).result
    scale = 1 + np.abs(y).max() + abs(shift)
    for old, new in zip(base.coefficients[1:], moved.coefficients[1:], strict=True):
        assert new.estimate == pytest.approx(old.estimate, rel=1e-8, abs=1e-10 * scale)
        assert new.std_error == pytest.approx(old.std_error, rel=1e-6, abs=1e-10 * scale)
    assert moved.coefficients[0].estimate == pytest.approx(
        base.coefficients[0].estimate + shift, rel=1e-8, abs=1e-9 * scale)
    assert moved.r2 == pytest.approx(base.r2, rel=1e-8, abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(datasets(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(data, seed):
    x, y = data
    order = np.random.default_rng(seed).permutation(len(y))
    a = ols(y, {"a": x[:, 0], "b": x[:, 1]}).result
    b = ols(y[order], {"a": x[order, 0], "b": x[order, 1]}).result
    for one, two in zip(a.coefficients, b.coefficients, strict=True):
        assert two.estimate == pytest.approx(one.estimate, rel=1e-8, abs=1e-9)
    assert b.r2 == pytest.approx(a.r2, rel=1e-9, abs=1e-12)


# -- logistic -------------------------------------------------------------------------------------
def test_logistic_matches_statsmodels_logit():
    result = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"], "x2": CLICKS["x2"]}).result
    # python-reference.txt — statsmodels 0.15.0:
    # Logit(clicked, add_constant(clicks[["x1", "x2"]])).fit(disp=0)
    assert column(result.coefficients, "estimate") == [
        approx(-0.4332895782546639), approx(1.4468811373579769), approx(-0.7790575159187294)]
    assert column(result.coefficients, "std_error") == [
        approx(0.14284737376640844), approx(0.1959015475218807), approx(0.1528832771823874)]
    assert column(result.coefficients, "p_value") == [
        approx(0.00241947530485775), approx(1.5158894089973752e-13),
        approx(3.4733262158033626e-07)]
    assert result.log_likelihood == approx(-154.36393006422023)
    assert result.pseudo_r2 == approx(0.2498555489231441)
    assert result.aic == approx(314.72786012844045)
    assert result.bic == approx(325.83920755240905)
    # .tvalues, .conf_int(), .llnull
    assert column(result.coefficients, "statistic") == [
        approx(-3.0332344713820354), approx(7.3857565479229885), approx(-5.0957667200535335)]
    assert column(result.coefficients, "ci_low") == [
        approx(-0.7132652861229563), approx(1.0629211596994288), approx(-1.0787032330346629)]
    assert column(result.coefficients, "ci_high") == [
        approx(-0.15331387038637162), approx(1.830841115016525), approx(-0.4794117988027959)]
    assert result.ll_null == approx(-205.7789400996381)
    assert result.converged and 3 <= result.iterations <= 10
    assert (result.n, result.df_model, result.df_resid) == (300, 2, 297)


def test_logistic_predictions_match_statsmodels():
    fit = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"], "x2": CLICKS["x2"]},
                   predict=[("a", {"x1": 0.5, "x2": 0.1}), ("b", {"x1": 3.0, "x2": -2.0})])
    a, b = fit.result.predictions
    # statsmodels 0.15.0: m = Logit(...).fit(method="newton", tol=1e-12); x0 @ m.params,
    # se = sqrt(x0' m.cov_params() x0); expit(eta), expit(eta ∓ norm.ppf(0.975)·se)
    assert (a.fit, a.ci_low, a.ci_high) == (approx(0.5528630106190511),
                                            approx(0.47690258750232956),
                                            approx(0.6264333458735107))
    assert (b.fit, b.ci_low, b.ci_high) == (approx(0.9957874634212748),
                                            approx(0.983011654767765),
                                            approx(0.9989655436759204))
    assert (a.extrapolation, b.extrapolation) == (False, True)
    assert fit.mean_at({"x1": np.array([0.5]), "x2": np.array([0.1])})[0] == approx(a.fit)


def test_logistic_without_intercept_and_polynomial_match_statsmodels():
    none = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"], "x2": CLICKS["x2"]},
                    intercept=False).result
    # statsmodels 0.15.0: Logit(clicked, clicks[["x1", "x2"]]).fit(disp=0)
    assert column(none.coefficients, "estimate") == [approx(1.3746992182005133),
                                                     approx(-0.7478091977430421)]
    assert column(none.coefficients, "std_error") == [approx(0.18848715102804364),
                                                      approx(0.1516658008146529)]
    assert none.log_likelihood == approx(-159.15155735680145)
    assert none.pseudo_r2 == approx(0.2265896729775151)
    assert (none.aic, none.bic) == (approx(322.3031147136029), approx(329.7106796629153))
    quad = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"]}, degree=2).result
    # statsmodels 0.15.0: Logit(clicked, [1, x1, x1**2]).fit(disp=0)
    assert column(quad.coefficients, "name") == ["intercept", "x1", "x1^2"]
    assert column(quad.coefficients, "estimate") == [
        approx(-0.3239971532328702), approx(1.3064802157614641), approx(-0.07168214026910079)]
    assert column(quad.coefficients, "std_error") == [
        approx(0.15571038152240693), approx(0.1905294233373425), approx(0.1577817153638601)]
    assert quad.log_likelihood == approx(-169.19110481003287)


def test_logistic_cross_validation_matches_statsmodels_per_fold():
    import statsmodels.api as sm
    from scipy.special import expit

    x = np.column_stack([CLICKS["x1"], CLICKS["x2"]])
    y = CLICKS["clicked"]
    result = logistic(y, {"x1": x[:, 0], "x2": x[:, 1]}, cv=4, seed=5).result
    predicted = np.empty(300)
    for test in kfold_indices(300, 4, 5):
        train = np.setdiff1d(np.arange(300), test)
        model = sm.Logit(y[train], sm.add_constant(x[train])).fit(disp=0, method="newton",
                                                                   tol=1e-12)
        predicted[test] = expit(sm.add_constant(x[test]) @ model.params)
    brier = float(np.mean((y - predicted) ** 2))
    assert result.cv_mse == approx(brier, 1e-9)
    assert result.cv_r2 == approx(1 - brier / float(np.var(y)), 1e-9)


def test_binary_outcomes():
    labels = np.array(["Yes", "no", "yes", "No"], dtype=object)
    with pytest.raises(InputError, match="distinct values"):
        binary_outcome(labels, name="c")
    y, positive = binary_outcome(np.array(["true", "false", "true"], dtype=object), name="c")
    assert (y.tolist(), positive) == ([1.0, 0.0, 1.0], "true")
    y, positive = binary_outcome(np.array(["no", "yes"], dtype=object), name="c")
    assert (y.tolist(), positive) == ([0.0, 1.0], "yes")
    y, positive = binary_outcome(np.array(["a", "b", "a"], dtype=object), name="g",
                                 positive="b")
    assert (y.tolist(), positive) == ([0.0, 1.0, 0.0], "b")
    y, positive = binary_outcome(np.array([1.0, 2.0, 2.0]), name="g", positive="2")
    assert (y.tolist(), positive) == ([0.0, 1.0, 1.0], "2")
    y, positive = binary_outcome(np.array([0.0, 1.0, 1.0]), name="g")
    assert (y.tolist(), positive) == ([0.0, 1.0, 1.0], "1")


def test_binary_outcome_errors():
    with pytest.raises(InputError) as info:
        binary_outcome(np.array(["a", "b"], dtype=object), name="g")
    assert str(info.value) == ("--y 'g' has the labels 'a' and 'b'; say which one is the "
                               "positive outcome with --positive")
    with pytest.raises(InputError) as info:
        binary_outcome(np.array([1.0, 2.0]), name="g", positive="3")
    assert str(info.value) == "--positive '3' is not a value of --y 'g'; its values are 1 and 2"
    with pytest.raises(InputError) as info:
        binary_outcome(np.array([1.0, 2.0, 3.0]), name="g")
    assert str(info.value) == ("--logistic needs a binary --y; 'g' has 3 distinct values "
                               "(1, 2, 3); pick a two-valued column")
    with pytest.raises(InputError) as info:
        binary_outcome(np.array([1.0, 1.0]), name="g")
    assert str(info.value) == ("--y 'g' is constant (every value is 1); logistic regression "
                               "needs both outcomes")


def test_perfect_and_quasi_separation_name_the_predictor():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    other = np.array([0.3, -1.2, 0.5, 0.1, -0.4, 0.9, -0.7, 0.2])
    y = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(InputError) as info:
        logistic(y, {"other": other, "x": x}, y_name="buy")
    assert str(info.value) == (
        "perfect separation: 'x' splits --y 'buy' (every row with x <= 4 is negative, every "
        "row with x >= 5 is positive (buy = 1)), so the maximum-likelihood estimates do not "
        "exist; drop 'x' or collect more varied data")
    quasi = np.array([1.0, 2, 3, 5, 5, 6, 7, 8])
    y2 = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(InputError) as info:
        logistic(y2, {"x": quasi, "other": other})
    # both outcomes at x = 5: only the rows on either side of the cut are split
    assert str(info.value) == (
        "quasi-perfect separation: 'x' splits --y 'y' (every row with x < 5 is negative, every "
        "row with x > 5 is positive (y = 1); rows with x = 5 have both outcomes), so the "
        "maximum-likelihood estimates do not exist; drop 'x' or collect more varied data")


def test_separation_by_a_combination_names_the_predictors():
    a = np.array([0.0, 1, 2, 3, 0, 1, 2, 3, 1.5, 2.5])
    b = np.array([3.0, 2, 1, 0, 4, 3, 2, 1, 0.5, 1.0])
    y = (a + b > 3.2).astype(float)  # neither a nor b alone splits y
    assert 0 < y.sum() < 10
    with pytest.raises(InputError, match=r"^perfect separation: a combination of 'a', 'b' "
                       r"classifies every row correctly"):
        logistic(y, {"a": a, "b": b})


def test_quasi_separation_by_a_combination_stops_with_an_error():
    a = np.array([0.0, 1, 2, 3, 0, 1, 2, 3, 1.5, 2.5, 1, 2])
    b = np.array([3.0, 2, 1, 0, 4, 3, 2, 1, 0.5, 1.0, 2, 1])
    # a + b > 3 → 1, a + b < 3 → 0, and both outcomes where a + b = 3
    y = np.array([0.0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1])
    with pytest.raises(InputError) as info:
        logistic(y, {"a": a, "b": b})
    assert str(info.value) == (
        "quasi-perfect separation: the estimates for 'a', 'b' grow without bound (a combination "
        "of them splits the outcomes apart from ties), so the maximum-likelihood estimates do "
        "not exist; drop or combine those predictors")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(40, 200))
def test_logistic_agrees_with_statsmodels_on_random_data(seed, n):
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x[:, 0] - 0.5 * x[:, 1])))).astype(float)
    try:
        ours = logistic(y, {"a": x[:, 0], "b": x[:, 1]}).result
    except InputError:
        return  # a small sample can be separated: that is the documented error
    model = sm.Logit(y, sm.add_constant(x)).fit(disp=0, method="newton", tol=1e-12,
                                                maxiter=100)
    assert np.allclose(column(ours.coefficients, "estimate"), model.params, rtol=1e-7,
                       atol=1e-9)
    assert np.allclose(column(ours.coefficients, "std_error"), model.bse, rtol=1e-7)
    assert ours.log_likelihood == pytest.approx(model.llf, rel=1e-10)


def test_logistic_with_a_far_outlier_converges_as_statsmodels():
    # One row far out (x = 540, the rest in [-20, 28]): full Newton steps overshoot and cycle,
    # so the fit must halve them; without that it reported a false quasi-separation.
    x = np.r_[540.0, np.linspace(-20, 28, 40)]
    y = np.ones(41)
    y[0] = y[1] = y[21] = 0
    result = logistic(y, {"x": x}).result
    # statsmodels 0.15.0: Logit(y, add_constant(x)).fit(method="newton", tol=1e-12)
    assert column(result.coefficients, "estimate") == [approx(2.9719301442551065),
                                                       approx(-0.010895626522157918)]
    assert column(result.coefficients, "std_error") == [approx(0.7264596680574612),
                                                        approx(0.008452727531293959)]
    assert result.log_likelihood == approx(-8.271757193720855, 1e-12)
    assert result.converged and result.warnings == ()


def test_logistic_flags_hidden_extrapolation_as_least_squares_does():
    x = {"x1": CLICKS["x1"], "x2": CLICKS["x2"]}
    points = [("corner", {"x1": float(CLICKS["x1"].min()), "x2": float(CLICKS["x2"].max())}),
              ("inside", {"x1": 0.5, "x2": 0.1})]
    flags = column(logistic(CLICKS["clicked"], x, predict=points).result.predictions,
                   "extrapolation")
    # the corner lies inside both ranges but away from every row (leverage above the largest)
    assert flags == column(ols(CLICKS["clicked"], x, predict=points).result.predictions,
                           "extrapolation") == [True, False]


def test_logistic_predictor_in_extreme_units():
    base = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"]}).result
    huge = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"] * 1e300}).result
    tiny = logistic(CLICKS["clicked"], {"x1": CLICKS["x1"] * 1e-300}).result
    for result, factor in ((huge, 1e-300), (tiny, 1e300)):
        assert result.coefficients[1].estimate == approx(base.coefficients[1].estimate * factor)
        assert result.coefficients[1].std_error == approx(base.coefficients[1].std_error * factor)
        assert result.log_likelihood == approx(base.log_likelihood, 1e-12)


# -- issue 18: large offsets and values near the double-precision limit -----------------------
def test_a_large_common_offset_costs_no_digits():
    # x = 10¹⁵ + i is exact in double precision; centring in two passes keeps every digit.
    # Exact values (rational arithmetic, Python fractions): slope Sxy/Sxx, R² = Sxy²/(Sxx·Syy).
    from fractions import Fraction

    i = np.arange(20)
    y = i + (i % 3) * 0.1
    xs = [Fraction(int(v)) for v in i]
    ys = [Fraction(float(v)) for v in y]
    mx, my = sum(xs) / 20, sum(ys) / 20
    sxy = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True))
    sxx = sum((a - mx) ** 2 for a in xs)
    syy = sum((b - my) ** 2 for b in ys)
    fit = ols(y, {"x": 1e15 + i})
    result = fit.result
    assert result.r2 == approx(float(sxy * sxy / sxx / syy), 1e-13)
    assert result.coefficients[1].estimate == approx(float(sxy / sxx), 1e-13)
    assert result.coefficients[1].std_error == approx(ols(y, {"x": i * 1.0}).result
                                                      .coefficients[1].std_error, 1e-10)
    assert np.allclose(fit.residuals, ols(y, {"x": i * 1.0}).residuals, rtol=0, atol=1e-12)
    # a prediction at a new point uses the same two-part centring
    [row] = ols(y, {"x": 1e15 + i}, predict=[("p", {"x": 1e15 + 7})]).result.predictions
    [ref] = ols(y, {"x": i * 1.0}, predict=[("p", {"x": 7.0})]).result.predictions
    assert (row.fit, row.pi_low) == (approx(ref.fit, 1e-12), approx(ref.pi_low, 1e-12))


@pytest.mark.parametrize("x", [[1.7e308, 1.6e308, 1.5e308, 1.65e308],
                               [-1.7e308, 1.6e308, 1.5e308, 0.0]])
def test_predictors_near_the_largest_double_give_results(x):
    # x·1e-300 is an ordinary column: the slope scales by 1e-300; the condition number of
    # [1, x] is not a double, so it is null with a warning.
    y = np.array([1.0, 2, 4, 3])
    x = np.array(x)
    result = ols(y, {"x": x}).result
    base = ols(y, {"x": x * 1e-300}).result
    assert result.coefficients[1].estimate == approx(base.coefficients[1].estimate * 1e-300)
    assert result.coefficients[1].std_error == approx(base.coefficients[1].std_error * 1e-300)
    assert result.coefficients[0].estimate == approx(base.coefficients[0].estimate)
    assert result.r2 == approx(base.r2, 1e-12)
    assert math.isinf(result.condition_number)
    assert result.warnings == ("condition_number is null: the design holds values so close to "
                               "the double-precision limit (about 1.8e308) that it is not "
                               "representable",)


def test_a_response_near_the_largest_double_gives_results():
    x = np.array([1.0, 2, 3, 4])
    y = np.array([1.7e308, 1.6e308, 1.5e308, 1.65e308])
    result = ols(y, {"x": x}).result
    base = ols(y * 1e-300, {"x": x}).result
    assert result.coefficients[1].estimate == approx(base.coefficients[1].estimate * 1e300)
    assert result.residual_std_error == approx(base.residual_std_error * 1e300)
    assert result.r2 == approx(base.r2, 1e-12) and math.isnan(result.mse)
