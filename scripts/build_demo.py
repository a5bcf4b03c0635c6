"""Build the bundled demo dataset from the real data in ../shared/data.

The demo is Hugging Face's Daily Papers for the 20 weekdays of February 2026, as HF's
`/api/daily_papers` JSON: ids, titles, authors, listing dates, ranks, upvotes and GitHub links from
the Feb 2026 daily lists, joined by arXiv id with arXiv abstracts from the HF papers feed history.
Only what ../shared/data/README.md marks as shippable is used: from the daily lists, facts
only (never their AI-summary-prefixed abstracts); from the feed history, only the text after the
"AI-generated summary" marker (the arXiv abstract, CC0). A field no source gives is left out.

Usage: python scripts/build_demo.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

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


if __name__ == "__main__":
    main()
