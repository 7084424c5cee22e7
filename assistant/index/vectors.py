"""The vector index: exact inner-product search up to FLAT_LIMIT vectors, compressed above."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.errors import IndexError_

VECTORS = "vectors.faiss"
# Up to this many vectors an exact flat index is fast (about 1 ms) and small.
FLAT_LIMIT = 20_000
# Above it: 4-bit product-quantisation codes scanned with SIMD ("fast scan") pick candidates,
# which are re-scored on fp16 copies of the vectors. Measured on 200,000 vectors (research/README.md,
# "Performance"): recall@10 0.997 against exact fp32 search with 500 candidates re-scored,
# 0.5 ms a query, 155 MB, built in about a second; HNSW (M 32 and 64) reached 0.969-0.987,
# weakest on off-topic questions, and took 64 s to build and 360+ MB.
COMPRESSED_INDEX = "PQ{m}x4fs,Refine(SQfp16)"  # m = dimension / 4: four dimensions per 4-bit code


def make_faiss_index(vectors: np.ndarray):
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.index_factory(dimension, COMPRESSED_INDEX.format(m=dimension // 4), faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)  # seconds: 16 centroids per code; k-means is seeded, so builds repeat
    index.add(vectors)
    return index


def save_vectors(directory: Path, index) -> None:
    import faiss

    faiss.write_index(index, str(directory / VECTORS))


def load_vectors(directory: Path):
    import faiss

    try:
        return faiss.read_index(str(directory / VECTORS))
    except Exception as exc:  # faiss raises RuntimeError with a C++ message
        raise IndexError_(f"{directory / VECTORS}: unreadable FAISS index ({str(exc).splitlines()[0]}); rebuild") from None
