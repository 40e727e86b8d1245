"""Baselines for the drift benchmark: scipy.stats.ks_2samp, numpy PSI on reference deciles and
scipy.stats.wasserstein_distance over the same float64 samples (load time excluded). Prints JSON."""
import json
import sys
import time

import numpy as np
import scipy
import scipy.stats as st

ref_file, cur_file, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
ref = np.fromfile(ref_file, dtype=np.float64)
cur = np.fromfile(cur_file, dtype=np.float64)


def psi():
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10, method="inverted_cdf"))
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1) / len(cur)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((r - c) * np.log(r / c)))


def timed(fn):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


ks_s, ks = timed(lambda: st.ks_2samp(ref, cur))
psi_s, psi_v = timed(psi)
w_s, w = timed(lambda: float(st.wasserstein_distance(ref, cur)))
print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "ks_seconds": ks_s, "psi_seconds": psi_s, "wasserstein_seconds": w_s, "ks": float(ks.statistic), "pvalue": float(ks.pvalue), "psi": psi_v, "wasserstein": w}))
