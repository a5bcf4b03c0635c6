"""Build the bundled demo dataset from the real data in ../shared/data.

The demo is Hugging Face's Daily Papers for the 20 weekdays of February 2026, as HF's
`/api/daily_papers` JSON: ids, titles, authors, listing dates, ranks, upvotes and GitHub links from
the Feb 2026 daily lists, joined by arXiv id with arXiv abstracts from the HF papers feed history.
Only what ../shared/data/README.md marks as shippable is used: from the daily lists, facts
only (never their AI-summary-prefixed abstracts); from the feed history, only the text after the
"AI-generated summary" marker (the arXiv abstract, CC0). A field no source gives is left out.

Beside it go the papers' embeddings (all-MiniLM-L6-v2, float16, keyed by the hash of the text the
hub embeds), so that the demo finds papers by meaning and shows similar papers from its first
start. They are made by loading the dataset into a throwaway hub and embedding what it stored, so
the texts are exactly the ones the hub would embed. This step needs the 'semantic' extra.

Usage: python scripts/build_demo.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from dailypapers.config import load_settings
from dailypapers.demo import VECTORS_NAME
from dailypapers.hub import Hub
from dailypapers.search.embedding import content_hash, paper_text

MARKER = "AI-generated summary"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "dailypapers" / "demo" / "daily-papers-2026-02.json.gz"


def abstracts(feed: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    with gzip.open(feed, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            text = row.get("content_text") or ""
            if MARKER in text:
                abstract = text.split(MARKER, 1)[1].strip()
                if abstract:
                    found[row["arxiv_id"]] = abstract
    return found


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    known = abstracts(shared / "hf-papers" / "michaelmarkert_rss_hf_papers_feed_history.jsonl.gz")
    items = []
    with (shared / "hf-papers" / "misaki-wang_hf_bot_2026-02.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            paper: dict[str, object] = {
                "id": row["paper_id"],
                "title": row["title"],
                "authors": [{"name": name} for name in row["authors"]],
                "upvotes": row["upvotes"],
            }
            if row["paper_id"] in known:
                paper["summary"] = known[row["paper_id"]]
            if row.get("github_url"):
                paper["githubRepo"] = row["github_url"]
            items.append(
                {
                    "paper": paper,
                    "title": row["title"],
                    "publishedAt": f"{row['date']}T00:00:00.000Z",
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the file byte-identical across rebuilds.
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(json.dumps(items, ensure_ascii=False, indent=0).encode())
    with_abstract = sum(1 for item in items if "summary" in item["paper"])
    print(f"{OUT.relative_to(ROOT)}: {len(items)} listings, {with_abstract} with abstracts")
    write_vectors(OUT.read_bytes())


def write_vectors(dataset: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hub, _ = Hub.init(load_settings({"data_dir": tmp}, {}))
        with hub:
            hub.import_stream(io.BytesIO(gzip.decompress(dataset)), "demo", "hf-daily")
            texts = sorted({paper_text(p.title, p.abstract) for p in hub.all_papers()})
            vectors = hub.embedder.embed(texts)
    target = OUT.parent / VECTORS_NAME
    hashes = np.array([content_hash(text) for text in texts], dtype="S32")
    with target.open("wb") as out:
        np.savez_compressed(out, hashes=hashes, vectors=vectors.astype(np.float16))
    print(f"{target.relative_to(ROOT)}: {len(texts)} vectors")


if __name__ == "__main__":
    main()
