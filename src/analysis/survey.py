"""Design-based estimation: means, totals and shares with linearisation standard errors.

A :class:`Design` holds weights, strata, clusters (one column per stage) and finite population
corrections. :meth:`Design.post_stratify`, :meth:`Design.rake` and :meth:`Design.calibrate`
(raking or bounded logit) calibrate the weights to known population counts; :func:`mean`,
:func:`total`, :func:`ratio` and :func:`stratified_ratio` return estimates with standard errors
that account for the design and for the calibration.

The variance follows Lumley's R package `survey` (svyrecvar): influence values are
residualised against each post-stratification (ten sweeps over the margins after `rake`,
weighted regression residuals after `calibrate`), summed
by PSU within strata, and stages below the first add their variance scaled by the first stage's
sampling fraction. Results agree with R `survey` 4.1 on its own examples (see
`tests/test_survey.py`). Missing values of the estimated variable count as zero contributions
in their PSU (the domain approach, identical to R's `na.rm=TRUE`).

Beyond means and totals: design effects (`svymean(..., deff=TRUE)`), domain estimates by group
(:func:`by`, R's `svyby`), logit intervals for shares (:func:`ci_prop`, `svyciprop(method="logit")`),
calibration to numeric totals (:meth:`Design.calibrate_totals`, R's `calibrate` with linear,
raking or logit distance), lonely-PSU rules (R's `options(survey.lonely.psu=...)`), replicate-weight
designs (:class:`ReplicateDesign`: JK1, JKn and bootstrap as `as.svrepdesign`, with the MSE option)
and design-based regression (:func:`glm`, :func:`olr`: R's `svyglm` and `svyolr`, standard errors
from the design variance of the estimating-equation scores, `svy.varcoef`, and design degrees of
freedom for intervals and tests).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

#: R's options for a stratum with a single PSU (`survey.lonely.psu`).
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


class RakingWarning(UserWarning):
    """Raking stopped after its last sweep without converging."""


@dataclass(frozen=True)
class _PostStratum:
    """One post-stratification: cell index per row, weights before and after."""

    cells: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray


@dataclass(frozen=True)
class _Raking:
    margins: tuple[_PostStratum, ...]


@dataclass(frozen=True)
class _Greg:
    """Calibration by regression residuals: margin indicators and the weights before."""

    indicators: np.ndarray
    old_weights: np.ndarray


@dataclass(frozen=True)
class Design:
    """A survey design over `data`.

    weights   column of sampling weights (default: implied by `fpc`, else all 1)
    strata    column of first-stage strata (default: one stratum)
    clusters  columns of cluster ids, one per stage (default: each row is its own PSU)
    fpc       columns of finite population corrections, one per stage: population sizes (all
              values >= 1) or sampling fractions (all values <= 1); default: with replacement
    lonely_psu  a stratum with one PSU: "fail" (R's default), "remove", "certainty", "adjust"
              (centred at the grand mean) or "average" (R's `survey.lonely.psu`)
    adjust_domain_lonely  apply `lonely_psu` also to a domain with one PSU of a stratum
              (R's `survey.adjust.domain.lonely`)
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    clusters: np.ndarray  # rows x stages, integer ids unique within their parent
    popsize: np.ndarray | None  # rows x stages, or None
    sampsize: np.ndarray  # rows x stages: PSUs sampled in the row's stratum / parent cluster
    calibrations: tuple = field(default=())
    lonely_psu: str = "fail"
    adjust_domain_lonely: bool = False

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        weights: str | None = None,
        strata: str | None = None,
        clusters: str | list[str] | None = None,
        fpc: str | list[str] | None = None,
        lonely_psu: str = "fail",
        adjust_domain_lonely: bool = False,
    ) -> Design:
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu must be one of {LONELY_PSU}")
        data = data.reset_index(drop=True)
        n = len(data)
        if n == 0:
            raise ValueError("the design has no rows")
        cluster_cols = [clusters] if isinstance(clusters, str) else list(clusters or [])
        fpc_cols = [fpc] if isinstance(fpc, str) else list(fpc or [])
        for col in [weights, strata, *cluster_cols, *fpc_cols]:
            if col is not None and col not in data.columns:
                raise KeyError(f"design column {col!r} not in the data")
        w = np.ones(n) if weights is None else data[weights].to_numpy(dtype=float)
        if np.any(~np.isfinite(w)) or np.any(w <= 0):
            raise ValueError("weights must be positive and finite")
        st = np.zeros(n, dtype=int) if strata is None else pd.factorize(data[strata])[0]
        # stage ids: row id when no cluster is given; nested in stratum and parent cluster
        stage_keys = cluster_cols or [None]
        ids, parent = [], st.astype(np.int64)
        for col in stage_keys:
            own = np.arange(n) if col is None else pd.factorize(data[col])[0]
            ids.append(pd.factorize(pd.Series(list(zip(parent, own))))[0])
            parent = ids[-1]
        clus = np.column_stack(ids)
        if fpc_cols and len(fpc_cols) != clus.shape[1]:
            raise ValueError("give one fpc column per sampling stage")
        # sample size per stage: distinct units within the stratum (stage 1) or parent cluster
        samp = np.empty_like(clus, dtype=float)
        for s in range(clus.shape[1]):
            group = st if s == 0 else clus[:, s - 1]
            counts = pd.Series(clus[:, s]).groupby(group).nunique()
            samp[:, s] = counts.reindex(group).to_numpy()
        pop = None
        if fpc_cols:
            f = data[fpc_cols].to_numpy(dtype=float)
            if np.all(f <= 1):
                pop = samp / f
            elif np.all(f >= 1):
                pop = f
            else:
                raise ValueError("fpc must be all population sizes (>= 1) or all fractions (<= 1)")
            if np.any(pop < samp - 1e-9):
                raise ValueError("fpc implies more than 100 % sampled in some stratum")
        if weights is None and pop is not None:  # weights implied by the sampling fractions
            w = np.prod(pop / samp, axis=1)
        return cls(data, w, st, clus, pop, samp, (), lonely_psu, adjust_domain_lonely)

    # --- calibration -------------------------------------------------------------------
    def post_stratify(self, by: str | list[str], population: pd.Series | dict) -> Design:
        """Scale weights so that they sum to the population count of every cell of `by`."""
        weights, ps = _apply(*self._cells(by, population), self.weights)
        return replace(self, weights=weights, calibrations=(*self.calibrations, ps))

    def rake(self, margins: dict[str | tuple, pd.Series | dict], max_iter: int = 10, epsilon: float = 1.0) -> Design:
        """Iterative proportional fitting to several margins, as R's `rake`.

        Stops when no cell of the joint table of all margin variables changes by `epsilon` or
        more between sweeps (`epsilon` < 1 is taken as a fraction of the total weight). If that
        does not happen within `max_iter` sweeps it warns (`RakingWarning`) and returns the
        weights of the last sweep, as R does.
        """
        cells = [self._cells(list(by) if isinstance(by, tuple) else by, pop) for by, pop in margins.items()]
        cols = [c for by in margins for c in ((by,) if isinstance(by, str) else by)]
        joint = pd.factorize(pd.Series(_cell_keys(self.data, cols), dtype=object))[0]
        tol = epsilon * self.weights.sum() if epsilon < 1 else epsilon
        weights = self.weights
        before = np.bincount(joint, weights)
        for _ in range(max_iter):
            steps = []
            for codes, target in cells:
                weights, ps = _apply(codes, target, weights)
                steps.append(ps)
            after = np.bincount(joint, weights)
            converged = np.abs(after - before).max() < tol
            if converged:
                break
            before = after
        else:
            warnings.warn(f"raking did not converge after {max_iter} sweeps", RakingWarning, stacklevel=2)
        return replace(self, weights=weights, calibrations=(*self.calibrations, _Raking(tuple(steps))))

    def calibrate(
        self,
        margins: dict[str | tuple, pd.Series | dict],
        bounds: tuple[float, float] | None = None,
        max_iter: int = 100,
    ) -> Design:
        """Calibrate the weights to several margins, as R's `calibrate`: raking
        (`calfun="raking"`) or, with `bounds` = (L, U) on the ratio new / old weight, bounded
        logit calibration (`calfun="logit"`). Standard errors use the residuals of the weighted
        regression on the margin cells. Raises if no solution is found (bounds too tight)."""
        x, t = self._indicators(margins)
        if bounds is None:  # raking: iterative proportional fitting to full convergence
            with warnings.catch_warnings():
                warnings.simplefilter("error", RakingWarning)
                try:
                    weights = self.rake(margins, max_iter=max(max_iter, 1000), epsilon=1e-10).weights
                except RakingWarning:
                    raise RuntimeError("calibration failed: raking did not converge") from None
        else:
            weights = self.weights * _solve_calibration(x, self.weights, t, "logit", bounds, max_iter, 1e-10)
        return replace(self, weights=weights, calibrations=(*self.calibrations, _Greg(x, self.weights)))

    def calibrate_totals(
        self,
        x: pd.DataFrame,
        totals,
        calfun: str = "linear",
        bounds: tuple[float, float] | None = None,
        max_iter: int = 50,
        epsilon: float = 1e-7,
    ) -> Design:
        """Calibrate to known population totals of the columns of `x` (numeric auxiliaries and
        indicators, an intercept column for the population size), as R's `calibrate`:
        `calfun` "linear" (GREG; with `bounds` truncated linear), "raking" or "logit" (needs
        `bounds`), `bounds` on the ratio new / old weight. Converged when every total is met to
        `epsilon` relative to (1 + |total|). Standard errors use the residuals of the weighted
        regression on `x`. Raises if no solution is found."""
        xm = np.asarray(x, dtype=float)
        if xm.ndim == 1:
            xm = xm[:, None]
        if np.isnan(xm).any():
            raise ValueError("calibration variables have missing values")
        t = np.asarray(totals, dtype=float)
        if calfun == "linear" and bounds is None:  # explicit: g = 1 + x lambda
            lam = np.linalg.solve((xm * self.weights[:, None]).T @ xm, t - xm.T @ self.weights)
            g = 1 + xm @ lam
        else:
            g = _solve_calibration(xm, self.weights, t, calfun, bounds, max_iter, epsilon)
        return replace(self, weights=self.weights * g, calibrations=(*self.calibrations, _Greg(xm, self.weights)))

    def calibrated(self, margins: dict[str | tuple, pd.Series | dict], weights: np.ndarray) -> Design:
        """This design after a calibration to `margins` that gave `weights` (e.g. read back
        from disk): the same standard errors as `calibrate`, without solving again."""
        x, _ = self._indicators(margins)
        return replace(
            self, weights=np.asarray(weights, dtype=float), calibrations=(*self.calibrations, _Greg(x, self.weights))
        )

    def _indicators(self, margins) -> tuple[np.ndarray, np.ndarray]:
        """0/1 matrix of every row's cell in every margin, and the cells' population counts."""
        blocks, totals = [], []
        for by, pop in margins.items():
            codes, target = self._cells(list(by) if isinstance(by, tuple) else by, pop)
            blocks.append(np.eye(len(target))[codes])
            totals.append(target)
        return np.hstack(blocks), np.concatenate(totals)

    def _cells(self, by, population) -> tuple[np.ndarray, np.ndarray]:
        """Cell code of every row and the population count of every cell."""
        keys = pd.Series(_cell_keys(self.data, by), dtype=object)
        pop = pd.Series(population, dtype=float) if isinstance(population, dict) else population.astype(float)
        pop.index = pop.index.map(_key)
        codes, cells = pd.factorize(keys)
        cells = [_key(c) for c in cells]
        missing = sorted(set(cells) - set(pop.index), key=str)
        if missing:
            raise ValueError(f"cells in the sample without population count: {missing}")
        absent = pop[(pop > 0) & ~pop.index.isin(cells)]
        if len(absent):
            raise ValueError(f"cells in the population without any sample unit: {list(absent.index)}")
        return codes, pop.reindex(cells).to_numpy()

    def with_weights(self, weights: np.ndarray) -> Design:
        """The same design with other (uncalibrated) weights."""
        return replace(self, weights=np.asarray(weights, dtype=float), calibrations=())

    # --- variance ----------------------------------------------------------------------
    def variance(
        self, influence: np.ndarray, present: np.ndarray | None = None, scale: np.ndarray | None = None
    ) -> np.ndarray:
        """Covariance matrix of the estimator whose influence values (rows x k) are given;
        `present` (True per row of the domain) tells which PSUs the domain has, for
        `adjust_domain_lonely`; `scale` (rows x k) multiplies the influence values after the
        calibration residuals (the small-sample factors of :func:`glm` and :func:`olr`)."""
        x = np.asarray(influence, dtype=float).reshape(len(self.weights), -1)
        for cal in self.calibrations:
            if isinstance(cal, _Greg):
                x = _greg_residuals(x, cal, self.weights)
                continue
            steps = cal.margins if isinstance(cal, _Raking) else (cal,)
            sweeps = 10 if isinstance(cal, _Raking) else 1
            for _ in range(sweeps):
                for ps in steps:
                    x = _residualise(x, ps, raking=isinstance(cal, _Raking))
        if scale is not None:
            x = x * scale
        present = np.ones(len(x), dtype=bool) if present is None else np.asarray(present, dtype=bool)
        rules = (self.lonely_psu, self.adjust_domain_lonely, present)
        return _multistage(x, self.strata, self.clusters, self.sampsize, self.popsize, rules)

    def degf(self, rows: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata (R's `degf`), of `rows` (True per row
        of a domain or of the complete cases; R counts those of `subset(design, rows)`)."""
        inset = np.ones(len(self.weights), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        return int(len(np.unique(self.clusters[inset, 0])) - len(np.unique(self.strata[inset])))

    @property
    def kish_deff(self) -> float:
        """Kish's design effect due to unequal weights: n * sum(w^2) / sum(w)^2."""
        w = self.weights
        return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def _calfun(calfun: str, bounds):
    """g = F(u) and dF/du of R's calibration distances (cal.linear, cal.raking, cal.logit)."""
    lo, hi = bounds if bounds is not None else (-np.inf, np.inf)
    if calfun == "linear":
        return lambda u: (np.clip(1 + u, lo, hi), ((1 + u > lo) & (1 + u < hi)).astype(float))
    if calfun == "raking":

        def raking(u):
            g = np.exp(np.clip(u, -700, 700))
            return g, g

        return raking
    if calfun == "logit":
        if bounds is None or not lo < 1 < hi:
            raise ValueError("logit calibration needs bounds with lower < 1 < upper")
        a = (hi - lo) / ((1 - lo) * (hi - 1))

        def logit(u):
            e = np.exp(np.clip(a * u, -700, 700))
            g = (lo * (hi - 1) + hi * (1 - lo) * e) / ((hi - 1) + (1 - lo) * e)
            return g, (g - lo) * (hi - g) * a / (hi - lo)

        return logit
    raise ValueError(f"unknown calibration function {calfun!r}")


def _solve_calibration(x, d, totals, calfun, bounds, max_iter, epsilon) -> np.ndarray:
    """g-weights g = F(x @ lam) with sum(d * g * x) = totals, as R's grake: Newton steps with a
    generalised inverse (halved only where they leave F's domain) until every total is met to
    `epsilon` relative to 1 + |total|. Raises when that fails (e.g. bounds too tight)."""
    if bounds is not None and not bounds[0] < 1 < bounds[1]:
        raise ValueError("bounds must satisfy lower < 1 < upper")
    f = _calfun(calfun, bounds)
    lam = np.zeros(x.shape[1])
    g, dg = f(x @ lam)
    for _ in range(max_iter):
        misfit = totals - x.T @ (d * g)
        if np.all(np.abs(misfit) / (1 + np.abs(totals)) < epsilon):
            return g
        step = np.linalg.pinv((x * (d * dg)[:, None]).T @ x, rcond=256 * np.finfo(float).eps) @ misfit
        lam = lam + step
        g, dg = f(x @ lam)
        for _ in range(50):
            if np.isfinite(g).all() and np.isfinite(dg).all():
                break
            step = step / 2
            lam = lam - step
            g, dg = f(x @ lam)
    raise RuntimeError("calibration failed: no weights meet the margins within the bounds")


def _apply(codes: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, _PostStratum]:
    factor = target / np.bincount(codes, weights, minlength=len(target))
    new = weights * factor[codes]
    return new, _PostStratum(codes, weights, new)


def _key(value):
    return tuple(value) if isinstance(value, tuple) else value


def _cell_keys(data: pd.DataFrame, by) -> list:
    if isinstance(by, str):
        values = data[by]
        if values.isna().any():
            raise ValueError(f"calibration variable {by!r} has missing values")
        return [_key(v) for v in values.astype(object)]
    cols = data[list(by)]
    if cols.isna().any().any():
        raise ValueError(f"calibration variables {list(by)} have missing values")
    return list(cols.astype(object).itertuples(index=False, name=None))


def _residualise(x: np.ndarray, ps: _PostStratum, raking: bool) -> np.ndarray:
    """Remove each post-stratum's mean from the influence values (R's svyrecvar)."""
    psw = ps.new_weights
    k = ps.cells.max() + 1
    if raking:  # unweighted mean of x / w within the cell
        ratio = x / psw[:, None]
        sums = np.stack([np.bincount(ps.cells, ratio[:, j], k) for j in range(x.shape[1])], axis=1)
        means = sums / np.bincount(ps.cells, minlength=k)[:, None]
    else:  # mean weighted by the weights before this post-stratification
        ratio = x * (ps.old_weights / psw)[:, None]
        sums = np.stack([np.bincount(ps.cells, ratio[:, j], k) for j in range(x.shape[1])], axis=1)
        means = sums / np.bincount(ps.cells, ps.old_weights, k)[:, None]
    return x - means[ps.cells] * psw[:, None]


def _greg_residuals(x: np.ndarray, cal: _Greg, weights: np.ndarray) -> np.ndarray:
    """w * (u - X b) with u = x / w and b the regression of u on X weighted by the old weights."""
    root = np.sqrt(cal.old_weights)[:, None]
    u = x / weights[:, None]
    coef, *_ = np.linalg.lstsq(cal.indicators * root, u * root, rcond=None)
    return (u - cal.indicators @ coef) * weights[:, None]


def _calibration_projections(design: Design) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each calibration as the weighted regression its residuals come from: (indicators, the
    weights before). Raking counts as one regression on all its margins (its limit)."""
    out = []
    for cal in design.calibrations:
        if isinstance(cal, _Greg):
            out.append((cal.indicators, cal.old_weights))
        else:
            steps = cal.margins if isinstance(cal, _Raking) else (cal,)
            out.append((np.hstack([np.eye(ps.cells.max() + 1)[ps.cells] for ps in steps]), steps[0].old_weights))
    return out


def small_sample_scale(design: Design, rows: np.ndarray, x: np.ndarray, v: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """Bias-reduced linearisation (Bell and McCaffrey 2002) for designs with one row per PSU:
    factors (design rows x coefficients) for the influence values after the calibration residuals.

    A row's influence value is a linear map L of all rows' errors: through the fitted values
    (complete cases `rows`, model matrix `x`, weights `v`, working weights `omega`) and the
    regressions of the calibrations. Under a working model of independent errors with equal
    variance its expected square is sum_k L_ik², where the row's own contribution, the
    influence the variance should be built from, has c_i² (c_i = L_ii without the
    projections). The factor c_i / |L_i| makes the linearisation unbiased under that model: for
    unweighted OLS it is HC2's 1 / sqrt(1 - h_ii); after a post-stratification the
    within-cell variances get their n_c / (n_c - 1)."""
    if design.clusters.shape[1] > 1 or len(np.unique(design.clusters[:, 0])) < len(design.weights):
        raise ValueError("the small-sample adjustment needs one row per PSU (no clusters)")
    n_all, m = len(design.weights), len(v)
    info_inv = np.linalg.pinv((x * (v * omega)[:, None]).T @ x)
    # errors -> working residuals of the complete cases
    resid = (np.eye(m) - (omega[:, None] * x) @ info_inv @ (x * v[:, None]).T) * np.sqrt(omega)[None, :]
    projections = _calibration_projections(design)
    w = design.weights
    out = np.ones((n_all, x.shape[1]))
    for j in range(x.shape[1]):
        a = v * (x @ info_inv[:, j])  # influence per unit error of each complete case
        t = np.zeros((n_all, m))
        t[rows] = a[:, None] * resid
        for indicators, old in projections:
            u = t / w[:, None]
            gram = np.linalg.pinv((indicators * old[:, None]).T @ indicators)
            t = (u - indicators @ (gram @ ((indicators * old[:, None]).T @ u))) * w[:, None]
        norm = np.sqrt((t**2).sum(axis=1))
        own = np.zeros(n_all)
        own[rows] = np.abs(a * np.sqrt(omega))
        ok = (norm > 1e-12 * max(norm.max(), 1e-300)) & (own > 0)
        out[ok, j] = own[ok] / norm[ok]
    return out


def _multistage(x, strata, clusters, sampsize, popsize, rules=("fail", False, None)) -> np.ndarray:
    first = None if popsize is None else popsize[:, 0]
    v = _onestage(x, strata, clusters[:, 0], sampsize[:, 0], first, rules)
    if popsize is not None and clusters.shape[1] > 1:
        lonely, adjust_domain, present = rules
        for psu in np.unique(clusters[:, 0]):
            rows = clusters[:, 0] == psu
            top = np.flatnonzero(rows)[0]
            sub_rules = (lonely, adjust_domain, None if present is None else present[rows])
            sub = _multistage(x[rows], np.zeros(rows.sum(), dtype=int), clusters[rows, 1:], sampsize[rows, 1:],
                              popsize[rows, 1:], sub_rules)  # fmt: skip
            v = v + sub * sampsize[top, 0] / popsize[top, 0]
    return v


def _onestage(x, strata, psu, nsampled, popsize, rules=("fail", False, None)) -> np.ndarray:
    """Between-PSU variance summed over strata (R's onestage/onestrat), with R's rules for a
    stratum that has one PSU and, with `adjust_domain`, for a domain that has one PSU of a
    stratum (`present`: the domain's rows). "adjust" centres a lonely PSU at the grand mean of
    all PSU totals (as documented, and as survey's own tests expect since 4.2; survey 4.1 left
    the total uncentred, which differs for totals, not for means)."""
    lonely, adjust_domain, present = rules
    present = np.ones(len(x), dtype=bool) if present is None else present
    k = x.shape[1]
    v = np.zeros((k, k))
    levels = np.unique(strata)
    grand = x.sum(axis=0) / len(np.unique(psu))
    n_ok = 0
    for h in levels:
        rows = strata == h
        n_psu = int(nsampled[rows][0])
        f = 1.0 if popsize is None else (popsize[rows][0] - n_psu) / popsize[rows][0]
        if f < 1e-7:  # everything sampled: no variance from this stratum
            n_ok += 1
            continue
        n_sub = len(np.unique(psu[rows & present]))
        totals = pd.DataFrame(x[rows]).groupby(psu[rows]).sum().to_numpy()
        if len(totals) < n_psu:  # PSUs of the stratum without any row of this domain
            totals = np.vstack([totals, np.zeros((n_psu - len(totals), k))])
        lone = n_psu == 1 or (adjust_domain and n_sub == 1)
        if n_psu == 1 and lonely == "fail":
            raise ValueError(f"stratum {h} has only one PSU: its variance cannot be estimated")
        if lone and lonely == "average":
            continue  # left out; the other strata's sum is scaled up below
        totals = totals - (grand if lone and lonely == "adjust" else totals.mean(axis=0))
        scale = f * n_psu / (n_psu - 1) if n_psu > 1 else f
        v += totals.T @ totals * scale
        n_ok += 1
    return v * len(levels) / n_ok if n_ok else v * np.nan


# --- estimators ------------------------------------------------------------------------------
def _design_matrix(design: Design, column: str) -> tuple[pd.DataFrame, np.ndarray]:
    values = design.data[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = pd.DataFrame({column: values.astype(float)})
    else:  # categorical: one indicator column per category, in category order
        cats = values.astype("category").cat.categories
        x = pd.DataFrame({f"{column}={c}": (values == c).astype(float) for c in cats})
        x[values.isna().to_numpy()] = np.nan
    present = x.notna().all(axis=1).to_numpy()
    return x.fillna(0.0), present


def _covariance(design, influence: np.ndarray, replicate, present: np.ndarray) -> np.ndarray:
    """Covariance by linearisation (`influence`; `present`: the rows with a value), or for a
    replicate design from the estimates `replicate(weights)` under every replicate."""
    if isinstance(design, ReplicateDesign):
        return design.replicate_covariance(replicate)
    return design.variance(influence, present)


def _srs_variance(design, x: np.ndarray, present: np.ndarray, replace_: bool, total: bool) -> np.ndarray:
    """Variance of the same estimator under simple random sampling of the same size, as R's
    `deff`: the weighted variance of `x` (n / (n - 1)) over n, without replacement times
    (N - n) / N; for totals times N²."""
    w = np.where(present, design.weights, 0.0)
    n, big_n = int(present.sum()), w.sum()
    xbar = (x * w[:, None]).sum(axis=0) / big_n
    var = ((x - xbar) ** 2 * w[:, None]).sum(axis=0) / big_n * n / (n - 1)
    v = var / n * (big_n**2 if total else 1.0)
    return v if replace_ else v * (big_n - n) / big_n


def total(design: Design, column: str, deff: bool | str = False) -> pd.DataFrame:
    """Estimated population total of `column` (per category for categorical columns), with SE;
    with `deff` (True, or "replace" for sampling with replacement) the design effect."""
    x, present = _design_matrix(design, column)
    xm = x.to_numpy()
    w = np.where(present, design.weights, 0.0)
    influence = xm * w[:, None]
    est = influence.sum(axis=0)
    cov = _covariance(design, influence, lambda rw: xm.T @ (rw * present[:, None]), present)
    out = pd.DataFrame({"estimate": est, "se": np.sqrt(np.diag(cov)), "n": int(present.sum())}, index=x.columns)
    if deff:
        out["deff"] = np.diag(cov) / _srs_variance(design, xm, present, deff == "replace", total=True)
    return out


def mean(design: Design, column: str, deff: bool | str = False) -> pd.DataFrame:
    """Estimated population mean of `column` (shares per category for categorical ones), with SE;
    with `deff` (True, or "replace" for sampling with replacement) the design effect."""
    x, present = _design_matrix(design, column)
    if not present.any():
        raise ValueError(f"{column!r} has no valid values")
    w = np.where(present, design.weights, 0.0)
    xm = x.to_numpy()
    est = (xm * w[:, None]).sum(axis=0) / w.sum()
    influence = (xm - est) * (w / w.sum())[:, None]
    cov = _covariance(design, influence, lambda rw: (xm.T @ (rw * present[:, None])) / (present @ rw), present)
    out = pd.DataFrame({"estimate": est, "se": np.sqrt(np.diag(cov)), "n": int(present.sum())}, index=x.columns)
    if deff:
        out["deff"] = np.diag(cov) / _srs_variance(design, xm, present, deff == "replace", total=False)
    return out


def ratio(design: Design, numerator: str, denominator: str) -> pd.Series:
    """Ratio of two population totals (R's svyratio), e.g. a share of residents; rows with
    either value missing are left out."""
    y = design.data[numerator].astype(float).to_numpy()
    x = design.data[denominator].astype(float).to_numpy()
    present = ~(np.isnan(y) | np.isnan(x))
    w = np.where(present, design.weights, 0.0)
    y, x = np.where(present, y, 0.0), np.where(present, x, 0.0)
    tx = np.sum(w * x)
    if tx == 0:
        raise ValueError(f"total of {denominator!r} is zero")
    r = np.sum(w * y) / tx
    influence = (w * (y - r * x) / tx)[:, None]
    cov = _covariance(design, influence, lambda rw: ((y @ rw) / (x @ rw))[None, :], present)
    return pd.Series({"estimate": r, "se": float(np.sqrt(cov[0, 0])), "n": int(present.sum())})


def by(
    design: Design,
    column: str,
    group: str | list[str],
    statistic: str = "mean",
    denominator: str | None = None,
    deff: bool | str = False,
    covmat: bool = False,
):
    """Domain estimates for every group of `group` (R's `svyby`): the `statistic` ("mean",
    "total" or "ratio" of `column` to `denominator`) in each domain, computed on the whole
    design with the other rows counting zero. Returns one row per group and variable
    (estimate, se, n, deff), groups in R's order (the first grouping column varies fastest);
    with `covmat` also the covariance matrix of the estimates across groups (R's
    `covmat=TRUE`). Groups without any row are left out."""
    cols = [group] if isinstance(group, str) else list(group)
    keys = design.data[cols].astype(object)
    valid = keys.notna().all(axis=1).to_numpy()
    tuples = list(keys.itertuples(index=False, name=None))
    groups = sorted({t for t, v in zip(tuples, valid) if v}, key=lambda t: t[::-1])
    position = {t: i for i, t in enumerate(groups)}
    codes = np.array([position[t] if v else -1 for t, v in zip(tuples, valid)])
    rows, influences, replicates = [], [], []
    for g, key in enumerate(groups):
        inside = codes == g
        sub = replace(design, data=design.data.assign(**{c: design.data[c].where(inside) for c in
                                                         [column] + ([denominator] if denominator else [])}))  # fmt: skip
        if statistic == "ratio":
            r = ratio(sub, column, denominator)
            res = pd.DataFrame([r], index=[column])
        else:
            res = {"mean": mean, "total": total}[statistic](sub, column, deff=deff)
        infl, rep = _domain_parts(sub, column, statistic, denominator)
        influences.append(infl)
        replicates.append(rep)
        label = key[0] if len(cols) == 1 else key
        rows.append(res.assign(group=[label] * len(res), variable=res.index))
    out = pd.concat(rows, ignore_index=True)
    if not covmat:
        return out
    if isinstance(design, ReplicateDesign):
        cov = design.replicate_covariance(lambda rw: np.vstack([f(rw) for f in replicates]))
    else:
        cov = design.variance(np.hstack(influences))
    return out, cov


def _domain_parts(design: Design, column: str, statistic: str, denominator: str | None):
    """Influence values and replicate function of one domain's estimate (see `by`)."""
    if statistic == "ratio":
        y = design.data[column].astype(float).to_numpy()
        x = design.data[denominator].astype(float).to_numpy()
        present = ~(np.isnan(y) | np.isnan(x))
        y, x = np.where(present, y, 0.0), np.where(present, x, 0.0)
        w = np.where(present, design.weights, 0.0)
        r = (w @ y) / (w @ x)
        return (w * (y - r * x) / (w @ x))[:, None], lambda rw: ((y @ rw) / (x @ rw))[None, :]
    xd, present = _design_matrix(design, column)
    xm = xd.to_numpy()
    w = np.where(present, design.weights, 0.0)
    if statistic == "total":
        return xm * w[:, None], lambda rw: xm.T @ (rw * present[:, None])
    est = (xm * w[:, None]).sum(axis=0) / w.sum()
    return (xm - est) * (w / w.sum())[:, None], lambda rw: (xm.T @ (rw * present[:, None])) / (present @ rw)


def logit_interval(estimate, se, df: float, level: float = 0.95, lower: float = 0.0, upper: float = 1.0):
    """Interval for a value bounded by (`lower`, `upper`) (a share, or a 0-100 index), Wald on
    the logit scale with t(`df`) and transformed back: always inside the bounds, as R's
    `svyciprop(method = "logit")`. Returns (low, high); NaN where the estimate sits on a bound."""
    est, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    p = (est - lower) / (upper - lower)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (p > 0) & (p < 1)
        centre = special.logit(np.where(inner, p, 0.5))
        half = stats.t.ppf(0.5 + level / 2, df) * se / (upper - lower) / (p * (1 - p))
        low = np.where(inner, lower + (upper - lower) * special.expit(centre - half), np.nan)
        high = np.where(inner, lower + (upper - lower) * special.expit(centre + half), np.nan)
    return low, high


def ci_prop(design: Design, column: str, level: float = 0.95) -> pd.Series:
    """A share (mean of a 0/1 or 0-1 column) with the logit interval of R's
    `svyciprop(method="logit")`: design SE, t with the design degrees of freedom of the
    answering rows."""
    m = mean(design, column).iloc[0]
    present = design.data[column].notna().to_numpy()
    df = design.degf() if isinstance(design, ReplicateDesign) else design.degf(present)
    low, high = logit_interval(m["estimate"], m["se"], df, level)
    return pd.Series({"estimate": m["estimate"], "se": m["se"], "ci_low": float(low), "ci_high": float(high),
                      "df": df, "n": m["n"]})  # fmt: skip


def stratified_ratio(design: Design, numerator: str, denominator: str, by: str, totals: dict) -> pd.Series:
    """Separate ratio estimator: sum over cells c of X_c / X * R_c, with R_c the ratio of the
    estimated totals of `numerator` and `denominator` in cell c and X_c the known total of
    `denominator` in c (e.g. register inhabitants by size class)."""
    cells = design.data[by].astype(object).to_numpy()
    y = design.data[numerator].astype(float).to_numpy()
    x = design.data[denominator].astype(float).to_numpy()
    present = ~(np.isnan(y) | np.isnan(x))
    w = np.where(present, design.weights, 0.0)
    y, x = np.where(present, y, 0.0), np.where(present, x, 0.0)
    known = pd.Series(totals, dtype=float)
    share = known / known.sum()
    est, influence = 0.0, np.zeros(len(w))
    for cell, weight in share.items():
        rows = cells == cell
        tx = np.sum(w[rows] * x[rows])
        if tx == 0:
            raise ValueError(f"no valid values in cell {cell!r}")
        r = np.sum(w[rows] * y[rows]) / tx
        est += weight * r
        influence[rows] = weight * w[rows] * (y[rows] - r * x[rows]) / tx
    se = float(np.sqrt(design.variance(influence[:, None])[0, 0]))
    return pd.Series({"estimate": est, "se": se, "n": int(present.sum())})


class WeightedOrderedModel(OrderedModel):
    """Ordered logit whose log-likelihood contributions are multiplied by case weights
    (a pseudo-likelihood; use a sandwich covariance). The logistic cdf and pdf come from
    `scipy.special.expit` instead of `scipy.stats.logistic`: the same values, without the
    per-call overhead that dominated the numerical gradients."""

    def cdf(self, x):
        return special.expit(x) if self.distr is stats.logistic else super().cdf(x)

    def pdf(self, x):
        if self.distr is not stats.logistic:
            return super().pdf(x)
        p = special.expit(x)
        return p * (1 - p)

    def __init__(self, endog, exog, case_weights=None, **kwargs):
        super().__init__(endog, exog, **kwargs)
        self.case_weights = None if case_weights is None else np.asarray(case_weights, dtype=float)

    def loglikeobs(self, params):
        ll = super().loglikeobs(params)
        return ll if self.case_weights is None else ll * self.case_weights

    def score_obs(self, params, **kwds):
        """Analytic gradient of `loglikeobs` for the logit link (numerical otherwise): with
        u, l the upper and lower bounds of the observed category and P = F(u) - F(l),
        d/d beta = -(f(u) - f(l)) / P * x and d/d theta_j = (f(u) [j = upper] - f(l) [j = lower]) / P,
        chained through theta_1 = a_1, theta_j = theta_(j-1) + exp(a_j)."""
        if self.distr is not stats.logistic:
            return super().score_obs(params, **kwds)
        low, upp = self._bounds(params)
        f_low, f_upp = self.pdf(low), self.pdf(upp)
        prob = self.prob(low, upp) + 1e-20  # as in `loglikeobs`
        d_beta = -((f_upp - f_low) / prob)[:, None] * np.asarray(self.exog)
        n_thresh = self.k_levels - 1
        y = np.asarray(self.endog, dtype=int)
        rows = np.arange(len(y))
        d_theta = np.zeros((len(y), n_thresh))
        upper, lower = y < n_thresh, y > 0
        d_theta[rows[upper], y[upper]] += f_upp[upper] / prob[upper]
        d_theta[rows[lower], y[lower] - 1] -= f_low[lower] / prob[lower]
        a = np.asarray(params)[-n_thresh:]
        chain = np.tril(np.ones((n_thresh, n_thresh))) * np.concatenate(([1.0], np.exp(a[1:])))
        score = np.column_stack([d_beta, d_theta @ chain])
        return score if self.case_weights is None else score * self.case_weights[:, None]

    def score(self, params):
        return self.score_obs(params).sum(axis=0)

    def hessian(self, params):
        """Central differences of the analytic score: k score evaluations instead of the
        about 2k² log-likelihood evaluations of statsmodels' numerical Hessian."""
        if self.distr is not stats.logistic:
            return super().hessian(params)
        h = approx_fprime(np.asarray(params, dtype=float), self.score, centered=True)
        return (h + h.T) / 2


# --- replicate weights -----------------------------------------------------------------------
@dataclass(frozen=True)
class ReplicateDesign:
    """A design whose variance comes from replicate weights (R's `svrepdesign`):
    v = scale * sum_r rscales_r (theta_r - centre)², centre the mean of the replicates or, with
    `mse`, the full-sample estimate. `repweights` are analysis weights, one column per replicate."""

    data: pd.DataFrame
    weights: np.ndarray
    repweights: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool = False
    type: str = "other"

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        weights: str,
        repweights: list[str],
        scale: float,
        rscales=None,
        mse: bool = False,
        type: str = "other",
    ) -> ReplicateDesign:
        """Replicate weights given as columns of analysis weights (e.g. exported from R with
        `weights(design, "analysis")`)."""
        data = data.reset_index(drop=True)
        rw = data[list(repweights)].to_numpy(dtype=float)
        rs = np.ones(rw.shape[1]) if rscales is None else np.asarray(rscales, dtype=float)
        return cls(data, data[weights].to_numpy(dtype=float), rw, float(scale), rs, mse, type)

    def replicate_covariance(self, estimate) -> np.ndarray:
        """Covariance of `estimate(weights)` (weights: rows x m, result: k x m) over the replicates."""
        full = np.asarray(estimate(self.weights[:, None]), dtype=float).reshape(-1)
        reps = np.asarray(estimate(self.repweights), dtype=float).reshape(len(full), -1)
        centre = full if self.mse else reps[:, self.rscales > 0].mean(axis=1)
        dev = reps - centre[:, None]
        return self.scale * (dev * self.rscales) @ dev.T

    def degf(self, rows: np.ndarray | None = None) -> int:
        """Rank of the replicate weights minus one (R's `degf` of a replicate design)."""
        return int(np.linalg.matrix_rank(self.repweights) - 1)


def replicate_design(design: Design, type: str = "JK1", replicates: int = 50, mse: bool = False,
                     seed: int | None = None) -> ReplicateDesign:  # fmt: skip
    """Replicate weights for a design, as R's `as.svrepdesign`: "JK1" (delete-one-PSU jackknife,
    unstratified), "JKn" (jackknife within strata) or "bootstrap" (Canty and Davison's
    resampling of PSUs within strata, without replacement from the stratum's population when
    the design has an fpc). First-stage fpc only; not for calibrated designs."""
    if design.calibrations:
        raise ValueError("replicate weights for calibrated designs are not supported: calibrate each replicate")
    psu, strata, w = design.clusters[:, 0], design.strata, design.weights
    pop = None if design.popsize is None else design.popsize[:, 0]
    columns, rscales, scale = [], [], 1.0
    if type == "JK1":
        if len(np.unique(strata)) > 1:
            raise ValueError("JK1 needs an unstratified design: use JKn")
        units = np.unique(psu)
        n = len(units)
        f = 1.0 if pop is None else (pop[0] - n) / pop[0]
        columns = [np.where(psu == u, 0.0, n / (n - 1)) for u in units]
        rscales, scale = [1.0] * n, f * (n - 1) / n
    elif type == "JKn":
        levels = np.unique(strata)
        kept = 0
        for h in levels:
            rows = strata == h
            units = np.unique(psu[rows])
            n = len(units)
            f = 1.0 if pop is None else (pop[rows][0] - n) / pop[rows][0]
            if f < 1e-7:
                continue
            if n == 1:
                if design.lonely_psu == "fail":
                    raise ValueError(f"stratum {h} has only one PSU: its variance cannot be estimated")
                if design.lonely_psu == "adjust":
                    k = len(levels)
                    columns.append(np.where(rows, 0.0, k / (k - 1)))
                    rscales.append((k - 1) / k)
                    kept += 1
                continue
            for u in units:
                columns.append(np.where(rows, np.where(psu == u, 0.0, n / (n - 1)), 1.0))
                rscales.append(f * (n - 1) / n)
                kept += 1
        if design.lonely_psu == "average" and kept < len(np.unique(psu)):
            scale = len(np.unique(psu)) / kept
    elif type == "bootstrap":
        rng = np.random.default_rng(seed)
        counts = np.zeros((len(w), replicates))
        sizes = []
        for h in np.unique(strata):
            rows = strata == h
            units, index = np.unique(psu[rows], return_inverse=True)
            n = len(units)
            sizes.append(n)
            big_n = None if pop is None else int(round(pop[rows][0]))
            for r in range(replicates):
                if big_n is None:
                    draw = rng.integers(0, n, n)
                else:  # n draws without replacement from the stratum's units repeated to N
                    draw = rng.permutation(np.resize(rng.permutation(n), big_n))[:n]
                counts[rows, r] = np.bincount(draw, minlength=n)[index]
        per_stratum = 1 / np.mean(1 / np.asarray(sizes, dtype=float))
        columns = list(counts.T)
        rscales, scale = [1.0] * replicates, per_stratum / ((per_stratum - 1) * (replicates - 1))
    else:
        raise ValueError(f"unknown replicate type {type!r}: JK1, JKn or bootstrap")
    rw = w[:, None] * np.column_stack(columns)
    return ReplicateDesign(design.data, w, rw, float(scale), np.asarray(rscales, dtype=float), mse, type)


# --- design-based regression ---------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyFit:
    """Coefficients of a design-based regression with their covariance and the design degrees
    of freedom (R: `df.residual` of `svyglm`/`svyolr`); tests and intervals use t(df)."""

    params: pd.Series
    cov: pd.DataFrame
    df: int
    n: int
    result: object  # the statsmodels fit of the point estimates
    converged: bool = True
    bias_removed: pd.Series | None = None  # small_sample: maximum likelihood estimate minus params

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index)

    @property
    def pvalues(self) -> pd.Series:
        t = self.params / self.bse
        return pd.Series(2 * stats.t.sf(np.abs(t), self.df), index=t.index) if self.df > 0 else t * np.nan

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = stats.t.ppf(0.5 + level / 2, self.df) if self.df > 0 else np.nan
        return pd.DataFrame({"low": self.params - q * self.bse, "high": self.params + q * self.bse})


_FAMILIES = {"gaussian": families.Gaussian, "binomial": families.Binomial}


def _complete_rows(data: pd.DataFrame, formula: str) -> np.ndarray:
    """Row positions that the formula's model frame keeps (no missing value in any term)."""
    import statsmodels.formula.api as smf

    outcome, rhs = formula.split("~", 1)
    frame = data.assign(_y=0.0)
    rows = smf.ols(f"_y ~ {rhs}", frame).data.row_labels
    keep = np.zeros(len(data), dtype=bool)
    keep[data.index.get_indexer(rows)] = True
    return keep & data[outcome.strip()].notna().to_numpy()


def glm(
    design: Design | ReplicateDesign, formula: str, family: str = "gaussian", small_sample: bool = False
) -> SurveyFit:
    """Design-based generalised linear model, as R's `svyglm` ("gaussian": weighted least
    squares; "binomial": logistic regression, R's `quasibinomial`). Point estimates from the
    weighted fit (statsmodels GLM, weights scaled to mean 1); covariance by linearisation,
    inverse information x design covariance of the score totals x inverse information
    (`svy.varcoef`), through the design's strata, clusters, fpc and calibration, or from refits
    under every replicate weight. Rows with a missing value count as zero (domain).

    `small_sample` (no R equivalent in `survey`): the linearisation with Bell and McCaffrey's
    bias reduction (:func:`small_sample_scale`) and, for "binomial", the estimates less their
    second-order bias, b = -1/2 A^-1 sum_i v_i p_i q_i (1 - 2 p_i) x_i (x_i' C x_i) (A the
    weighted information, C the linearised covariance: Firth's bias with the design's
    covariance in place of the inverse information)."""
    import statsmodels.formula.api as smf

    _linearised_only(design, small_sample)
    data = design.data
    rows = _complete_rows(data, formula)
    frame = smf.ols(formula, data.loc[rows])
    y, x = np.asarray(frame.endog, dtype=float), np.asarray(frame.exog, dtype=float)
    names = list(frame.exog_names)
    fam = _FAMILIES[family]()

    def fit(weights, start=None):
        wr = weights[rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GLM(y, x, family=fam, var_weights=wr / wr.mean()).fit(start_params=start, tol=1e-10)

    res = fit(design.weights)
    params = np.asarray(res.params, dtype=float)
    if isinstance(design, ReplicateDesign):
        cov = design.replicate_covariance(
            lambda w: np.column_stack([fit(w[:, j], res.params).params for j in range(w.shape[1])])
        )
    else:
        influence = np.zeros((len(data), len(names)))
        influence[rows] = res.model.score_obs(res.params, scale=1.0) @ res.normalized_cov_params
        cov = design.variance(influence)
        if small_sample:
            v, mu = res.model.var_weights, np.asarray(res.fittedvalues, dtype=float)
            omega = np.ones(len(mu)) if family == "gaussian" else mu * (1 - mu)
            if family == "binomial":
                quad = np.einsum("ni,ij,nj->n", x, cov, x)
                params = params + 0.5 * res.normalized_cov_params @ (x.T @ (v * omega * (1 - 2 * mu) * quad))
            cov = design.variance(influence, scale=small_sample_scale(design, rows, x, v, omega))
    removed = pd.Series(np.asarray(res.params, dtype=float) - params, index=names) if small_sample else None
    return SurveyFit(pd.Series(params, index=names), pd.DataFrame(cov, index=names, columns=names),
                     design.degf(rows) + 1 - len(names), int(rows.sum()), res, bool(res.converged),
                     removed)  # fmt: skip


def olr(design: Design | ReplicateDesign, formula: str, small_sample: bool = False) -> SurveyFit:
    """Design-based proportional-odds (ordered logit) model, as R's `svyolr`: P(y <= j) =
    expit(zeta_j - x'beta). The outcome is an ordered categorical (unused levels dropped) or
    numbers; the thresholds take the place of the formula's intercept. Covariance by linearisation of the weighted
    likelihood scores (or from replicate refits); thresholds reported as zeta ("a|b"),
    df = design degrees of freedom minus the number of slopes. `small_sample`: the
    linearisation with Bell and McCaffrey's bias reduction (:func:`small_sample_scale`, the
    model's projection taken as that of a GLM on the slopes and one intercept with the
    information of the linear predictor as working weight; the thresholds get the intercept's
    factors) and the estimates less their second-order bias (:func:`_second_order_bias` with
    the linearised covariance)."""
    _linearised_only(design, small_sample)
    outcome = formula.split("~", 1)[0].strip()
    data = design.data
    rows = _complete_rows(data, formula)
    sub = data.loc[rows]
    values = sub[outcome]
    cat = (values.cat.remove_unused_categories().array if isinstance(values.dtype, pd.CategoricalDtype)
           else pd.Categorical(values, ordered=True))  # fmt: skip
    cat = pd.Categorical(cat, categories=list(cat.categories), ordered=True)
    sub = sub.assign(**{outcome: cat})

    def model(weights):
        wr = weights[rows]
        return WeightedOrderedModel.from_formula(formula, sub, distr="logit", case_weights=wr / wr.mean())

    def fit(weights, start=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model(weights).fit(start_params=start, method="bfgs", disp=False, maxiter=2000, gtol=1e-8)

    res = fit(design.weights)
    m = res.model
    k = m.k_levels - 1
    slopes = list(m.exog_names[: m.exog.shape[1]])
    levels = [str(c) for c in cat.categories]
    names = slopes + [f"{a}|{b}" for a, b in zip(levels[:-1], levels[1:])]

    def to_zeta(params):
        p = np.asarray(params, dtype=float)
        return np.concatenate([p[:-k], np.cumsum(np.concatenate([[p[-k]], np.exp(p[len(p) - k + 1 :])]))])

    if isinstance(design, ReplicateDesign):
        cov = design.replicate_covariance(
            lambda w: np.column_stack([to_zeta(fit(w[:, j], res.params).params) for j in range(w.shape[1])])
        )
    else:
        a = np.asarray(res.params, dtype=float)
        jac = np.eye(len(a))  # d (beta, zeta) / d (beta, a)
        jac[len(slopes) :, len(slopes)] = 1.0
        for j in range(1, k):
            jac[len(slopes) + j :, len(slopes) + j] = np.exp(a[len(slopes) + j])
        raw = np.zeros((len(data), len(a)))  # influence on the fitted parameters (a)
        raw[rows] = m.score_obs(a) @ np.linalg.inv(-m.hessian(a))
        influence = raw @ jac.T
        scale = None
        if small_sample:
            x = np.column_stack([np.asarray(m.exog, dtype=float), np.ones(len(m.exog))])
            factors = small_sample_scale(design, rows, x, m.case_weights, _olr_information(m, a))
            scale = np.column_stack([factors[:, : len(slopes)], np.repeat(factors[:, -1:], k, axis=1)])
            a = a - _second_order_bias(m, a, design.variance(raw))
        cov = design.variance(influence, scale=scale)
    converged = bool(res.mle_retvals.get("converged", True))
    params = to_zeta(a) if small_sample else to_zeta(res.params)
    removed = pd.Series(to_zeta(res.params) - params, index=names) if small_sample else None
    return SurveyFit(pd.Series(params, index=names), pd.DataFrame(cov, index=names, columns=names),
                     design.degf(rows) - len(slopes), int(rows.sum()), res, converged, removed)  # fmt: skip


def _second_order_bias(model, params: np.ndarray, cov: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Second-order bias of the weighted likelihood's root (Cox and Snell; Firth's bias when
    `cov` is the inverse information): A^-1 (sum_i H_i A^-1 s_i + 1/2 grad tr(H C)), with s_i, H_i
    the rows' scores and Hessians, H their sum, A = -H and C = `cov` the estimate's covariance.
    Hessians by central differences of the analytic scores; with C = sum_m l_m u_m u_m', the
    gradient of tr(H C) is sum_m l_m times the second difference of the score along u_m. For
    the logit the first term has expectation zero (its Hessian does not depend on y), which is
    why `glm` leaves it out."""
    eye = np.eye(len(params)) * step
    per_row = np.stack([model.score_obs(params + e) - model.score_obs(params - e) for e in eye], axis=2) / (2 * step)
    per_row = (per_row + per_row.transpose(0, 2, 1)) / 2
    a_inv = np.linalg.inv(-per_row.sum(axis=0))
    centre = model.score_obs(params)
    cross = np.einsum("nij,jk,nk->i", per_row, a_inv, centre)
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    h = 10 * step
    grad = sum(
        value * (model.score(params + h * u) - 2 * centre.sum(axis=0) + model.score(params - h * u)) / h**2
        for value, u in zip(values, vectors.T)
    )
    return a_inv @ (cross + grad / 2)


def _linearised_only(design, small_sample: bool) -> None:
    if small_sample and isinstance(design, ReplicateDesign):
        raise ValueError("the small-sample adjustment is for linearisation, not for replicate weights")


def _olr_information(model: OrderedModel, params: np.ndarray) -> np.ndarray:
    """Per row, minus the second derivative of the ordered logit's log-likelihood in the linear
    predictor: with u, l the bounds of the observed category, P = F(u) - F(l), f = F(1 - F),
    f' = f(1 - 2F): ((f(u) - f(l)) / P)² - (f'(u) - f'(l)) / P."""
    low, upp = model._bounds(params)
    fl, fu = special.expit(low), special.expit(upp)
    dl, du = fl * (1 - fl), fu * (1 - fu)
    prob = fu - fl + 1e-20
    return ((du - dl) / prob) ** 2 - (du * (1 - 2 * fu) - dl * (1 - 2 * fl)) / prob
