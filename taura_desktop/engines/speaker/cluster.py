"""Group window embeddings into speakers and turn them into a speaker timeline.

Spectral clustering on a refined affinity matrix, as in Wang et al., "Speaker diarization with
LSTM" (ICASSP 2018), which used these same GE2E embeddings: the largest eigengap gives the
speaker count when it is not given. Every function is plain numpy in and out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taura_desktop.engines.speaker.base import Window

MERGE_SIMILARITY = 0.88  # clusters whose centroids are this similar are one voice
WINDOW_SIMILARITY = 0.7  # single windows of one voice are at least this similar (on average)
SMALL_N = 12  # fewer windows than this: no spectrum to read, plain agglomerative clustering
FRAME_MS = 50


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of speech given to one speaker (index into the cluster centroids)."""

    start_ms: int
    end_ms: int
    speaker: int


def _normalise(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-8)
    return out


def centroids(emb: np.ndarray, labels: np.ndarray, k: int | None = None) -> np.ndarray:
    k = int(labels.max()) + 1 if k is None else k
    out = np.zeros((k, emb.shape[1]), np.float32)
    for c in range(k):
        members = emb[labels == c]
        if len(members):
            out[c] = members.mean(axis=0)
    return _normalise(out).astype(np.float32)


def _relabel_by_first(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    for lab in labels.tolist():
        order.setdefault(int(lab), len(order))
    return np.array([order[int(x)] for x in labels], dtype=np.int64)


def cluster(
    emb: np.ndarray,
    n_speakers: int | None = None,
    *,
    merge_similarity: float = MERGE_SIMILARITY,
    max_speakers: int = 8,
    refine: int = 0,
) -> np.ndarray:
    """Speaker label per embedding (0..k-1, numbered by first appearance).

    Spectral clustering on the refined affinity; the count comes from the largest eigengap
    when not given, and clusters whose centroids are closer than ``merge_similarity`` (the
    same voice split in two) are merged.
    """
    n = len(emb)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1 or n_speakers == 1:
        return np.zeros(n, dtype=np.int64)
    x = _normalise(np.asarray(emb, dtype=np.float64))
    if n < SMALL_N:
        from scipy.cluster.hierarchy import fcluster, linkage

        tree = linkage(x, method="average", metric="cosine")
        if n_speakers is not None:
            labels = fcluster(tree, t=min(n_speakers, n), criterion="maxclust") - 1
        else:
            labels = fcluster(tree, t=1.0 - WINDOW_SIMILARITY, criterion="distance") - 1
    else:
        labels = spectral(x, n_speakers, max_speakers)
    labels = _compact(labels)
    for _ in range(refine):
        new = _compact(np.argmax(x @ centroids(x, labels).T, axis=1))
        if np.array_equal(new, labels):
            break
        labels = new
    if n_speakers is None:
        labels = _merge_similar(x, labels, merge_similarity)
    return _relabel_by_first(labels)


def _merge_similar(x: np.ndarray, labels: np.ndarray, similarity: float) -> np.ndarray:
    labels = _compact(labels)
    while labels.max() > 0:
        cent = centroids(x, labels)
        sims = cent @ cent.T
        np.fill_diagonal(sims, -1.0)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[i, j] < similarity:
            break
        labels = _compact(np.where(labels == max(i, j), min(i, j), labels))
    return labels


def _compact(labels: np.ndarray) -> np.ndarray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(np.int64)


def timeline(
    windows: Sequence[Window],
    emb: np.ndarray,
    cent: np.ndarray,
    regions: Sequence[tuple[int, int]],
    frame_ms: int = FRAME_MS,
) -> list[Turn]:
    """Speaker turns over the speech ``regions``: each frame takes the speaker whose centroid
    is closest to the mean embedding of the windows covering it (a window's weight falls off
    from its centre), runs are merged into turns."""
    if not len(windows) or not len(cent):
        return []
    starts = np.array([w.start_ms for w in windows], dtype=np.float64)
    ends = np.array([w.end_ms for w in windows], dtype=np.float64)
    centres = (starts + ends) / 2
    half = np.maximum((ends - starts) / 2, 1.0)
    turns: list[Turn] = []
    for r_start, r_end in regions:
        times = np.arange(r_start, r_end, frame_ms, dtype=np.float64) + frame_ms / 2
        if not len(times):
            continue
        labels = np.empty(len(times), dtype=np.int64)
        for i, t in enumerate(times):
            cover = np.flatnonzero((starts <= t) & (ends >= t))
            if not len(cover):  # between windows: the nearest one
                cover = np.array([int(np.argmin(np.abs(centres - t)))])
            w = np.maximum(1.0 - np.abs(centres[cover] - t) / (half[cover] + frame_ms), 0.05)
            mean = (emb[cover] * w[:, None]).sum(axis=0)
            labels[i] = int(np.argmax(cent @ mean))
        edges = np.flatnonzero(np.diff(labels)) + 1
        bounds = [0, *edges.tolist(), len(labels)]
        for a, b in itertools.pairwise(bounds):
            t0 = r_start + a * frame_ms
            t1 = min(r_end, r_start + b * frame_ms)
            if t1 > t0:
                turns.append(Turn(int(t0), int(t1), int(labels[a])))
    return _merge_touching(turns)


def _merge_touching(turns: list[Turn]) -> list[Turn]:
    out: list[Turn] = []
    for t in sorted(turns, key=lambda x: x.start_ms):
        if out and out[-1].speaker == t.speaker and t.start_ms <= out[-1].end_ms:
            out[-1] = Turn(out[-1].start_ms, max(out[-1].end_ms, t.end_ms), t.speaker)
        else:
            out.append(t)
    return out


def affinity(emb: np.ndarray, percentile: float = 0.9, blur: bool = True) -> np.ndarray:
    """The refined affinity of Wang et al. 2018 (GE2E d-vectors): cosine similarity,
    Gaussian blur along time, row-wise thresholding, symmetrisation, diffusion, row-max
    normalisation."""
    from scipy.ndimage import gaussian_filter

    x = _normalise(np.asarray(emb, np.float64))
    a = (x @ x.T + 1.0) / 2.0
    np.fill_diagonal(a, 0.0)
    np.fill_diagonal(a, a.max(axis=1))
    if blur and len(a) > 2:
        a = gaussian_filter(a, sigma=1.0, mode="nearest")
    keep = np.quantile(a, percentile, axis=1, keepdims=True)
    a = np.where(a >= keep, a, a * 0.01)
    a = np.maximum(a, a.T)
    a = a @ a.T
    return np.asarray(a / np.maximum(a.max(axis=1, keepdims=True), 1e-12))


def spectral(emb: np.ndarray, n_speakers: int | None, max_speakers: int = 8) -> np.ndarray:
    from scipy.cluster.vq import kmeans2

    n = len(emb)
    a = affinity(emb, percentile=0.5 if n < 20 else 0.8)
    vals, vecs = np.linalg.eigh(a)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    if n_speakers is None:
        top = min(max_speakers, n - 1)
        gaps = vals[:top] / np.maximum(vals[1 : top + 1], 1e-9)
        k = int(np.argmax(gaps)) + 1
    else:
        k = min(n_speakers, n)
    if k <= 1:
        return np.zeros(n, np.int64)
    feats = vecs[:, :k]
    feats = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
    best: np.ndarray | None = None
    best_score = -np.inf
    rng = np.random.default_rng(0)
    for _ in range(5):
        _, lab = kmeans2(feats, k, minit="++", seed=rng, iter=30)
        cent = centroids(_normalise(np.asarray(emb, np.float64)), _compact(lab))
        score = float(np.mean(np.max(_normalise(np.asarray(emb, np.float64)) @ cent.T, axis=1)))
        if score > best_score:
            best, best_score = _compact(lab), score
    assert best is not None
    return best
