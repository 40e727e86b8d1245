"""The end-to-end baseline for evaluating a CSV file: pandas read_csv, then scikit-learn's
roc_auc_score and accuracy_score and per-group selection rates, timed together (Debian's
python3-pandas and python3-sklearn). Prints JSON."""
import json
import re
import sys
import time

import pandas
import sklearn
from sklearn.metrics import accuracy_score, roc_auc_score

path = sys.argv[1]
start = time.perf_counter()
frame = pandas.read_csv(path)
auc = roc_auc_score(frame["y"], frame["p"])
accuracy = accuracy_score(frame["y"], frame["yhat"])
selection = frame.groupby("group")["yhat"].mean().to_dict()
seconds = time.perf_counter() - start
print(json.dumps({
    "pandas": pandas.__version__,
    "sklearn": sklearn.__version__,
    "seconds": seconds,
    # VmHWM is this process image's own peak (ru_maxrss carries the parent's across fork and exec).
    "max_rss_mib": int(re.search(r"^VmHWM:\s+(\d+) kB", open("/proc/self/status").read(), re.M).group(1)) / 1024,
    "rows": len(frame),
    "auc": auc,
    "accuracy": accuracy,
    "selection": selection,
}))
