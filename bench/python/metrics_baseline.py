"""Baselines for the evidence benchmark: numpy's bincount MetricFrame and scikit-learn's ROC AUC
over the same arrays Steward's engine reads, timed in-process (load time excluded). Prints JSON."""
import json
import sys
import time

import numpy as np

folder, repeats = sys.argv[1], int(sys.argv[2])
y = np.fromfile(f"{folder}/y.u8", dtype=np.uint8)
p = np.fromfile(f"{folder}/p.u8", dtype=np.uint8)
g = np.fromfile(f"{folder}/g.i32", dtype=np.int32)
s = np.fromfile(f"{folder}/s.f64", dtype=np.float64)
groups = int(g.max()) + 1


def frame():
    # fairlearn-style per-group confusion counts in one bincount: group * 4 + truth * 2 + prediction.
    c = np.bincount(g * 4 + y.astype(np.int32) * 2 + p, minlength=groups * 4).reshape(groups, 4).astype(np.float64)
    tn, fp, fn, tp = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    n = c.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sr = (tp + fp) / n
        tpr = np.where(tp + fn == 0, 0.0, tp / (tp + fn))
        fpr = np.where(fp + tn == 0, 0.0, fp / (fp + tn))
    return {"selection_rate": sr.tolist(), "tpr": tpr.tolist(), "fpr": fpr.tolist()}


def timed(fn, k):
    times = []
    out = None
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


result = {"numpy": np.__version__}
result["frame_seconds"], result["frame"] = timed(frame, repeats)
try:
    import sklearn
    from sklearn.metrics import roc_auc_score

    result["sklearn"] = sklearn.__version__
    result["auc_seconds"], result["auc"] = timed(lambda: float(roc_auc_score(y, s)), max(1, repeats // 2))
except ImportError:
    pass
print(json.dumps(result))
