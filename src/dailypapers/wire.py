"""Papers in the shapes other tools read: Hugging Face's papers API JSON, markdown and BibTeX.

The JSON follows HF's ``/api/papers/{id}`` and ``/api/daily_papers`` so that its clients
(``huggingface_hub.HfApi``) work unchanged; fields HF does not have come after its own. Every
link handed out is an http(s) one (``text.web_url``), whatever a row of an older store holds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from dailypapers.models import (
    AuthorClaim,
    Collection,
    Comment,
    Follow,
    Listing,
    MemberData,
    Notification,
    Paper,
    Subscription,
)
from dailypapers.text import name_key, web_url


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dayiso(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00.000Z" if day else None


# Who a listing is by when nobody on the site submitted it: an account that stands for its
# source, so that every item names a submitter as Hugging Face's do.
DAILY_LIST_ACCOUNT = "hf-daily"
ARXIV_ACCOUNT = "arxiv"
# ``/api/papers/{id}`` in HF's shape names the models, datasets and Spaces that cite a paper;
# this hub links none, and says so in the types HF's client expects.
NO_LINKED_REPOS: dict[str, Any] = {
    "linkedModels": [],
    "numTotalModels": 0,
    "linkedDatasets": [],
    "numTotalDatasets": 0,
    "linkedSpaces": [],
}


def hex_id(*parts: str) -> str:
    """A stable id of 24 hex digits (the length of HF's) for what ``parts`` name."""
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:24]


def avatar_url(name: str) -> str:
    """The address of the identicon the site draws for member ``name``."""
    return f"/avatars/{quote(name, safe='')}.svg"


# The size of a paper's title card (web/images.py), its thumbnail until its first page is rendered.
TITLE_CARD = (480, 270)
# A paper's card as link previews show it (``share_url``).
SHARE_CARD = (1200, 630)


def thumbnail_size(paper: Paper) -> tuple[int, int]:
    """The thumbnail's width and height in pixels, for pages to keep its place before it loads."""
    if paper.thumbnail is not None:
        return paper.thumbnail.width, paper.thumbnail.height
    return TITLE_CARD


def share_url(paper: Paper) -> str:
    """The image link previews show of the paper: its first page once rendered, else its title
    card as a PNG (previews take no SVG)."""
    if paper.thumbnail is not None:
        return thumbnail_url(paper)
    return f"/thumbnails/{paper.id}.png"


def share_size(paper: Paper) -> tuple[int, int]:
    """The width and height of ``share_url``'s image."""
    return thumbnail_size(paper) if paper.thumbnail is not None else SHARE_CARD


def thumbnail_url(paper: Paper) -> str:
    """The address of the paper's thumbnail: its first page once rendered, else its title card."""
    if paper.thumbnail is not None:
        return f"/thumbnails/{paper.thumbnail.digest}.webp"
    return f"/thumbnails/{paper.id}.svg"


def user_json(name: str, fullname: str | None = None) -> dict[str, Any]:
    """A member (or a source's account) as HF's API shows a user: ``name`` is the username."""
    return {
        "_id": hex_id("user", name),
        "avatarUrl": avatar_url(name),
        "fullname": fullname or name,
        "name": name,
        "type": "user",
        "isPro": False,
        "user": name,
    }


def _submitter(listing: Listing | None) -> dict[str, Any]:
    if listing is None:
        return user_json(ARXIV_ACCOUNT)
    if listing.submitter is None:
        return user_json(DAILY_LIST_ACCOUNT)
    return user_json(listing.submitter, listing.submitter_name)


def _authors(paper: Paper) -> list[dict[str, Any]]:
    """HF's authors of a paper: a verified member's ``user`` and ``status`` beside their name."""
    seen: dict[str, int] = {}
    claimed = {claim.author_key: claim for claim in paper.claimed}
    authors = []
    for name in paper.authors or ():
        seen[name] = seen.get(name, 0) + 1  # a name twice on one paper is two authors
        author: dict[str, Any] = {
            "_id": hex_id("author", paper.id, name, str(seen[name])),
            "name": name,
            "hidden": False,
        }
        claim = claimed.pop(name_key(name), None) if claimed else None
        if claim is not None:
            author["status"] = "claimed_verified"
            author["user"] = user_json(claim.user, claim.fullname)
        authors.append(author)
    return authors


