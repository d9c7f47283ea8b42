"""civmon's Scrapy project: settings, the generic news spider, middlewares,
the source registry and the ``civmon`` command line."""
