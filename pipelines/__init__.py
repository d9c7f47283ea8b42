"""Item pipelines: extract -> dates -> relevance -> dedup -> store.

Each stage is a plain function first (tested without a crawler), wrapped by a
thin Scrapy pipeline class that counts what it does under ``civmon/<stage>/``.
Nothing here imports Scrapy beyond ``DropItem`` / ``NotConfigured``.
"""
