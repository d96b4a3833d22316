"""Regenerate sessions.csv: a simulated two-week A/B test at the grain of sessions.

Each row is one session of a user (`user`, `variant`, the experiment `day` 1–14, `pageviews`,
`revenue`); users are randomised, so analyses aggregate with `--unit user`. The treatment
raises the chance of a purchase a little. Run from this folder: python make_sessions.py
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20260214)
users = 4000
variant = np.where(rng.random(users) < 0.5, "control", "treatment")
sessions = 1 + rng.poisson(1.5, users)
user = np.repeat(np.arange(1, users + 1), sessions)
arm = np.repeat(variant, sessions)
first = np.repeat(rng.integers(1, 15, users), sessions)  # the day each user arrives
day = np.minimum(first + rng.integers(0, 4, user.size), 14)
pageviews = 1 + rng.poisson(3, user.size)
buy = rng.random(user.size) < np.where(arm == "treatment", 0.085, 0.07)
revenue = np.where(buy, np.round(rng.lognormal(3.2, 0.6, user.size), 2), 0.0)
data = pd.DataFrame({"user": user, "variant": arm, "day": day, "pageviews": pageviews,
                     "revenue": revenue})
data.sort_values(["day", "user"], kind="stable").to_csv("sessions.csv", index=False)
