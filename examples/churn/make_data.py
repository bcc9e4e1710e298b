"""Generate the synthetic telecom-churn data of the `churn` example.

Run it from the repository's root: `python examples/churn/make_data.py`. It writes three
CSV files (comma-delimited, a header row, no index column) into `data/` next to itself.
Everything is drawn from `numpy.random.default_rng(SEED)`, so running it again
reproduces the files byte for byte.

`data/customers.csv` (1500 rows, the training data), one row per customer:

- `customer_id`: a unique string, `C00001` to `C01500`.
- `tenure_months`: whole months as a customer, 0 to 72 (0 for about 2% of rows).
- `monthly_charges`: the current monthly bill, 2 decimals; it depends mostly on the
  internet service (none is cheap, fiber is dear).
- `total_charges`: everything billed so far, about tenure times the monthly bill;
  MISSING (an empty field) for customers with a tenure of 0, who have not been billed.
- `contract`: `month-to-month`, `one-year` or `two-year`; long-standing customers tend
  to have the longer contracts.
- `internet`: `dsl`, `fiber` or `none`; MISSING for about 2% of rows.
- `payment_method`: `electronic-check`, `mailed-check`, `bank-transfer` or `credit-card`.
- `senior`: 1 for a senior citizen, else 0.
- `region`: `north`, `south`, `east` or `west`; meant as a sensitive (grouping) column.
  It has a small effect on churn, so a model's accuracy differs a little between groups.
- `support_calls`: calls to the support line in the last quarter.
- `churned`: the target, 1 if the customer left (about 25% of rows), else 0. It is drawn
  from a logistic model of the columns above (short tenure, month-to-month contracts,
  high charges, fiber, electronic checks, seniors and many support calls raise the
  risk), so a good classifier is right about 80% of the time, never always.

`data/new_customers.csv` (500 rows, ids `C01501` onwards) has the same columns except
`churned`: these are customers to score. They come from a shifted distribution:
fiber is much more common (about two in three customers, against two in five) and
every bill is a little higher, so monthly charges are about 15 higher on average and a
drift test flags `monthly_charges` and `internet` (and `total_charges`, which follows).
Tenure, contract, payment method, `senior`, `region` and support calls follow the same
distribution as in the training data.

`data/new_customers_labels.csv` has `customer_id,churned` for the new customers: the
labels that arrive later, drawn from the same logistic model as the training labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

SEED = 18
N_CUSTOMERS = 1500
N_NEW_CUSTOMERS = 500
DATA_DIR = Path(__file__).resolve().parent / "data"

CONTRACTS = ("month-to-month", "one-year", "two-year")
INTERNET = ("dsl", "fiber", "none")
PAYMENT_METHODS = ("electronic-check", "mailed-check", "bank-transfer", "credit-card")
REGIONS = ("north", "south", "east", "west")

# Internet-service mix: training customers, then the (drifted) new customers.
INTERNET_P = (0.38, 0.42, 0.20)
NEW_INTERNET_P = (0.22, 0.66, 0.12)
# The typical monthly bill for each internet service.
BASE_CHARGE = {"dsl": 55.0, "fiber": 82.0, "none": 22.0}
# How much bills vary around that (phone lines, TV, discounts).
CHARGE_SPREAD = {"dsl": 10.0, "fiber": 11.0, "none": 3.0}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


def _choice(
    rng: np.random.Generator, options: tuple[str, ...], p: FloatArray | tuple[float, ...]
) -> str:
    """Pick one of `options` with probabilities `p`."""
    return str(options[int(rng.choice(len(options), p=p))])


def _features(rng: np.random.Generator, n: int, charge_shift: float, new: bool) -> pd.DataFrame:
    """Draw `n` customers' features (without the id and the target)."""
    # Tenure: a U-shaped spread over 1..72 (many new and many loyal customers),
    # and exactly 0 for about 2% (customers who have just joined).
    tenure: IntArray = np.clip(np.rint(rng.beta(0.75, 0.85, n) * 71.0) + 1, 1, 72).astype(np.int64)
    tenure[rng.random(n) < 0.02] = 0

    # Contract: the longer the tenure, the likelier a one- or two-year contract.
    contract: list[str] = []
    for months in tenure:
        t = float(months) / 72.0
        logits = np.array([1.2 - 1.5 * t, -0.6 + 0.8 * t, -1.6 + 3.0 * t])
        probabilities: FloatArray = np.exp(logits) / np.exp(logits).sum()
        contract.append(_choice(rng, CONTRACTS, probabilities))

    internet_p = NEW_INTERNET_P if new else INTERNET_P
    internet = [_choice(rng, INTERNET, internet_p) for _ in range(n)]

    base: FloatArray = np.array([BASE_CHARGE[kind] for kind in internet])
    spread: FloatArray = np.array([CHARGE_SPREAD[kind] for kind in internet])
    raw: FloatArray = base + charge_shift + rng.normal(0.0, spread)
    charges: FloatArray = np.clip(raw, 15.0, 125.0).round(2)

    # Total so far: roughly tenure x the current bill (past bills varied a little).
    drift: FloatArray = rng.normal(1.0, 0.06, n)
    total: FloatArray = np.round(tenure * charges * drift, 2)
    total[tenure == 0] = np.nan

    payment = [_choice(rng, PAYMENT_METHODS, (0.34, 0.22, 0.22, 0.22)) for _ in range(n)]
    senior: IntArray = (rng.random(n) < 0.16).astype(np.int64)
    region = [_choice(rng, REGIONS, (0.30, 0.25, 0.25, 0.20)) for _ in range(n)]
    support_calls: IntArray = rng.poisson(1.4, n).astype(np.int64)

    # A few customers' internet service was not recorded (after charges were drawn).
    internet_column: list[str | None] = list(internet)
    for index in np.flatnonzero(rng.random(n) < 0.02):
        internet_column[int(index)] = None

    return pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_charges": charges,
            "total_charges": total,
            "contract": contract,
            "internet": internet_column,
            "payment_method": payment,
            "senior": senior,
            "region": region,
            "support_calls": support_calls,
            # The true service, for the churn model only (dropped before writing).
            "_internet": internet,
        }
    )


