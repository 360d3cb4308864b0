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
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd


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
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    clusters: np.ndarray  # rows x stages, integer ids unique within their parent
    popsize: np.ndarray | None  # rows x stages, or None
    sampsize: np.ndarray  # rows x stages: PSUs sampled in the row's stratum / parent cluster
    calibrations: tuple = field(default=())

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        weights: str | None = None,
        strata: str | None = None,
        clusters: str | list[str] | None = None,
        fpc: str | list[str] | None = None,
    ) -> Design:
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
        return cls(data, w, st, clus, pop, samp)

    # --- calibration -------------------------------------------------------------------
    def post_stratify(self, by: str | list[str], population: pd.Series | dict) -> Design:
        """Scale weights so that they sum to the population count of every cell of `by`."""
        weights, ps = _apply(*self._cells(by, population), self.weights)
        return replace(self, weights=weights, calibrations=(*self.calibrations, ps))

    def rake(self, margins: dict[str | tuple, pd.Series | dict], max_iter: int = 10, epsilon: float = 1.0) -> Design:
        """Iterative proportional fitting to several margins, as R's `rake`.

        Stops when no cell of the joint table of all margin variables changes by `epsilon` or
        more between sweeps (`epsilon` < 1 is taken as a fraction of the total weight).
        Raises if that does not happen within `max_iter` sweeps.
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
            if np.abs(after - before).max() < tol:
                return replace(self, weights=weights, calibrations=(*self.calibrations, _Raking(tuple(steps))))
            before = after
        raise RuntimeError(f"raking did not converge in {max_iter} sweeps")

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
            weights = self.rake(margins, max_iter=max(max_iter, 1000), epsilon=1e-10).weights
        else:
            weights = self.weights * _solve_calibration(x, self.weights, t, bounds, max_iter)
        return replace(self, weights=weights, calibrations=(*self.calibrations, _Greg(x, self.weights)))

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
    def variance(self, influence: np.ndarray) -> np.ndarray:
        """Covariance matrix of the estimator whose influence values (rows x k) are given."""
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
        return _multistage(x, self.strata, self.clusters, self.sampsize, self.popsize)

    @property
    def kish_deff(self) -> float:
        """Kish's design effect due to unequal weights: n * sum(w^2) / sum(w)^2."""
        w = self.weights
        return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def _solve_calibration(x, d, totals, bounds, max_iter) -> np.ndarray:
    """Damped Newton for the bounded logit g-weights g = F(x @ lam), sum(d * g * x) = totals."""
    lo, hi = bounds
    if not lo < 1 < hi:
        raise ValueError("bounds must satisfy lower < 1 < upper")
    a = (hi - lo) / ((1 - lo) * (hi - 1))

    def f(u):
        e = np.exp(np.clip(a * u, -700, 700))
        g = (lo * (hi - 1) + hi * (1 - lo) * e) / ((hi - 1) + (1 - lo) * e)
        return g, (g - lo) * (hi - g) * a / (hi - lo)

    lam = np.zeros(x.shape[1])
    scale = max(1.0, np.abs(totals).max())
    g, dg = f(x @ lam)
    residual = totals - x.T @ (d * g)
    for _ in range(max_iter):
        if np.abs(residual).max() < 1e-10 * scale:
            return g
        jac = (x * (d * dg)[:, None]).T @ x
        step = np.linalg.lstsq(jac, residual, rcond=None)[0]
        for _ in range(30):  # halve the step until the residual shrinks
            g_new, dg_new = f(x @ (lam + step))
            res_new = totals - x.T @ (d * g_new)
            if np.linalg.norm(res_new) < np.linalg.norm(residual):
                break
            step = step / 2
        else:
            break
        lam, g, dg, residual = lam + step, g_new, dg_new, res_new
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


def _multistage(x, strata, clusters, sampsize, popsize) -> np.ndarray:
    v = _onestage(x, strata, clusters[:, 0], sampsize[:, 0], None if popsize is None else popsize[:, 0])
    if popsize is not None and clusters.shape[1] > 1:
        for psu in np.unique(clusters[:, 0]):
            rows = clusters[:, 0] == psu
            first = np.flatnonzero(rows)[0]
            sub = _multistage(
                x[rows], np.zeros(rows.sum(), dtype=int), clusters[rows, 1:], sampsize[rows, 1:], popsize[rows, 1:]
            )
            v = v + sub * sampsize[first, 0] / popsize[first, 0]
    return v


def _onestage(x, strata, psu, nsampled, popsize) -> np.ndarray:
    k = x.shape[1]
    v = np.zeros((k, k))
    for h in np.unique(strata):
        rows = strata == h
        n_psu = nsampled[rows][0]
        f = 1.0 if popsize is None else (popsize[rows][0] - n_psu) / popsize[rows][0]
        if f < 1e-7:  # everything sampled: no variance from this stratum
            continue
        if n_psu < 2:
            raise ValueError(f"stratum {h} has only one PSU: its variance cannot be estimated")
        totals = pd.DataFrame(x[rows]).groupby(psu[rows]).sum().to_numpy()
        if len(totals) < n_psu:  # PSUs of the stratum without any row of this domain
            totals = np.vstack([totals, np.zeros((int(n_psu) - len(totals), k))])
        dev = totals - totals.mean(axis=0)
        v += dev.T @ dev * f * n_psu / (n_psu - 1)
    return v


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


def total(design: Design, column: str) -> pd.DataFrame:
    """Estimated population total of `column` (per category for categorical columns), with SE."""
    x, present = _design_matrix(design, column)
    w = np.where(present, design.weights, 0.0)
    influence = x.to_numpy() * w[:, None]
    est = influence.sum(axis=0)
    se = np.sqrt(np.diag(design.variance(influence)))
    return pd.DataFrame({"estimate": est, "se": se, "n": int(present.sum())}, index=x.columns)


def mean(design: Design, column: str) -> pd.DataFrame:
    """Estimated population mean of `column` (shares per category for categorical ones), with SE."""
    x, present = _design_matrix(design, column)
    if not present.any():
        raise ValueError(f"{column!r} has no valid values")
    w = np.where(present, design.weights, 0.0)
    xm = x.to_numpy()
    est = (xm * w[:, None]).sum(axis=0) / w.sum()
    influence = (xm - est) * (w / w.sum())[:, None]
    se = np.sqrt(np.diag(design.variance(influence)))
    return pd.DataFrame({"estimate": est, "se": se, "n": int(present.sum())}, index=x.columns)


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
    se = float(np.sqrt(design.variance(influence)[0, 0]))
    return pd.Series({"estimate": r, "se": se, "n": int(present.sum())})


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
