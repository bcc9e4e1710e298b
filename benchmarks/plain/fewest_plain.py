"""The fewest-features work as a plain script: load, split, scale, a small grid, metrics.

scikit-learn's breast cancer data; a stratified split into train, valid and test
(`train_test_split` twice: 15% test, then 15% of the rows to valid, seed 0); a
`StandardScaler` fitted on train (each part kept a frame); a
`LogisticRegression(max_iter=1000)` for each C in (0.1, 1.0) scored by f1 on valid;
the winner's test accuracy, f1 and ROC AUC, printed.
`fewest_lolpop.py` does the same work as a typed lolpop workflow.

Run: `python benchmarks/plain/fewest_plain.py`.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def main() -> None:
    """Load, split, scale, try the grid, print the winner's test metrics."""
    bunch = load_breast_cancer(as_frame=True)
    features, target = bunch.data, bunch.target
    x_rest, x_test, y_rest, y_test = train_test_split(
        features, target, test_size=0.15, random_state=0, stratify=target
    )
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_rest, y_rest, test_size=0.15 / 0.85, random_state=0, stratify=y_rest
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid, x_test = (
        pd.DataFrame(scaler.transform(x), index=x.index, columns=x.columns)
        for x in (x_train, x_valid, x_test)
    )
    best: tuple[float, LogisticRegression] | None = None
    for c in (0.1, 1.0):
        model = LogisticRegression(C=c, max_iter=1000, random_state=0).fit(x_train, y_train)
        score = float(f1_score(y_valid, model.predict(x_valid)))
        if best is None or score > best[0]:
            best = (score, model)
    assert best is not None
    winner = best[1]
    predicted = winner.predict(x_test)
    accuracy = accuracy_score(y_test, predicted)
    roc_auc = roc_auc_score(y_test, winner.predict_proba(x_test)[:, 1])
    print(
        f"test f1 {f1_score(y_test, predicted):.6f} accuracy {accuracy:.6f} roc_auc {roc_auc:.6f}"
    )


if __name__ == "__main__":
    main()
