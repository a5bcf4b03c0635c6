"""Ranking as pure functions: the trending formula, and each reader's model of what they like."""

from dailypapers.ranking.trending import WINDOWS, Gravity, listed_at, trending

__all__ = ["WINDOWS", "Gravity", "listed_at", "trending"]
