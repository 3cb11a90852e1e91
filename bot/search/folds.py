"""Cross-validation folds grouped by procedure (or out-of-scope subject): a model is always
measured on groups it did not see."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold


def group_folds(groups: list[str], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs, at most ``folds`` of them, no group on both sides."""
    n_groups = len(set(groups))
    splitter = GroupKFold(n_splits=min(folds, n_groups))
    return list(splitter.split(np.zeros(len(groups)), groups=groups))
