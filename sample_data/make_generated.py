"""Regenerate the three synthetic datasets (scores.csv, animals.csv, clicks.csv).

The same seeded draws as the reference script that computed their scikit-learn and
statsmodels reference values (shared/reference/make-python-reference.py), so the files are
byte-identical. Run from this folder: python make_generated.py
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261124)
n = 400
y = rng.integers(0, 2, n)
score = np.round(np.clip(0.35 * y + rng.normal(0.35, 0.2, n), 0, 1), 2)  # ties on purpose
pd.DataFrame({"label": y, "score": score}).to_csv("scores.csv", index=False)

labels = np.array(["cat", "dog", "bird"])
actual = labels[rng.integers(0, 3, 150)]
predicted = np.where(rng.random(150) < 0.7, actual, labels[rng.integers(0, 3, 150)])
pd.DataFrame({"actual": actual, "predicted": predicted}).to_csv("animals.csv", index=False)

x1 = rng.normal(0, 1, 300)
x2 = rng.normal(0, 1, 300)
linear = -0.5 + 1.2 * x1 - 0.8 * x2
clicked = (rng.random(300) < 1 / (1 + np.exp(-linear))).astype(int)
pd.DataFrame({"x1": np.round(x1, 4), "x2": np.round(x2, 4), "clicked": clicked}).to_csv(
    "clicks.csv", index=False)
