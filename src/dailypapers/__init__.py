"""dailypapers: a self-hostable Daily Papers hub."""

__version__ = "0.1.0"
