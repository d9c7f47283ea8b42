"""Scrapy commands of the civmon project (``COMMANDS_MODULE`` in crawler/settings.py)."""
