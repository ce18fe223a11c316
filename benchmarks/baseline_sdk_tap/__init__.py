"""A plain Singer SDK tap for Vibes wallet data, written the way the SDK's cookiecutter
teaches: ``RESTStream`` with requests, a header paginator and the SDK's default writer.

It is the baseline of ``benchmarks/list_streams.py`` and ``benchmarks/memory.py``; it reads
the same emulator and emits the same records (same schema files) as tap-vibes.
"""
