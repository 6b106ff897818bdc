"""GeNN_Autoparam's mushroom-body glyph classifier (REFERENCE_PROBLEMS.md §2), batched.

784 Poisson projection neurons (PN, one per pixel of a 28×28 glyph) drive ``n_kc``
Kenyon cells (KC, TraubMiles, fixed probability 0.2, 0.0033555 µS, ExpCond τ 1 ms);
a giant GABAergic neuron (GGN, non-leaky IF, fires once per 40 KC spikes) inhibits
every KC (−5, ExpCurr τ 20 ms); the KCs drive 4 detection neurons (DN, TraubMiles,
one per class) through plastic all-to-all synapses (ExpCond τ 10 ms) whose symmetric
Hebbian rule ``g += a (exp(−Δt/τ) − offset)``, clipped to [0, w_max], is applied on
every KC and every DN spike. During training a teacher current drives the labelled
class's DN (+teacher nA) and inhibits the others (−teacher nA). Each image is shown
for 25 ms, then 25 ms of blank; dt = 0.1 ms; the kernel is :mod:`._mb_kernel`.

Six genes: ``n_kc``, ``tau_ms``, ``a``, ``w_max_uS``, ``offset``, ``teacher_nA``.

``faithful=True``: upstream as shipped — one pass over the 80 rows in file order with
teacher and plasticity always on; the teacher truncated to an integer after rounding
to 2 decimals; initial KC → DN weights ~ N(1e-5, 5e-6) µS unclipped; the score is the
241-point accounting of :func:`score_241` (only the first two DN spikes of each image
window count) and the loss is ``241 − fitness``. Random draws come from the
candidate's seed.

Default: rows split into training and held-out rows (stratified by class and set,
drawn from ``seed``); a training pass over the training rows (teacher on as a
continuous current, plasticity on, initial weights clipped at 0), then a pass over
the same rows with the teacher off and the weights frozen, scored by the
cross-entropy of ``softmax(z / temperature)`` in each 25 ms image window, ``z`` the
DN spike counts plus each DN's KC → DN drive in units of ``drive_unit``
(:meth:`MushroomBodyTask.readout`; or a ``margin`` loss of ``z``). Accuracy counts
spikes (the ``*_readout`` accuracies use ``z``). Held-out rows are used only by
:meth:`MushroomBodyTask.outcome`. Candidates with ``n_kc < 1``, NaN genes, a
membrane potential that became NaN, or no KC spike at all fail with a reason (the
run gives them its penalty).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.optimize import minimize

from .._rng import check_rng
from ..errors import InvalidParameterError
from ..params import Parameter, ParameterSpace
from ..run import Losses
from . import _mb_kernel as K
from .base import count_loss
from .glyphs import CLASSES, firing_probability, generate_glyphs, load_glyphs

__all__ = ["MushroomBodyTask", "UpstreamPrior", "score_241", "first_two_points",
           "first_two_from_record", "stratified_split", "linear_baseline", "upstream_genes",
           "GENES", "HAND_TUNED"]

GENES = ("n_kc", "tau_ms", "a", "w_max_uS", "offset", "teacher_nA")
HAND_TUNED = dict(zip(GENES, (800, 26.0, 0.00006, 0.4, 0.0044, 1.0), strict=True))
MAX_FITNESS = 241.0
_ROUND = (None, 4, 8, 4, 8, 2)  # upstream's rounding of genes 2-6 (gene 1: int())
_OPTIONS = {"loss": "cross_entropy", "temperature": 1.0, "margin": 2.0, "drive_unit": 0.1,
            "glyph_seed": 0, "train_passes": 1, "record_dn": 0}
PENALTY_DEFAULT = 10.0  # a failed candidate's loss in the default mode (ln 4 ≈ 1.39: silence)


def upstream_genes(rng, n: int) -> np.ndarray:
    """``n`` draws of upstream's gene generators with its rounding, (n, 6) in
    :data:`GENES` order: N_KC ``randint(2200)``; τ ``randint(100)·U(0,1)`` (4 dp);
    a ``U(0,1)/randint(1, 1e6)`` (8 dp); w_max ``U(0,1)`` (4 dp); offset like a
    (8 dp); teacher ``U(0,1)·randint(1, 3)`` (2 dp)."""
    rng = check_rng(rng)
    out = np.empty((int(n), 6))
    for i in range(int(n)):
        row = (rng.integers(2200), rng.integers(100) * rng.random(),
               rng.random() / rng.integers(1, 1000000), rng.random(),
               rng.random() / rng.integers(1, 1000000), rng.random() * rng.integers(1, 3))
        out[i] = [int(row[0])] + [round(float(v), d) for v, d in zip(row[1:], _ROUND[1:],
                                                                     strict=True)]
    return out


@dataclass(frozen=True)
class UpstreamPrior:
    """:func:`upstream_genes` as a small picklable sampler ``prior(rng, n)`` for
    ``MicrobialGA(prior=...)`` (run stores pickle the optimizer with it); ``low`` /
    ``high`` (6 values) clip the draws into a space, None keeps them as drawn."""

    low: tuple | None = None
    high: tuple | None = None

    def __call__(self, rng, n: int) -> np.ndarray:
        X = upstream_genes(rng, n)
        return X if self.low is None else np.clip(X, self.low, self.high)


def stratified_split(labels, sets, test_fraction: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows), sorted: ``round(test_fraction · n_c)`` rows of each class
    c held out, spread over the sets in proportion to their rows of that class
    (largest remainders, ties broken at random), drawn from ``rng``."""
    rng = check_rng(rng)
    labels, sets = np.asarray(labels), np.asarray(sets)
    test = []
    for c in np.unique(labels):
        rows_c = np.flatnonzero(labels == c)
        k = int(round(test_fraction * len(rows_c)))
        groups = [rows_c[sets[rows_c] == s] for s in np.unique(sets[rows_c])]
        share = np.array([k * len(g) / len(rows_c) for g in groups])
        take = np.floor(share).astype(int)
        rest = k - take.sum()
        order = np.lexsort((rng.random(len(groups)), -(share - take)))
        take[order[:rest]] += 1
        for g, t in zip(groups, take, strict=True):
            test.extend(rng.choice(g, size=min(t, len(g)), replace=False).tolist())
    test = np.sort(np.asarray(test, dtype=np.int64))
    return np.setdiff1d(np.arange(len(labels)), test), test


