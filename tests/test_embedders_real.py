"""Both real embedder backends load offline and rank cross-lingually."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Settings
from assistant.ingest.normalize import normalize
from assistant.search.embed import load_embedder

pytestmark = pytest.mark.models

PASSAGES = [
    "今年2月，广西设立了规模100亿元的人工智能产业基金。",
    "南A中心迎来了首批16家东盟企业签约入驻。",
    "邕剧是广西的传统戏曲，在越南演出受到欢迎。",
]


@pytest.mark.parametrize("embedder_id", ["use-multilingual-v3", "embeddinggemma-300m"])
def test_real_embedder_ranks_the_right_passage(embedder_id: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder(Settings(embedder=embedder_id))
    docs = emb.embed_documents([normalize(p) for p in PASSAGES])
    assert docs.shape == (3, emb.dim) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    for query, want in [
        ("How large is the AI industry fund Guangxi set up in February?", 0),
        ("南A中心首批入驻了多少家企业？", 1),
        (normalize("廣西的邕劇在越南演出"), 2),  # traditional query, normalised
    ]:
        scores = docs @ emb.embed_query(query)
        assert int(np.argmax(scores)) == want, (embedder_id, query, scores)
