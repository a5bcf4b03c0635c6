"""What other programs read of the site: robots.txt, the sitemap, the OpenSearch description,
and the Highwire and Open Graph tags of a paper's page that reference managers (Zotero's
connector reads ``citation_*``) and link previews use."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from PIL import Image

from web.conftest import Site, person

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


class Head(HTMLParser):
    """The ``<meta>`` and ``<link>`` tags of a page, as a browser's parser reads them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.links: list[dict[str, str]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "meta" and ("name" in found or "property" in found):
            self.meta.append((found.get("name") or found["property"], found.get("content", "")))
        elif tag == "link":
            self.links.append(found)

    def values(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]


def test_robots_txt_keeps_crawlers_to_the_papers(site: Site) -> None:
    answer = TestClient(site.app).get("/robots.txt")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    lines = answer.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /admin", "Disallow: /settings/", "Disallow: /search"} <= set(lines)
    assert not any(line == "Disallow: /papers" or line == "Disallow: /" for line in lines)
    base = site.hub.settings.base_url.rstrip("/")
    assert f"Sitemap: {base}/sitemap.xml" in lines


def test_the_sitemap_names_every_list_and_its_papers_but_removed_ones(site: Site) -> None:
    hub = site.hub
    base = hub.settings.base_url.rstrip("/")
    latest = hub.latest_day()
    assert latest is not None
    _, listed = hub.daily(latest)
    removed = listed[-1]
    _, moderator = person(site, "moderator")
    hub.remove_paper(hub.user_named(moderator), removed.id, "a duplicate")
    try:
        answer = TestClient(site.app).get("/sitemap.xml")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(answer.content)
        assert root.tag == f"{SITEMAP}urlset"
        urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
        assert len(urls) == len(root) <= 50_000
        assert all(loc and loc.startswith(base + "/") for loc in urls)
        assert urls[f"{base}/?date={latest.isoformat()}"] == latest.isoformat()
        for paper in listed[:-1]:
            assert urls[f"{base}/papers/{paper.id}"] == latest.isoformat()
        assert f"{base}/papers/{removed.id}" not in urls
    finally:
        hub.restore_paper(hub.user_named(moderator), removed.id, "not a duplicate after all")


def test_browsers_are_offered_the_sites_search(site: Site) -> None:
    client = TestClient(site.app)
    links = Head(client.get("/").text).links
    offered = [link for link in links if link.get("rel") == "search"]
    assert offered and offered[0]["type"] == "application/opensearchdescription+xml"
    answer = client.get(offered[0]["href"])
    assert answer.headers["content-type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(answer.content)
    assert root.findtext(f"{OPENSEARCH}ShortName") == "Daily Papers"
    templates = {url.get("type"): url.get("template") for url in root.iter(f"{OPENSEARCH}Url")}
    html = templates["text/html"]
    assert html is not None and html.endswith("/search?q={searchTerms}")
    # The template, filled in as a browser does, is a search.
    filled = html.replace("{searchTerms}", "academic+illustration")
    path = "/" + filled.split("://", 1)[1].split("/", 1)[1]
    assert "PaperBanana" in client.get(path).text


def test_a_papers_page_carries_its_citation_and_preview_tags(site: Site) -> None:
    paper = site.hub.paper("2601.23265")
    assert paper.authors and paper.day  # arXiv's date, else its first day on a list
    head = Head(TestClient(site.app).get(f"/papers/{paper.id}").text)
    assert head.values("citation_title") == [paper.title]
    assert head.values("citation_author") == list(paper.authors)
    assert head.values("citation_publication_date") == [paper.day.strftime("%Y/%m/%d")]
    assert head.values("citation_arxiv_id") == [paper.arxiv_id]
    assert head.values("citation_pdf_url") == [f"https://arxiv.org/pdf/{paper.arxiv_id}"]
    base = site.hub.settings.base_url.rstrip("/")
    assert head.values("og:url") == [f"{base}/papers/{paper.id}"]
    assert head.values("og:title") == [paper.title] and head.values("og:type") == ["article"]
    assert head.values("twitter:card") == ["summary_large_image"]
    # Its image is the title card until the first page is rendered (tests/web/test_thumbnails.py),
    # drawn as a PNG of the size previews ask for: they take no SVG.
    assert head.values("og:image") == [f"{base}/thumbnails/{paper.id}.png"]
    assert (head.values("og:image:width"), head.values("og:image:height")) == (["1200"], ["630"])
    assert head.values("og:image:alt") == [paper.title]
    card = TestClient(site.app).get(f"/thumbnails/{paper.id}.png")
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    assert card.headers["cache-control"] == "public, max-age=86400"
    image = Image.open(io.BytesIO(card.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    # Drawn, not blank: the title's dark text on the card's light colour.
    darkest, lightest = image.convert("L").getextrema()
    assert darkest < 60 and lightest > 200
    assert TestClient(site.app).get("/thumbnails/2999.99999.png").status_code == 404
    (canonical,) = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == f"{base}/papers/{paper.id}"