def paper_json(paper: Paper) -> dict[str, Any]:
    """The ``/api/papers/{id}`` object: HF's fields first, then what this hub knows beyond them.

    Where the source gave no value HF requires, the best true one stands in for it: the first
    day on a list for an unknown publication date, the publication date for a paper on no list
    (submitted by the account that stands for arXiv), an empty abstract for an unknown one.
    """
    listed = paper.listings[0] if paper.listings else None
    code = web_url(paper.github_repo)
    return {
        "id": paper.id,
        "authors": _authors(paper),
        "publishedAt": iso(paper.published) or _dayiso(listed.date if listed else None),
        "submittedOnDailyAt": _dayiso(listed.date if listed else paper.day),
        "submittedOnDailyBy": _submitter(listed),
        "title": paper.title,
        "summary": paper.abstract or "",
        "upvotes": paper.total_upvotes,
        "discussionId": paper.id,
        "numComments": paper.num_comments,
        "githubRepo": code,
        "githubStars": paper.github_stars if code else None,
        "projectPage": web_url(paper.project_page),
        "withdrawnAt": iso(paper.updated) if paper.withdrawn else None,
        # Key phrases found by this hub (search/keywords.py), not written by a model.
        "ai_keywords": list(paper.keywords),
        # Beyond HF's shape: arXiv metadata the hub keeps.
        "arxivId": paper.arxiv_id,
        "version": paper.version,
        "authorCount": paper.author_count,
        "categories": list(paper.categories or ()),
        "updatedAt": iso(paper.updated),
        "arxivComments": paper.comments,
        "journalRef": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "pdfUrl": web_url(paper.pdf_url),
        "listings": [
            {"date": item.date.isoformat(), "rank": item.rank, "submitter": item.submitter}
            for item in paper.listings
        ],
    }


def daily_item_json(paper: Paper, day: date | None = None) -> dict[str, Any]:
    """One item of ``/api/daily_papers``: the paper, and its place on the list of ``day``.

    Without ``day``, the paper's first listing (or its date) stands for it. A paper on no list
    (found by a search) is submitted by the account that stands for arXiv.
    """
    listing = next((item for item in paper.listings if item.date == day), None)
    if listing is None and paper.listings:
        listing = paper.listings[0]
    listed_on = _dayiso(listing.date if listing else paper.day)
    return {
        "paper": paper_json(paper),
        "publishedAt": listed_on,
        "submittedOnDailyAt": listed_on,
        "title": paper.title,
        "summary": paper.abstract or "",
        "thumbnail": thumbnail_url(paper),
        "numComments": paper.num_comments,
        "submittedBy": _submitter(listing),
        "githubRepo": web_url(paper.github_repo),
        "projectPage": web_url(paper.project_page),
        # Whether an author verified as a member has taken part in its discussion.
        "isAuthorParticipating": any(claim.participating for claim in paper.claimed),
    }


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "paperId": comment.paper_id,
        "author": user_json(comment.author, comment.author_fullname),
        "text": comment.text,
        "createdAt": iso(comment.created_at),
        "parentId": comment.parent_id,
        "edited": comment.edited,
        "deleted": comment.deleted,
        "hidden": comment.hidden,
        "heldFor": comment.held_for,
    }


def notification_json(item: Notification) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "createdAt": iso(item.created_at),
        "read": item.read,
        "commentId": item.comment_id,
        "actor": item.actor,
        "paperId": item.paper_id,
        "paperTitle": item.paper_title,
        "excerpt": item.excerpt,
    }


def claim_json(claim: AuthorClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "paperId": claim.paper_id,
        "author": claim.author_name,
        "user": claim.user,
        "status": claim.status,
        "createdAt": iso(claim.created_at),
        "decidedAt": iso(claim.decided_at),
        "reason": claim.reason,
    }


def follow_json(follow: Follow) -> dict[str, Any]:
    return {
        "id": follow.id,
        "kind": follow.kind,
        "value": follow.value,
        "createdAt": iso(follow.created_at),
    }


