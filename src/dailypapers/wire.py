"""Papers in the JSON shapes of Hugging Face's papers API, so its clients work unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dailypapers.models import Paper


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def paper_json(paper: Paper) -> dict[str, Any]:
    """The ``/api/papers/{id}`` object: HF's fields first, then what this hub knows beyond them."""
    listed = paper.listings[0].date if paper.listings else None
    return {
        "id": paper.id,
        "authors": [{"name": name, "hidden": False} for name in paper.authors or ()],
        "publishedAt": _iso(paper.published),
        "submittedOnDailyAt": f"{listed.isoformat()}T00:00:00.000Z" if listed else None,
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.total_upvotes,
        "discussionId": paper.id,
        "numComments": paper.num_comments,
        "githubRepo": paper.github_repo,
        "projectPage": paper.project_page,
        "withdrawnAt": _iso(paper.updated) if paper.withdrawn else None,
        # Beyond HF's shape: arXiv metadata the hub keeps.
        "arxivId": paper.arxiv_id,
        "version": paper.version,
        "authorCount": paper.author_count,
        "categories": list(paper.categories or ()),
        "updatedAt": _iso(paper.updated),
        "comments": paper.comments,
        "journalRef": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "pdfUrl": paper.pdf_url,
        "listings": [
            {"date": item.date.isoformat(), "rank": item.rank, "submitter": item.submitter}
            for item in paper.listings
        ],
    }
