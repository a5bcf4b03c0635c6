"""The reader model: it learns a direction from likes and dislikes, on real paper embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers import demo
from dailypapers.ranking.interest import Interest, centroid, train


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return np.stack(list(demo.vectors().values()))


def test_it_ranks_what_is_like_the_likes_first(vectors: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    anchor = vectors[0]
    similarity = vectors @ anchor
    order = np.argsort(-similarity)
    near, far = order[1:40], order[-200:]
    liked = near[::2]  # every other near paper is a like; the rest are held out
    model = train(vectors[liked], background=vectors[rng.choice(far, 100, replace=False)])
    assert model is not None and model.positives == len(liked) and model.negatives == 0
    held_out = near[1::2]
    scores = model.scores(vectors)
    # The held-out near papers outscore almost every far one.
    assert np.mean(scores[held_out][:, None] > scores[far][None, :]) > 0.95


def test_dislikes_push_their_direction_down(vectors: np.ndarray) -> None:
    liked, disliked = vectors[:5], vectors[5:10]
    plain = train(liked)
    told = train(liked, negatives=disliked)
    assert plain is not None and told is not None and told.negatives == 5
    assert told.scores(disliked).mean() < plain.scores(disliked).mean()


def test_edges_and_round_trip(vectors: np.ndarray) -> None:
    assert train(np.zeros((0, 384), dtype=np.float32)) is None
    model = train(vectors[:3])
    assert model is not None
    again = Interest.from_bytes(model.to_bytes(), model.positives, model.negatives)
    np.testing.assert_allclose(again.scores(vectors[:20]), model.scores(vectors[:20]), rtol=1e-6)
    assert model.scores(np.zeros((0, 384), dtype=np.float32)).shape == (0,)
    mean = centroid(vectors[:4])
    assert mean is not None and abs(float(np.linalg.norm(mean)) - 1) < 1e-5
    assert centroid(np.zeros((0, 384), dtype=np.float32)) is None