def collection_json(collection: Collection) -> dict[str, Any]:
    return {
        "owner": collection.owner,
        "slug": collection.slug,
        "name": collection.name,
        "public": collection.public,
        "papers": collection.papers,
        "createdAt": iso(collection.created_at),
    }


def member_data_json(data: MemberData) -> dict[str, Any]:
    """A member's export: their profile, votes, saves, collections, follows, comments,
    subscription and author claims."""
    user = data.user
    return {
        "profile": {
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "createdAt": iso(user.created_at),
            "verified": user.verified,
        },
        "upvoted": data.upvoted,
        "saved": [
            {"paperId": paper_id, "savedAt": iso(at), "readAt": iso(read)}
            for paper_id, at, read in data.saved
        ],
        "collections": [
            {**collection_json(collection), "paperIds": ids} for collection, ids in data.collections
        ],
        "follows": [follow_json(follow) for follow in data.follows],
        "comments": [comment_json(comment) for comment in data.comments],
        "subscription": subscription_json(data.subscription) if data.subscription else None,
        "authorClaims": [claim_json(claim) for claim in data.claims],
    }


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    return {
        "email": subscription.email,
        "status": subscription.status,
        "frequency": subscription.frequency,
        "topics": list(subscription.topics),
        "timezone": subscription.timezone,
        "createdAt": iso(subscription.created_at),
        "confirmedAt": iso(subscription.confirmed_at),
        "bounces": subscription.bounces,
        "note": subscription.note,
    }


def arxiv_url(paper: Paper) -> str | None:
    return f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def pdf_url(paper: Paper) -> str | None:
    if known := web_url(paper.pdf_url):
        return known
    return f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None


# -- BibTeX ---------------------------------------------------------------------------------------

_BIB_SPECIAL = str.maketrans({c: f"\\{c}" for c in "&%#_"})
# Inline math, kept as written: "$x_i$" must stay "$x_i$", not "$x\_i$".
_BIB_MATH = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")


def _bib_value(text: str) -> str:
    """``text`` for a BibTeX field: its special characters escaped outside inline math."""
    out: list[str] = []
    cursor = 0
    for match in _BIB_MATH.finditer(text):
        out += [text[cursor : match.start()].translate(_BIB_SPECIAL), match.group(0)]
        cursor = match.end()
    out.append(text[cursor:].translate(_BIB_SPECIAL))
    return "".join(out).replace("\n", " ")


def bibtex_key(paper: Paper) -> str:
    """``surname2026firstword``: the key Google Scholar and arXiv's own export make."""
    names = paper.authors[0].split() if paper.authors else []
    first = names[-1] if names else "anon"
    first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    word = next(
        (w for w in re.findall(r"[A-Za-z]+", paper.title) if w.lower() not in _STOP), "paper"
    )
    year = paper.day.year if paper.day else ""
    return re.sub(r"[^a-z0-9]", "", f"{first}{year}{word}".lower()) or "paper"


_STOP = frozenset("a an the on of in for and to with from by at is are towards toward".split())


