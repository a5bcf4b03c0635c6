"""A reader's interest as a linear model over paper embeddings: pure NumPy, no I/O.

What a reader likes (upvotes, saves, "more like this", papers in their collections) are the
positives; "less like this" are the negatives; and a sample of other recent papers stands for
what they did not pick, with a small weight, so that a reader with no negatives still gets a
direction and not just "everything is good". The model is L2-regularised logistic regression fit
by Newton's method, the classic choice for a few hundred labelled points in a few hundred
dimensions (Scholar Inbox trains one such classifier per user; arxiv-sanity an SVM): on 384-d
vectors it converges in a handful of steps, milliseconds for hundreds of signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# How much each kind of example counts in the fit.
POSITIVE_WEIGHT = 1.0
NEGATIVE_WEIGHT = 1.5  # a "less like this" is said on purpose
BACKGROUND_WEIGHT = 0.2  # an unpicked paper is only weak evidence
L2 = 1.0
STEPS = 8


@dataclass(frozen=True, slots=True)
class Interest:
    """A trained model: ``score(v) = v . weights + bias`` (log-odds of "this reader wants it")."""

    weights: Vectors
    bias: float
    positives: int
    negatives: int

    def scores(self, vectors: Vectors) -> npt.NDArray[np.float32]:
        if not len(vectors):
            return np.zeros(0, dtype=np.float32)
        return (np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias).astype(np.float32)

    def to_bytes(self) -> bytes:
        return np.concatenate([self.weights, [self.bias]]).astype(np.float32).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, positives: int, negatives: int) -> Interest:
        values = np.frombuffer(data, dtype=np.float32)
        return cls(values[:-1].copy(), float(values[-1]), positives, negatives)


def train(
    positives: Vectors,
    negatives: Vectors | None = None,
    background: Vectors | None = None,
    l2: float = L2,
    steps: int = STEPS,
) -> Interest | None:
    """Fit the model; None without any positive (nothing to learn a taste from)."""
    positives = np.asarray(positives, dtype=np.float64)
    if positives.ndim != 2 or not len(positives):
        return None
    dim = positives.shape[1]
    parts = [positives]
    labels = [np.ones(len(positives))]
    weights = [np.full(len(positives), POSITIVE_WEIGHT)]
    for extra, weight in ((negatives, NEGATIVE_WEIGHT), (background, BACKGROUND_WEIGHT)):
        if extra is not None and len(extra):
            parts.append(np.asarray(extra, dtype=np.float64))
            labels.append(np.zeros(len(extra)))
            weights.append(np.full(len(extra), weight))
    x = np.hstack([np.vstack(parts), np.ones((sum(len(p) for p in parts), 1))])  # bias column
    y, w = np.concatenate(labels), np.concatenate(weights)
    # Balance the classes: a reader with 3 likes and 200 background papers still has a taste.
    for label in (0.0, 1.0):
        chosen = y == label
        if chosen.any():
            w[chosen] *= len(y) / (2 * w[chosen].sum())
    penalty = np.full(dim + 1, l2)
    penalty[-1] = 1e-6  # the bias is not shrunk
    beta = np.zeros(dim + 1)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -30, 30)))
        gradient = x.T @ (w * (p - y)) + penalty * beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    negatives_seen = 0 if negatives is None else len(negatives)
    return Interest(beta[:-1].astype(np.float32), float(beta[-1]), len(positives), negatives_seen)


def centroid(positives: Vectors) -> Vectors | None:
    """The mean of the liked papers, normalised: the baseline the model is measured against."""
    if not len(positives):
        return None
    mean = np.asarray(positives, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None