def first_two_points(first2: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Points of the first two DN spikes of each image window: ``first2`` (..., S, 2) DN
    indices (-1: no spike), ``labels`` (S,) → (...) sum of [DN == label] over both."""
    return (np.asarray(first2) == np.asarray(labels)[:, None]).sum(axis=(-1, -2))


def first_two_from_record(steps, ids, n_slots: int, image_steps: int, slot_steps: int):
    """(S, 2) DN indices of the first two DN spikes inside each image window of a spike
    record (steps and DN ids in emission order, one step's spikes in index order)."""
    out = np.full((n_slots, 2), -1, dtype=np.int64)
    filled = np.zeros(n_slots, dtype=np.int64)
    for st, d in zip(np.asarray(steps), np.asarray(ids), strict=True):
        s, k = divmod(int(st), slot_steps)
        if s < n_slots and k < image_steps and filled[s] < 2:
            out[s, filled[s]] = d
            filled[s] += 1
    return out


def _ok(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return (x != 0) & ~np.isnan(x)


def score_241(first2, labels, w0_mean, v0_mean, wmean, vmean, finished=True):
    """Upstream's fitness (max 241) and its first-two-spike part (max 160).

    ``first2`` (..., 80, 2) DN indices of the first two DN spikes of each image window;
    ``labels`` (80,); ``w0_mean``/``v0_mean`` (...) the mean KC → DN weight and KC V
    before the run (1 and 0.5 points if non-zero and not NaN); ``wmean``/``vmean``
    (..., 80) the same after each image (0.5 + 0.5 points after images 1..79: upstream
    checks while ``iteration < 80``); ``finished``: 0.5 for a run without exception.

    >>> labels = np.array([0, 1, 3, 3, 0, 1, 2, 2] * 10)
    >>> both_right = np.repeat(labels[:, None], 2, axis=1)
    >>> w, v = np.full(80, 1e-5), np.full(80, -60.0)
    >>> [float(x) for x in score_241(both_right, labels, 1e-5, -60.0, w, v)]
    [241.0, 160.0]
    >>> silent = np.full((80, 2), -1)   # no DN spike: the 81 sanity points only
    >>> [float(x) for x in score_241(silent, labels, 1e-5, -60.0, w, v)]
    [81.0, 0.0]
    """
    pts = first_two_points(first2, labels).astype(np.float64)
    wmean, vmean = np.asarray(wmean), np.asarray(vmean)
    n = wmean.shape[-1] - 1
    total = (1.0 * _ok(w0_mean) + 0.5 * _ok(v0_mean) + pts
             + 0.5 * _ok(wmean[..., :n]).sum(axis=-1) + 0.5 * _ok(vmean[..., :n]).sum(axis=-1)
             + 0.5 * np.asarray(finished, dtype=np.float64))
    return total, pts


def linear_baseline(X_train, y_train, X_test, y_test, *, l2: float = 1.0) -> float:
    """Test accuracy of an L2-regularised multinomial logistic regression (features
    standardised on the training rows; L-BFGS), e.g. on input spike counts."""
    X_train, X_test = np.asarray(X_train, float), np.asarray(X_test, float)
    mu, sd = X_train.mean(0), X_train.std(0)
    sd[sd == 0] = 1.0
    A, B = (X_train - mu) / sd, (X_test - mu) / sd
    C = int(max(y_train.max(), y_test.max())) + 1
    Y = np.eye(C)[y_train]
    D = A.shape[1]

    def f(theta):
        W, b = theta[:D * C].reshape(D, C), theta[D * C:]
        Z = A @ W + b
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        loss = -(Y * np.log(P + 1e-300)).sum() / len(A) + 0.5 * l2 * (W ** 2).sum() / len(A)
        G = (P - Y) / len(A)
        return loss, np.concatenate([(A.T @ G + l2 * W / len(A)).ravel(), G.sum(0)])

    res = minimize(f, np.zeros(D * C + C), jac=True, method="L-BFGS-B")
    W, b = res.x[:D * C].reshape(D, C), res.x[D * C:]
    return float(((B @ W + b).argmax(1) == y_test).mean())


class MushroomBodyTask:
    """The mushroom-body task (see the module docstring).

    Parameters
    ----------
    faithful : bool
        Upstream's protocol and fitness (loss = 241 − fitness) instead of the default.
    data : str, optional
        Path of upstream's ``dataset.csv``; None: :func:`.glyphs.generate_glyphs`
        (``glyph_seed``, default 0).
    seed : int
        Draws the default mode's split and the order of the training rows.
    test_fraction : float
        Share of each class held out (default mode).
    dt_ms, image_ms, blank_ms : float
        Time step and the image / blank phases of each 50 ms slot (ms).
    max_kc : int
        Upper bound of ``n_kc`` (default mode; faithful: 0..2199).
    loss : {"cross_entropy", "margin"}, temperature, margin, drive_unit
        The default mode's loss on the DN scores (:meth:`readout`; temperature and
        margin in spikes, drive_unit in µS·ms, 0: spike counts only).
    train_passes : int
        Passes over the training rows (default mode).
    record_dn : int
        Keep the first ``record_dn`` DN spikes of each candidate (:meth:`simulate`).
    """

    name = "mushroom_body"
    takes_seeds = True

    def __init__(self, *, faithful: bool = False, data: str | None = None, seed: int = 0,
                 test_fraction: float = 0.25, dt_ms: float = 0.1, image_ms: float = 25.0,
                 blank_ms: float = 25.0, max_kc: int = 2199, **options):
        unknown = set(options) - set(_OPTIONS)
        if unknown:
            raise InvalidParameterError(
                f"MushroomBodyTask got unknown option(s) {sorted(unknown)}; allowed: "
                f"{sorted(_OPTIONS)} besides faithful, data, seed, test_fraction, dt_ms, "
                "image_ms, blank_ms, max_kc.")
        opt = {**_OPTIONS, **options}
        self.faithful = bool(faithful)
        self.seed = int(seed)
        if not 0.0 < float(test_fraction) < 1.0:
            raise InvalidParameterError(
                f"The 'test_fraction' parameter must be within (0, 1). Got {test_fraction!r}.")
        for nm, v in (("dt_ms", dt_ms), ("image_ms", image_ms), ("blank_ms", blank_ms)):
            if not float(v) > 0:
                raise InvalidParameterError(f"The {nm!r} parameter must be > 0 ms. Got {v!r}.")
        self.dt = float(dt_ms)
        self.image_steps = int(round(float(image_ms) / self.dt))
        self.blank_steps = int(round(float(blank_ms) / self.dt))
        # GeNN's Poisson: back to rest at the first step with t - spikeTime > tspike (0.2 ms),
        # draws again once t - spikeTime > trefract (0.3 ms): 3 dead steps at 0.1 ms
        reset = int(np.floor(0.2 / self.dt + 1e-9)) + 1
        self.dead_steps = max(reset + 1, int(np.floor(0.3 / self.dt + 1e-9)) + 1) - 1
        if int(max_kc) < 1:
            raise InvalidParameterError(f"The 'max_kc' parameter must be >= 1. Got {max_kc!r}.")
        self.max_kc = int(max_kc)
        self.loss_kind = str(opt["loss"])
        self.loss_options = ({"temperature": float(opt["temperature"])}
                             if self.loss_kind == "cross_entropy" else
                             {"margin": float(opt["margin"])})
        count_loss(np.zeros((1, 1, 4)), np.zeros(1, dtype=int), self.loss_kind,
                   **self.loss_options)
        self.drive_unit = float(opt["drive_unit"])
        if not self.drive_unit >= 0:
            raise InvalidParameterError(
                f"The 'drive_unit' option must be >= 0 uS*ms (0: spike counts only). "
                f"Got {opt['drive_unit']!r}.")
        self.train_passes = int(opt["train_passes"])
        self.record_dn = int(opt["record_dn"])
        if data is None:
            self.images, self.labels, self.sets = generate_glyphs(int(opt["glyph_seed"]))
            self.data_source = f"generated (glyph_seed {int(opt['glyph_seed'])})"
        else:
            self.images, self.labels, self.sets = load_glyphs(data)
            self.data_source = str(data)
        self.prob = firing_probability(self.images).astype(np.float32)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(5,)))
        self.train_rows, self.test_rows = stratified_split(self.labels, self.sets,
                                                           float(test_fraction), rng)
        self.train_order = rng.permutation(self.train_rows)
        self.space = self._space()
        self.objective_names = ("loss",)

    def _space(self) -> ParameterSpace:
        if self.faithful:  # everything upstream's generators can draw
            spec = {"n_kc": Parameter(0, 2199, integer=True, unit="1"),
                    "tau_ms": Parameter(0.0, 99.0, unit="ms"),
                    "a": Parameter(0.0, 1.0, unit="uS"),
                    "w_max_uS": Parameter(0.0, 1.0, unit="uS"), "offset": Parameter(0.0, 1.0),
                    "teacher_nA": Parameter(0.0, 2.0, unit="nA")}
        else:
            spec = {"n_kc": Parameter(1, self.max_kc, integer=True, unit="1"),
                    "tau_ms": Parameter(0.5, 100.0, log=True, unit="ms"),
                    "a": Parameter(1e-7, 1e-2, log=True, unit="uS"),
                    "w_max_uS": Parameter(1e-4, 1.0, log=True, unit="uS"),
                    "offset": Parameter(1e-6, 1.0, log=True),
                    "teacher_nA": Parameter(0.0, 2.0, unit="nA")}
        return ParameterSpace(spec)

    # -- genes ---------------------------------------------------------------------
    @property
    def prior(self) -> UpstreamPrior:
        """:func:`upstream_genes` clipped into the bounds of ``self.space`` as it is now
        (the faithful bounds hold every draw; a config's ``fit:`` may narrow them)."""
        return UpstreamPrior(tuple(float(self.space[g].low) for g in GENES),
                             tuple(float(self.space[g].high) for g in GENES))

    def microbial_prior(self, rng, n: int) -> np.ndarray:
        """Upstream's gene generators with their rounding (:func:`upstream_genes`),
        (n, 6) in space order, clipped into the space's bounds (:attr:`prior`)."""
        return self.prior(rng, n)

    def optimizer_defaults(self) -> dict:
        """Upstream's microbial GA in the faithful mode: population 10, 3 of 6 genes to
        the loser, one gene redrawn from :meth:`microbial_prior`, ties to the second,
        up to 2 tournaments per batch (exact: see ``MicrobialGA(tournaments=...)``)."""
        return {"microbial": {"popsize": 10, "transfer": 3, "mutation": "redraw",
                              "prior": self.prior, "tie": "second",
                              "tournaments": 2}}

    def decode_genes(self, params) -> tuple[dict, list[str]]:
        """Named genes ((P,) arrays) → the model's values (faithful: upstream's rounding,
        integer teacher) as (P,) arrays (``n_kc`` int64, the rest float32), and a
        reason per candidate that cannot be simulated ("" where it can)."""
        missing = [g for g in GENES if g not in params]
        extra = sorted(set(params) - set(GENES))
        if missing or extra:
            raise InvalidParameterError(
                f"MushroomBodyTask needs exactly the genes {list(GENES)}. Missing {missing}, "
                f"unknown {extra}.")
        cols = {g: np.atleast_1d(np.asarray(params[g], dtype=np.float64)) for g in GENES}
        P = len(cols["n_kc"])
        reasons = [""] * P
        for i in range(P):
            bad = [g for g in GENES if not np.isfinite(cols[g][i])]
            if bad:
                reasons[i] = f"NaN or infinite gene(s) {bad}"
            elif int(cols["n_kc"][i]) < 1:
                reasons[i] = (f"n_kc = {int(cols['n_kc'][i])}: an empty mushroom body (upstream"
                              " cannot build a zero-size population and stops)")
        g = {"n_kc": np.zeros(P, np.int64)}
        for j, name in enumerate(GENES[1:], start=1):
            g[name] = np.zeros(P, np.float32)
            for i in range(P):
                if reasons[i]:
                    continue
                v = float(cols[name][i])
                if self.faithful:
                    v = round(v, _ROUND[j])
                    if name == "teacher_nA":
                        v = float(int(v))  # upstream's integer teacher array
                g[name][i] = v
        for i in range(P):
            if not reasons[i]:
                x = cols["n_kc"][i]
                g["n_kc"][i] = int(x) if self.faithful else int(round(x))
        return g, reasons

    # -- simulation ----------------------------------------------------------------
    def schedule(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, teacher on, plastic) of each 50 ms slot of a protocol: "faithful" (the 80
        rows in file order, all on), "default" (training passes, then the training rows
        with teacher off and weights frozen) or "outcome" (default + the held-out rows)."""
        if kind not in ("faithful", "default", "outcome"):
            raise InvalidParameterError(
                f"kind must be 'faithful', 'default' or 'outcome'. Got {kind!r}.")
        on = np.ones
        if kind == "faithful":
            rows = np.arange(len(self.labels))
            return rows, on(len(rows), bool), on(len(rows), bool)
        train = np.tile(self.train_order, self.train_passes)
        parts = [(train, True), (self.train_order, False)]
        if kind == "outcome":
            parts.append((self.test_rows, False))
        rows = np.concatenate([r for r, _ in parts])
        flag = np.concatenate([np.full(len(r), f) for r, f in parts])
        return rows, flag, flag.copy()

    def _draw(self, rng, n: int, rows: np.ndarray, clip_w: bool):
        """One candidate's random draws: PN → KC connectivity, initial weights, PN spikes."""
        conn = rng.random((K.N_PN, n)) < 0.2
        pn, kc = np.nonzero(conn)
        cptr = np.concatenate([[0], np.cumsum(np.bincount(pn, minlength=K.N_PN))])
        w0 = rng.normal(1e-5, 5e-6, size=(K.N_DN, n)).astype(np.float32)
        if clip_w:
            w0 = np.maximum(w0, np.float32(0.0))
        spp = self.image_steps + self.blank_steps
        steps, ids = [], []
        counts = np.zeros((len(rows), K.N_PN), dtype=np.int32)
        for s, r in enumerate(rows):
            active = np.flatnonzero(self.prob[r])
            u = rng.random((self.image_steps, len(active)))
            t, c = np.nonzero(K.refractory_spikes(u, self.prob[r][active], self.dead_steps))
            steps.append(s * spp + t)
            ids.append(active[c])
            np.add.at(counts[s], active[c], 1)
        steps, ids = np.concatenate(steps), np.concatenate(ids).astype(np.int16)
        order = np.argsort(steps, kind="stable")
        pptr = np.concatenate([[0], np.cumsum(np.bincount(steps, minlength=len(rows) * spp))])
        return cptr, kc.astype(np.int32), w0, pptr, ids[order], counts

    def simulate(self, genes: dict, seeds, schedule) -> dict:
        """Run candidates (valid genes from :meth:`decode_genes`, n_kc >= 1) through
        a ``schedule`` (:meth:`schedule`) in one kernel call; returns the kernel's
        outputs (see :func:`._mb_kernel.simulate`) plus the schedule, the draws and the
        input spike counts per slot and pixel."""
        rows, teach, plastic = (np.asarray(x) for x in schedule)
        teach, plastic = teach.astype(bool), plastic.astype(bool)
        P = len(genes["n_kc"])
        S = len(rows)
        spp = self.image_steps + self.blank_steps
        n_kc = genes["n_kc"].astype(np.int64)
        Nmax = int(max(n_kc.max(initial=1), 1))
        clip_w = not self.faithful
        draws = [self._draw(np.random.default_rng(seeds[i]), int(n_kc[i]), rows, clip_w)
                 for i in range(P)]
        cptr = np.zeros((P, K.N_PN + 1), np.int64)
        pptr = np.zeros((P, S * spp + 1), np.int64)
        w0 = np.zeros((P, K.N_DN, Nmax), np.float32)
        co = po = 0
        for i, (cp, _, w, pp, _, _) in enumerate(draws):
            cptr[i], pptr[i] = cp + co, pp + po
            co, po = co + cp[-1], po + pp[-1]
            w0[i, :, :w.shape[1]] = w
        cidx = np.concatenate([d[1] for d in draws])
        pidx = np.concatenate([d[4] for d in draws])
        out = {"w": np.zeros((P, K.N_DN, Nmax), np.float32),
               "dn_count": np.zeros((P, S, K.N_DN), np.int32),
               "dn_drive": np.zeros((P, S, K.N_DN)),
               "first2": np.full((P, S, 2), -1, np.int8),
               "kc_slot": np.zeros((P, S), np.int64), "wmean": np.zeros((P, S)),
               "vmean": np.zeros((P, S)), "kc_count": np.zeros((P, Nmax), np.int32),
               "status": np.zeros(P, np.int32),
               "rec_step": np.zeros((P, self.record_dn), np.int64),
               "rec_id": np.zeros((P, self.record_dn), np.int8), "rec_n": np.zeros(P, np.int64)}
        # one candidate at a time to each thread (chunks of 1), largest first: a batch
        # of unequal n_kc keeps every core busy; results do not depend on the order
        with numba.parallel_chunksize(1):
            K.simulate(n_kc, cptr, cidx, pptr, pidx, w0, genes["tau_ms"], genes["a"],
                       genes["w_max_uS"], genes["offset"], genes["teacher_nA"],
                       self.labels[rows].astype(np.int64), teach, plastic,
                       np.int64(self.image_steps), np.int64(self.blank_steps), self.dt,
                       not self.faithful, np.argsort(-n_kc, kind="stable"), out["w"],
                       out["dn_count"], out["dn_drive"], out["first2"], out["kc_slot"],
                       out["wmean"], out["vmean"], out["kc_count"], out["status"],
                       out["rec_step"], out["rec_id"], out["rec_n"])
        w0_mean = np.array([w0[i, :, :n_kc[i]].astype(np.float64).mean() for i in range(P)])
        out.update(rows=rows, teacher=teach, plastic=plastic, w0=w0, w0_mean=w0_mean,
                   pn_counts=np.stack([d[5] for d in draws]), n_kc=n_kc,
                   pn_ptr=pptr, pn_idx=pidx, conn_ptr=cptr, conn_idx=cidx)
        return out

    # -- the objective ---------------------------------------------------------------
    def readout(self, out: dict) -> np.ndarray:
        """(P, S, 4) scores of the DNs in each image window: spike count plus KC → DN
        drive (conductance × time, µS·ms) in units of ``drive_unit`` (0.1 µS·ms is about
        what one DN spike takes), so that a silent network still says which DN was
        closest to firing (the loss is not flat over silent networks)."""
        z = out["dn_count"].astype(np.float64)
        if self.drive_unit > 0:
            z = z + out["dn_drive"] / self.drive_unit
        return z

    def _failure(self, out, i, n_train: int) -> str:
        st = int(out["status"][i])
        if st & 1:
            return "a KC membrane potential became NaN"
        if st & 2:
            return ("a DN membrane potential became NaN (KC -> DN conductance too large for "
                    "the 0.004 ms Euler sub-step)")
        if out["kc_slot"][i, :n_train].sum() == 0:
            return "silent mushroom body: no KC spiked during training"
        return ""

    def __call__(self, params: dict, *, seeds) -> Losses:
        """Losses (P,) of P candidates, all simulated in one batched kernel call."""
        genes, reasons = self.decode_genes(params)
        P = len(reasons)
        if len(seeds) != P:
            raise InvalidParameterError(f"Expected {P} seeds, one per candidate. Got {len(seeds)}.")
        F = np.full(P, MAX_FITNESS if self.faithful else PENALTY_DEFAULT)
        ok = np.flatnonzero([not r for r in reasons])
        if len(ok) == 0:
            return Losses(F, reasons)
        sub = {k: v[ok] for k, v in genes.items()}
        out = self.simulate(sub, [seeds[i] for i in ok],
                            self.schedule("faithful" if self.faithful else "default"))
        if self.faithful:
            fit, _ = score_241(out["first2"], self.labels[out["rows"]], out["w0_mean"],
                               np.full(len(ok), K.V0), out["wmean"], out["vmean"])
            F[ok] = MAX_FITNESS - fit
            return Losses(F, reasons)
        n_train = len(self.train_order) * self.train_passes
        y = self.labels[out["rows"][n_train:]]
        loss = count_loss(self.readout(out)[:, n_train:], y, self.loss_kind,
                          **self.loss_options)
        for j, i in enumerate(ok):
            reasons[i] = self._failure(out, j, n_train)
            if not reasons[i]:
                F[i] = loss[j]
        return Losses(F, reasons)

    # -- held-out report ---------------------------------------------------------------
    def outcome(self, params: dict, *, seed) -> dict:
        """Re-run one candidate on fresh draws from ``seed``: accuracies (teacher off,
        weights frozen) on the training and held-out rows, the confusion matrix of the
        held-out rows (rows = true class), FOOD-vs-rest balanced accuracy, chance (the
        majority class's share of the held-out rows) and a logistic-regression baseline on
        the input spike counts. Faithful: also upstream's fitness on a faithful pass
        (the split protocol then runs with the faithful model: integer teacher,
        unclipped initial weights). Predictions: argmax of the DN counts in the image
        window; a tie (silence included) is no decision, counted wrong. The
        ``*_accuracy_readout`` keys use the loss's scores instead (:meth:`readout`:
        counts plus KC → DN drive), which also decide silent windows."""
        genes, reasons = self.decode_genes({k: np.atleast_1d(v) for k, v in params.items()})
        if reasons[0]:
            return {"failed": reasons[0], "n_kc": int(np.asarray(params["n_kc"]).ravel()[0])}
        ss = np.random.SeedSequence(check_rng(seed).integers(2**63))
        s_split, s_faith = ss.spawn(2)
        res: dict = {"n_kc": int(genes["n_kc"][0]), "data": self.data_source}
        if self.faithful:
            out = self.simulate(genes, [s_faith], self.schedule("faithful"))
            fit, pts = score_241(out["first2"], self.labels[out["rows"]], out["w0_mean"],
                                 np.full(1, K.V0), out["wmean"], out["vmean"])
            res.update(fitness_241=float(fit[0]), first_two_spike_points_160=float(pts[0]))
        out = self.simulate(genes, [s_split], self.schedule("outcome"))
        n_tr = len(self.train_order) * self.train_passes
        n_ev = len(self.train_order)
        counts = out["dn_count"][0]
        ev, te = counts[n_tr:n_tr + n_ev], counts[n_tr + n_ev:]
        y_ev, y_te = self.labels[self.train_order], self.labels[self.test_rows]
        pred_ev, pred_te = _predict(ev), _predict(te)
        cm = np.zeros((4, 4), dtype=int)
        for t, p_ in zip(y_te, pred_te, strict=True):
            if p_ >= 0:
                cm[t, p_] += 1
        food, pf = y_te == 3, pred_te == 3
        bal = 0.5 * (pf[food].mean() + (~pf[~food]).mean())
        pn = out["pn_counts"][0]
        z = self.readout(out)[0]
        res.update(
            train_accuracy=float((pred_ev == y_ev).mean()),
            test_accuracy=float((pred_te == y_te).mean()),
            train_accuracy_readout=float((z[n_tr:n_tr + n_ev].argmax(1) == y_ev).mean()),
            test_accuracy_readout=float((z[n_tr + n_ev:].argmax(1) == y_te).mean()),
            test_rows=int(len(y_te)), no_decision_test=float((pred_te < 0).mean()),
            chance_level=float(np.bincount(y_te).max() / len(y_te)),
            confusion_matrix=cm.tolist(), classes=list(CLASSES),
            food_vs_rest_balanced_accuracy=float(bal),
            linear_baseline_test_accuracy=linear_baseline(pn[:n_tr], self.labels[out["rows"][
                :n_tr]], pn[n_tr + n_ev:], y_te),
            failed=self._failure(out, 0, n_tr),
        )
        return res


def _predict(counts: np.ndarray) -> np.ndarray:
    """(S, 4) counts → (S,) argmax, -1 where the maximum is shared (or all are 0)."""
    top = counts.max(axis=1, keepdims=True)
    unique = (counts == top).sum(axis=1) == 1
    return np.where(unique, counts.argmax(axis=1), -1)
