"""Compiled kernels of the pairwise spike-train metrics (not public).

Each ``*_core`` function computes one metric of two sorted trains given as
float64 arrays in ms. :func:`pairs_parallel` / :func:`pairs_serial` evaluate one metric for a
list of row pairs ``(ia[k], ib[k])`` of two flat :class:`~spikeopt.SpikeTrains`
(times + offsets), with or without threads over the pairs: the batched form (P candidates
against one target), the paired form and the pairwise matrix all reduce to it.

The ISI-, SPIKE- and SPIKE-synchronization kernels follow the event-driven
algorithms of PySpike 0.9 (Mulansky & Kreuz 2016, SoftwareX 5:70-75) with
``MRTS=0``, so that the values agree with PySpike to rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

ISI, SPIKE, SYNC, VAN_ROSSUM, VICTOR_PURPURA, GAMMA = 0, 1, 2, 3, 4, 5


# -- preparing one train ---------------------------------------------------------
@njit(cache=True, error_model="numpy")
def window_unique(times, a, b, t_start, t_stop):
    """Spikes of ``times[a:b]`` within [t_start, t_stop], duplicates removed.

    Returns a view when the window holds no duplicate, else a new array.
    """
    row = times[a:b]
    lo = np.searchsorted(row, t_start, side="left")
    hi = np.searchsorted(row, t_stop, side="right")
    s = row[lo:hi]
    n_dup = 0
    for j in range(1, s.size):
        if s[j] == s[j - 1]:
            n_dup += 1
    if n_dup == 0:
        return s
    out = np.empty(s.size - n_dup)
    out[0] = s[0]
    k = 1
    for j in range(1, s.size):
        if s[j] != s[j - 1]:
            out[k] = s[j]
            k += 1
    return out


@njit(cache=True, error_model="numpy")
def window_raw(times, a, b, t_start, t_stop):
    """Spikes of ``times[a:b]`` within [t_start, t_stop] (a view, duplicates kept)."""
    row = times[a:b]
    lo = np.searchsorted(row, t_start, side="left")
    hi = np.searchsorted(row, t_stop, side="right")
    return row[lo:hi]


@njit(cache=True, error_model="numpy")
def _edges_only(s, t_start, t_stop):
    for x in s:
        if x != t_start and x != t_stop:
            return False
    return True


# -- ISI-distance ----------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _isi_ratio(nu1, nu2):
    m = max(nu1, nu2)
    if m <= 0.0:
        return 0.0
    return abs(nu1 - nu2) / m


@njit(cache=True, error_model="numpy")
def _first_isi(s, t_start, t_end):
    """(current ISI, index of the last spike passed) at t_start, with edge correction."""
    n = s.size
    if s[0] > t_start:
        nu = max(s[0] - t_start, s[1] - s[0]) if n > 1 else s[0] - t_start
        return nu, -1
    nu = s[1] - s[0] if n > 1 else t_end - s[0]
    return nu, 0


@njit(cache=True, error_model="numpy")
def _next_isi(s, idx, nu, t_end):
    """ISI after spike ``idx`` (edge-corrected after the last spike)."""
    n = s.size
    if idx < n - 1:
        return s[idx + 1] - s[idx]
    if n > 1:
        return max(t_end - s[idx], nu)
    return t_end - s[idx]


@njit(cache=True, error_model="numpy")
def isi_core(s1, s2, t_start, t_end):
    """Time average of |ν1 - ν2| / max(ν1, ν2) over [t_start, t_end]; trains non-empty."""
    n1, n2 = s1.size, s2.size
    nu1, i1 = _first_isi(s1, t_start, t_end)
    nu2, i2 = _first_isi(s2, t_start, t_end)
    total = 0.0
    last_t = t_start
    curr = _isi_ratio(nu1, nu2)
    while i1 + i2 < n1 + n2 - 2:
        if i1 < n1 - 1 and (i2 == n2 - 1 or s1[i1 + 1] < s2[i2 + 1]):
            i1 += 1
            t = s1[i1]
            nu1 = _next_isi(s1, i1, nu1, t_end)
        elif i2 < n2 - 1 and (i1 == n1 - 1 or s1[i1 + 1] > s2[i2 + 1]):
            i2 += 1
            t = s2[i2]
            nu2 = _next_isi(s2, i2, nu2, t_end)
        else:
            i1 += 1
            i2 += 1
            t = s1[i1]
            nu1 = _next_isi(s1, i1, nu1, t_end)
            nu2 = _next_isi(s2, i2, nu2, t_end)
        total += curr * (t - last_t)
        curr = _isi_ratio(nu1, nu2)
        last_t = t
    total += curr * (t_end - last_t)
    return total / (t_end - t_start)


# -- SPIKE-distance --------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _min_dist(t, s, start, aux0, aux1):
    """min |t - x| over x in {aux0} ∪ s[start:] ∪ {aux1}, scanning forward."""
    d = abs(t - aux0)
    j = max(start, 0)
    while j < s.size:
        dj = abs(t - s[j])
        if dj > d:
            return d
        d = dj
        j += 1
    dj = abs(aux1 - t)
    return d if dj > d else dj


@njit(cache=True, error_model="numpy")
def _dist_at(isi1, isi2, s1, s2):
    mean_isi = 0.5 * (isi1 + isi2)
    if mean_isi <= 0.0:
        return 0.0
    return 0.5 * (s1 * isi2 + s2 * isi1) / mean_isi / mean_isi


@njit(cache=True, error_model="numpy")
def _last_isi(s, t_end):
    n = s.size
    if n > 1:
        return max(t_end - s[n - 1], s[n - 1] - s[n - 2])
    return t_end - s[n - 1]


@njit(cache=True, error_model="numpy")
def spike_core(t1, t2, t_start, t_end):
    """SPIKE-distance (Kreuz et al. 2013) with PySpike's edge correction; trains non-empty.

    Event-driven: between consecutive spikes of either train the profile is
    linear, so its integral is a sum of trapezoids. The two branches that
    advance train 1 or train 2 mirror each other on purpose: a version sharing
    one helper for both (tuple-returning functions) compiled 2x slower.
    """
    n1, n2 = t1.size, t2.size
    a1_0 = min(t_start, 2 * t1[0] - t1[1]) if n1 > 1 else t_start
    a1_1 = max(t_end, 2 * t1[n1 - 1] - t1[n1 - 2]) if n1 > 1 else t_end
    a2_0 = min(t_start, 2 * t2[0] - t2[1]) if n2 > 1 else t_start
    a2_1 = max(t_end, 2 * t2[n2 - 1] - t2[n2 - 2]) if n2 > 1 else t_end
    tp1 = t_start if t1[0] == t_start else a1_0
    tp2 = t_start if t2[0] == t_start else a2_0
    if t1[0] > t_start:
        tf1 = t1[0]
        dtf1 = _min_dist(tf1, t2, 0, a2_0, a2_1)
        isi1 = max(tf1 - t_start, t1[1] - t1[0]) if n1 > 1 else tf1 - t_start
        dtp1 = dtf1
        i1 = -1
    else:
        tf1 = t1[1] if n1 > 1 else t_end
        dtf1 = _min_dist(tf1, t2, 0, a2_0, a2_1)
        dtp1 = _min_dist(tp1, t2, 0, a2_0, a2_1)
        isi1 = tf1 - t1[0]
        i1 = 0
    s1 = dtp1
    if t2[0] > t_start:
        tf2 = t2[0]
        dtf2 = _min_dist(tf2, t1, 0, a1_0, a1_1)
        dtp2 = dtf2
        isi2 = max(tf2 - t_start, t2[1] - t2[0]) if n2 > 1 else tf2 - t_start
        i2 = -1
    else:
        tf2 = t2[1] if n2 > 1 else t_end
        dtf2 = _min_dist(tf2, t1, 0, a1_0, a1_1)
        dtp2 = _min_dist(tp2, t1, 0, a1_0, a1_1)
        isi2 = tf2 - t2[0]
        i2 = 0
    s2 = dtp2
    y_start = _dist_at(isi1, isi2, s1, s2)
    total = 0.0
    t_last = t_start
    while i1 + i2 < n1 + n2 - 2:
        if i1 < n1 - 1 and (tf1 < tf2 or i2 == n2 - 1):
            i1 += 1
            s1 = dtf1 * (tf1 - tp1) / isi1
            dtp1 = dtf1
            tp1 = tf1
            tf1 = t1[i1 + 1] if i1 < n1 - 1 else a1_1
            t_curr = tp1
            s2 = (dtp2 * (tf2 - tp1) + dtf2 * (tp1 - tp2)) / isi2
            y_end = _dist_at(isi1, isi2, s1, s2)
            total += 0.5 * (y_start + y_end) * (t_curr - t_last)
            if i1 < n1 - 1:
                dtf1 = _min_dist(tf1, t2, i2, a2_0, a2_1)
                isi1 = tf1 - tp1
            else:
                dtf1 = dtp1
                isi1 = _last_isi(t1, t_end)
            s1 = dtp1
            y_start = _dist_at(isi1, isi2, s1, s2)
        elif i2 < n2 - 1 and (tf1 > tf2 or i1 == n1 - 1):
            i2 += 1
            s2 = dtf2 * (tf2 - tp2) / isi2
            dtp2 = dtf2
            tp2 = tf2
            tf2 = t2[i2 + 1] if i2 < n2 - 1 else a2_1
            t_curr = tp2
            s1 = (dtp1 * (tf1 - tp2) + dtf1 * (tp2 - tp1)) / isi1
            y_end = _dist_at(isi1, isi2, s1, s2)
            total += 0.5 * (y_start + y_end) * (t_curr - t_last)
            if i2 < n2 - 1:
                dtf2 = _min_dist(tf2, t1, i1, a1_0, a1_1)
                isi2 = tf2 - tp2
            else:
                dtf2 = dtp2
                isi2 = _last_isi(t2, t_end)
            s2 = dtp2
            y_start = _dist_at(isi1, isi2, s1, s2)
        else:  # a common spike: the profile drops to 0
            i1 += 1
            i2 += 1
            tp1 = tf1
            tp2 = tf2
            dtp1 = 0.0
            dtp2 = 0.0
            t_curr = tf1
            total += 0.5 * y_start * (t_curr - t_last)
            y_start = 0.0
            if i1 < n1 - 1:
                tf1 = t1[i1 + 1]
                dtf1 = _min_dist(tf1, t2, i2, a2_0, a2_1)
                isi1 = tf1 - tp1
            else:
                tf1 = a1_1
                dtf1 = dtp1
                isi1 = _last_isi(t1, t_end)
            if i2 < n2 - 1:
                tf2 = t2[i2 + 1]
                dtf2 = _min_dist(tf2, t1, i1, a1_0, a1_1)
                isi2 = tf2 - tp2
            else:
                tf2 = a2_1
                dtf2 = dtp2
                isi2 = _last_isi(t2, t_end)
        t_last = t_curr
    y_end = _dist_at(isi1, isi2, dtf1, dtf2)
    total += 0.5 * (y_start + y_end) * (t_end - t_last)
    return total / (t_end - t_start)


# -- SPIKE-synchronization -------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _sync_tau(s1, s2, i, j, half_max):
    """Coincidence window of s1[i], s2[j]: the smallest neighbouring half-ISI.

    ``half_max`` stands in for a missing neighbour (first/last spike); as in
    PySpike it does not bound the window between existing neighbours.
    """
    f1 = 0.5 * (s1[i + 1] - s1[i]) if -1 < i < s1.size - 1 else half_max
    p1 = 0.5 * (s1[i] - s1[i - 1]) if i > 0 else half_max
    f2 = 0.5 * (s2[j + 1] - s2[j]) if -1 < j < s2.size - 1 else half_max
    p2 = 0.5 * (s2[j] - s2[j - 1]) if j > 0 else half_max
    return min(min(f1, p1), min(f2, p2))


@njit(cache=True, error_model="numpy")
def sync_core(s1, s2, half_max):
    """(coincidences, spikes) of SPIKE-synchronization (Kreuz et al. 2015)."""
    n1, n2 = s1.size, s2.size
    i = -1
    j = -1
    coinc = 0.0
    mp = 0.0
    while i + j < n1 + n2 - 2:
        if i < n1 - 1 and (j == n2 - 1 or s1[i + 1] < s2[j + 1]):
            i += 1
            mp += 1.0
            tau = _sync_tau(s1, s2, i, j, half_max)
            if j > -1 and s1[i] - s2[j] < tau:
                coinc += 2.0
        elif j < n2 - 1 and (i == n1 - 1 or s1[i + 1] > s2[j + 1]):
            j += 1
            mp += 1.0
            tau = _sync_tau(s1, s2, i, j, half_max)
            if i > -1 and s2[j] - s1[i] < tau:
                coinc += 2.0
        else:
            i += 1
            j += 1
            mp += 2.0
            coinc += 2.0
    return coinc, mp


# -- van Rossum ------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _decay(dt, tau):
    if dt == 0.0:
        return 1.0
    if tau == 0.0:
        return 0.0
    return np.exp(-dt / tau)  # tau == inf gives 1


@njit(cache=True, error_model="numpy")
def van_rossum_core(s1, s2, tau):
    """sqrt(Σ_ij σ_i σ_j exp(-|t_i - t_j|/τ)) over both trains merged, σ = +1 / -1.

    One pass over the merged trains with the exponential recursion
    (Houghton & Kreuz 2012): O(n + m).
    """
    n1, n2 = s1.size, s2.size
    d2 = float(n1 + n2)
    m = 0.0  # Σ σ_i exp(-(t - t_i)/τ) over the spikes before t
    prev = 0.0
    i = 0
    j = 0
    while i < n1 or j < n2:
        if j >= n2 or (i < n1 and s1[i] <= s2[j]):
            t = s1[i]
            sign = 1.0
            i += 1
        else:
            t = s2[j]
            sign = -1.0
            j += 1
        if i + j > 1:
            m *= _decay(t - prev, tau)
        d2 += 2.0 * sign * m
        m += sign
        prev = t
    return np.sqrt(max(d2, 0.0))


# -- Victor-Purpura ----------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _exact_matches(s1, s2):
    i = 0
    j = 0
    k = 0
    while i < s1.size and j < s2.size:
        if s1[i] == s2[j]:
            k += 1
            i += 1
            j += 1
        elif s1[i] < s2[j]:
            i += 1
        else:
            j += 1
    return k


@njit(cache=True, error_model="numpy")
def victor_purpura_core(s1, s2, q):
    """Minimal cost of turning s1 into s2: 1 per insertion/deletion, q|Δt| per shift."""
    n1, n2 = s1.size, s2.size
    if q == 0.0:
        return float(abs(n1 - n2))
    if np.isinf(q):
        return float(n1 + n2 - 2 * _exact_matches(s1, s2))
    if n1 == 0 or n2 == 0:
        return float(max(n1, n2))
    row = np.arange(n2 + 1).astype(np.float64)
    for i in range(1, n1 + 1):
        diag = row[0]
        row[0] = i
        a = s1[i - 1]
        for j in range(1, n2 + 1):
            best = min(row[j], row[j - 1]) + 1.0
            shift = diag + q * abs(a - s2[j - 1])
            diag = row[j]
            row[j] = shift if shift < best else best
    return row[n2]


# -- coincidence factor ------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def coincidences(model, data, delta):
    """Largest number of (model, data) pairs with |Δt| <= delta, each spike used once.

    The window is widened by 1e-9·delta so that spikes on a time grid exactly Δ
    apart count (594.8 and 596.8 ms differ by 2.0000000000000453 in float64)."""
    w = delta * (1.0 + 1e-9)
    i = 0
    k = 0
    for d in data:
        while i < model.size and model[i] < d - w:
            i += 1
        if i < model.size and model[i] <= d + w:
            k += 1
            i += 1
    return k


@njit(cache=True, error_model="numpy")
def gamma_core(model, data, delta, duration):
    """Γ of Kistler et al. (1997); 1 for two empty trains; NaN if 2·ν·Δ >= 1."""
    n_model, n_data = model.size, data.size
    if n_model == 0 and n_data == 0:
        return 1.0
    x = 2.0 * delta * n_data / duration  # 2·ν·Δ
    if x >= 1.0:
        return np.nan
    half = 0.5 * (n_data + n_model)
    # (N_coinc - x·N_model) / (half·(1 - x)), arranged so identical trains give exactly 1
    return (coincidences(model, data, delta) - x * n_model) / (half - x * half)


# -- dispatch ----------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _kreuz(s1, s2, kind, t_start, t_stop):
    e1 = s1.size == 0
    e2 = s2.size == 0
    if e1 != e2 and _edges_only(s2 if e1 else s1, t_start, t_stop):
        return 1.0  # no spikes against spikes: never a perfect fit
    if e1:
        s1 = np.array([t_start, t_stop])
    if e2:
        s2 = np.array([t_start, t_stop])
    if kind == ISI:
        return isi_core(s1, s2, t_start, t_stop)
    return spike_core(s1, s2, t_start, t_stop)


@njit(cache=True, error_model="numpy")
def pair_value(ta, a0, a1, tb, b0, b1, kind, t_start, t_stop, p):
    """One metric of train ``ta[a0:a1]`` against ``tb[b0:b1]`` within [t_start, t_stop].

    ``p`` is the metric's parameter: max_tau (SPIKE-sync, 0 = none), tau
    (van Rossum), q (Victor-Purpura) or delta (coincidence factor).
    """
    if kind == ISI or kind == SPIKE:
        s1 = window_unique(ta, a0, a1, t_start, t_stop)
        s2 = window_unique(tb, b0, b1, t_start, t_stop)
        return _kreuz(s1, s2, kind, t_start, t_stop)
    if kind == SYNC:
        s1 = window_unique(ta, a0, a1, t_start, t_stop)
        s2 = window_unique(tb, b0, b1, t_start, t_stop)
        if s1.size + s2.size == 0:
            return 1.0
        half_max = 0.5 * (t_stop - t_start)
        if p > 0.0:
            half_max = min(half_max, p)
        c, mp = sync_core(s1, s2, half_max)
        return c / mp
    s1 = window_raw(ta, a0, a1, t_start, t_stop)
    s2 = window_raw(tb, b0, b1, t_start, t_stop)
    if kind == VAN_ROSSUM:
        return van_rossum_core(s1, s2, p)
    if kind == VICTOR_PURPURA:
        return victor_purpura_core(s1, s2, p)
    return gamma_core(s1, s2, p, t_stop - t_start)


@njit(cache=True, parallel=True, error_model="numpy")
def pairs_parallel(ta, oa, tb, ob, ia, ib, kind, t_start, t_stop, p):
    """``out[k]`` = metric of row ``ia[k]`` of (ta, oa) against row ``ib[k]`` of (tb, ob)."""
    out = np.empty(ia.size)
    for k in prange(ia.size):
        i, j = ia[k], ib[k]
        out[k] = pair_value(ta, oa[i], oa[i + 1], tb, ob[j], ob[j + 1], kind, t_start, t_stop, p)
    return out


@njit(cache=True, error_model="numpy")
def pairs_serial(ta, oa, tb, ob, ia, ib, kind, t_start, t_stop, p):
    """:func:`pairs_parallel` on one thread (no thread-pool wake-up for small batches)."""
    out = np.empty(ia.size)
    for k in range(ia.size):
        i, j = ia[k], ib[k]
        out[k] = pair_value(ta, oa[i], oa[i + 1], tb, ob[j], ob[j + 1], kind, t_start, t_stop, p)
    return out
