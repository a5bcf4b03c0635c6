"""Papers made up for the tests that need one whole ``Paper`` with chosen text."""

from __future__ import annotations

from dailypapers.models import Paper


def a_paper(title: str, abstract: str, author: str, link: str) -> Paper:
    return Paper(
        id="2602.21193",
        pk=1,
        title=title or "t",
        arxiv_id="2602.21193",
        version=1,
        abstract=abstract,
        authors=(author,),
        author_count=1,
        categories=("cs.CL",),
        published=None,
        updated=None,
        versions=None,
        comments=None,
        journal_ref=None,
        doi=None,
        license=None,
        pdf_url=link,
        github_repo=link,
        project_page=link,
        withdrawn=False,
        source_upvotes=None,
        upvotes=0,
        num_comments=0,
        seq=1,
    )
