"""Spiders of the civmon project (one generic spider, configured by the registry)."""