def bibtex(paper: Paper) -> str:
    """A BibTeX ``@misc`` entry in the form arXiv itself exports."""
    fields: list[tuple[str, str]] = [("title", "{" + _bib_value(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(_bib_value(name) for name in paper.authors)))
    if paper.day:
        fields.append(("year", str(paper.day.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
        fields.append(("url", arxiv_url(paper) or ""))
    if paper.doi:
        fields.append(("doi", paper.doi))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}\n"


def bibtex_list(papers: list[Paper]) -> str:
    """Entries for every paper, their keys made unique (``zhu2026paperbanana``, ``...b``)."""
    entries, used = [], set()
    for paper in papers:
        entry = bibtex(paper)
        key = base = bibtex_key(paper)
        suffix = ord("a")
        while key in used:
            suffix += 1
            key = f"{base}{chr(suffix)}"
        used.add(key)
        entries.append(entry.replace(f"@misc{{{base},", f"@misc{{{key},", 1))
    return "\n".join(entries)


CSV_COLUMNS = ("id", "title", "authors", "published", "categories", "upvotes", "url", "pdf")


def csv_rows(papers: list[Paper], base_url: str) -> list[list[str]]:
    """A header and one row per paper, for a spreadsheet (authors and categories ';'-joined)."""
    rows = [list(CSV_COLUMNS)]
    for paper in papers:
        rows.append(
            [
                paper.id,
                paper.title,
                "; ".join(paper.authors or ()),
                paper.day.isoformat() if paper.day else "",
                "; ".join(paper.categories or ()),
                str(paper.total_upvotes),
                f"{base_url.rstrip('/')}/papers/{paper.id}",
                pdf_url(paper) or "",
            ]
        )
    return rows


# -- markdown -------------------------------------------------------------------------------------

# What could start HTML or an autolink in markdown ("<" then a letter, "/", "!" or "?"), and what
# could end a link's text and start its target or reference ("](", "][", "]:").
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_LINK = re.compile(r"\](?=[(\[:])")


def md_text(text: str) -> str:
    """Stored text as markdown that shows it as text: no HTML, no links of its own. Math such
    as ``$x < y$`` and ``$[0,1]$`` stays as written."""
    return _MD_LINK.sub(r"\\]", _MD_TAG.sub("&lt;", text))


def _md_link(label: str, url: str | None) -> str | None:
    target = web_url(url)
    if target is None:
        return None
    # A space or parenthesis would end the target early; %-escaping keeps the URL the same.
    target = target.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target})"


def paper_markdown(
    paper: Paper,
    base_url: str,
    comments: Sequence[Comment] = (),
    similar: Sequence[Paper] = (),
) -> str:
    """The paper page as markdown (what ``HfApi.read_paper`` reads): the paper, its BibTeX, and
    the page's discussion and similar papers when given."""
    base = base_url.rstrip("/")
    lines = [f"# {md_text(paper.title)}", ""]
    if paper.authors:
        lines += [f"**Authors:** {md_text(', '.join(paper.authors))}", ""]
    facts = []
    if paper.day:
        facts.append(f"**Published:** {paper.day.isoformat()}")
    if paper.arxiv_id:
        facts.append(f"**arXiv:** [{paper.arxiv_id}]({arxiv_url(paper)})")
    for label, url in (
        ("PDF", pdf_url(paper)),
        ("Code", paper.github_repo),
        ("Project page", paper.project_page),
    ):
        if link := _md_link(label, url):
            facts.append(link)
    if facts:
        lines += [" · ".join(facts), ""]
    if paper.categories:
        lines += [f"**Categories:** {md_text(', '.join(paper.categories))}", ""]
    lines += [
        f"**Upvotes:** {paper.total_upvotes} · **Comments:** {paper.num_comments} · "
        f"[Discuss]({base}/papers/{paper.id})",
        "",
    ]
    if paper.abstract:
        lines += ["## Abstract", "", md_text(paper.abstract), ""]
    lines += ["## BibTeX", "", "```bibtex", bibtex(paper).rstrip(), "```", ""]
    if comments:
        lines += ["## Discussion", ""]
        for comment in comments:
            reply = f" (reply to comment {comment.parent_id})" if comment.parent_id else ""
            when = comment.created_at.date().isoformat()
            # Quoted, so that what a comment writes (a heading, a rule) stays inside it.
            said = "[deleted]" if comment.deleted else md_text(comment.text)
            quoted = [f"> {line}".rstrip() for line in said.splitlines()]
            lines += [f"**{md_text(comment.author)}**, {when}{reply}:", "", *quoted, ""]
    if similar:
        lines += ["## Similar papers", ""]
        lines += [f"- [{md_text(other.title)}]({base}/papers/{other.id})" for other in similar]
        lines.append("")
    return "\n".join(lines)


def paper_page_json(
    paper: Paper, comments: Sequence[Comment], similar: Sequence[Paper]
) -> dict[str, Any]:
    """The paper page as JSON: the paper in the API's shape, its discussion oldest first, the
    papers nearest in meaning, and its BibTeX."""
    return {
        "paper": paper_json(paper),
        "comments": [comment_json(comment) for comment in comments],
        "similar": [daily_item_json(other) for other in similar],
        "bibtex": bibtex(paper),
    }
