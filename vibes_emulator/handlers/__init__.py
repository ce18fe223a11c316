"""Thin aiohttp handlers over the store, one module per resource family."""