def _churn(rng: np.random.Generator, features: pd.DataFrame) -> IntArray:
    """Draw the target from a logistic model of the features, plus noise."""
    tenure: FloatArray = features["tenure_months"].to_numpy(dtype=np.float64)
    charges: FloatArray = features["monthly_charges"].to_numpy(dtype=np.float64)
    contract_effect = {"month-to-month": 0.9, "one-year": -0.5, "two-year": -1.7}
    internet_effect = {"dsl": 0.0, "fiber": 0.45, "none": -0.4}
    payment_effect = {
        "electronic-check": 0.55,
        "mailed-check": 0.0,
        "bank-transfer": -0.2,
        "credit-card": -0.2,
    }
    region_effect = {"north": 0.0, "south": 0.15, "east": -0.1, "west": 0.25}
    logit: FloatArray = (
        -1.9
        - 0.045 * (tenure - 30.0)
        + 0.022 * (charges - 65.0)
        + features["contract"].map(contract_effect).to_numpy(dtype=np.float64)
        + features["_internet"].map(internet_effect).to_numpy(dtype=np.float64)
        + features["payment_method"].map(payment_effect).to_numpy(dtype=np.float64)
        + 0.45 * features["senior"].to_numpy(dtype=np.float64)
        + features["region"].map(region_effect).to_numpy(dtype=np.float64)
        + 0.35 * (features["support_calls"].to_numpy(dtype=np.float64) - 1.4)
        + rng.normal(0.0, 0.5, len(features))
    )
    probability: FloatArray = 1.0 / (1.0 + np.exp(-logit))
    churned: IntArray = (rng.random(len(features)) < probability).astype(np.int64)
    return churned


def _ids(start: int, n: int) -> list[str]:
    """Customer ids `C{start:05d}` onwards."""
    return [f"C{number:05d}" for number in range(start, start + n)]


def _write(frame: pd.DataFrame, name: str) -> Path:
    """Write `frame` as a CSV file in `DATA_DIR` and return its path."""
    path = DATA_DIR / name
    frame.to_csv(path, index=False, float_format="%.2f", lineterminator="\n")
    return path


def main() -> None:
    """Draw all three files and write them into `data/` next to this script."""
    rng = np.random.default_rng(SEED)
    DATA_DIR.mkdir(parents=True, exist_ok=True)

    customers = _features(rng, N_CUSTOMERS, charge_shift=0.0, new=False)
    customers.insert(0, "customer_id", _ids(1, N_CUSTOMERS))
    customers["churned"] = _churn(rng, customers)

    new = _features(rng, N_NEW_CUSTOMERS, charge_shift=6.0, new=True)
    new.insert(0, "customer_id", _ids(N_CUSTOMERS + 1, N_NEW_CUSTOMERS))
    labels = pd.DataFrame({"customer_id": new["customer_id"], "churned": _churn(rng, new)})

    written = [
        _write(customers.drop(columns="_internet"), "customers.csv"),
        _write(new.drop(columns="_internet"), "new_customers.csv"),
        _write(labels, "new_customers_labels.csv"),
    ]
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
