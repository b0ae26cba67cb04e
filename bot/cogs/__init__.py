"""Discord cogs, one feature each: ask (and mentions), ingest, articles, admin."""
