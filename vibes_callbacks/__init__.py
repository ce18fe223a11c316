"""vibes-callbacks: a durable receiver of Vibes callbacks, and their registration.

Vibes calls a client back when persons, subscriptions, participants and wallet passes change
(FACTS §3). ``receiver`` answers those calls, committing each event to a SQLite ``journal``
before it says 2xx; ``register`` creates the registrations the tap needs; ``cli`` is the
``vibes-callbacks`` command. The tap reads the journal (``tap_vibes.sources.callback_journal``).
"""
