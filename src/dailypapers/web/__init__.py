"""The web adapter: ``create_app(hub, settings)`` builds the ASGI app over one hub."""

from dailypapers.web.app import create_app

__all__ = ["create_app"]
