"""`make demo`: the whole product against a local vibes-emulator, through Meltano.

Run from the repository root with ``.venv/bin/python -m demo`` (the Makefile's ``demo`` target).
Not part of the distribution: it orchestrates the installed plugins, Meltano and the emulator.
"""
