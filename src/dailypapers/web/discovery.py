"""What other programs read to find their way round the site: `/robots.txt` for crawlers, the
sitemap of the lists and their papers, and the OpenSearch description that lets a browser offer
the site's search in its address bar."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter
from fastapi.responses import Response

from dailypapers.web.deps import HubDep, SettingsDep

router = APIRouter(include_in_schema=False)

# What a crawler has no business walking: forms, a member's own pages, and search, whose
# results are the papers' pages it finds through the sitemap anyway.
_PRIVATE = (
    "/signin",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/confirm-address",
    "/settings/",
    "/admin",
    "/moderation",
    "/for-you",
    "/reading-list",
    "/following",
    "/search",
    "/api/",
    "/mcp",
)
SITEMAP_TYPE = "application/xml"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"


@router.get("/robots.txt")
def robots(settings: SettingsDep) -> Response:
    base = settings.base_url.rstrip("/")
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in _PRIVATE), ""]
    lines.append(f"Sitemap: {base}/sitemap.xml")
    return Response("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8")


@router.get("/sitemap.xml")
def sitemap(hub: HubDep, settings: SettingsDep) -> Response:
    """The home page, trending, every day's list and the papers listed last (50,000 URLs in
    all, the sitemaps protocol's limit for one file), newest first."""
    base = settings.base_url.rstrip("/")
    days, listed = hub.sitemap(50_000 - 2)
    rows = [
        f"<url><loc>{escape(base)}/</loc></url>",
        f"<url><loc>{escape(base)}/trending</loc></url>",
    ]
    rows += [
        f"<url><loc>{escape(base)}/?date={day.isoformat()}</loc><lastmod>{day.isoformat()}</lastmod></url>"
        for day in days
    ]
    rows += [
        f"<url><loc>{escape(f'{base}/papers/{ident}')}</loc><lastmod>{day.isoformat()}</lastmod></url>"
        for ident, day in listed
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )
    return Response(body, media_type=SITEMAP_TYPE)


@router.get("/opensearch.xml")
def opensearch(settings: SettingsDep) -> Response:
    base = settings.base_url.rstrip("/")
    html = quoteattr(f"{base}/search?q={{searchTerms}}")
    atom = quoteattr(f"{base}/feeds/search.atom?q={{searchTerms}}")
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
<ShortName>Daily Papers</ShortName>
<Description>Search the papers of {escape(base)} by words and by meaning</Description>
<InputEncoding>UTF-8</InputEncoding>
<Image width="16" height="16" type="image/svg+xml">{escape(base)}/static/favicon.svg</Image>
<Url type="text/html" method="get" template={html}/>
<Url type="application/atom+xml" method="get" template={atom}/>
</OpenSearchDescription>
"""
    return Response(body, media_type=OPENSEARCH_TYPE)
