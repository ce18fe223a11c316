"""Callback delivery: the emulator calls registered destinations when data changes (FACTS §3).

``dispatcher`` turns store changes into deliveries (one asyncio queue and worker per
destination URL, retries on 3xx/5xx, drops on 4xx, duplicates on demand); ``control`` adds
``/_emulator/callbacks`` (delivery counts, drain) and ``/_emulator/activity`` (simulated
subscriber activity) to the control plane.
"""
