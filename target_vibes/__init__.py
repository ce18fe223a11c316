"""target-vibes: reverse ETL from any Singer source into Vibes.


Routing. A stream named like a resource (persons, subscribers, participants, wallet_items,
wallet_messages, broadcasts, events) goes there; the ``streams`` setting maps any other
name, with per-resource options. ``unknown_streams``: ``fail`` (default; the error names
the ``streams`` setting) or ``skip``. Stream maps run before routing.

Record shapes. Flat (``mdn``, ``custom_fields__<name>``, ``tokens__<name>``,
``message__template``...) or nested (``mobile_phone.mdn``, ``custom_fields: {...}``), as
tap-vibes emits them; values Vibes computes (person_key, created_at, updated_at, url,
status, delivery...) are never sent, so tap-vibes output loads into another company.
MDNs: E.164, or 10-digit US/CA numbers (also with the leading 1); spaces, dashes, dots
and parentheses are ignored; anything else is rejected before any request. A null
custom field or wallet token clears it in Vibes; an absent one is left alone; a null MDN
is treated as absent. Select custom fields may be given as tap-vibes' option objects.

Decision rules, per resource (details in each sink module):
- persons: ``match_on`` auto (external id, else MDN) | external_person_id (idempotent
  PUT) | mdn (POST: 201 new, 200 merged) | person_key (PUT; cannot create: 404 rejects).
  ``mode: update_only`` looks the person up first and skips missing ones ("unchanged").
- subscribers: a row is the state it asks for -- unsubscribed (``action``
  unsubscribe/opt_out/remove/delete, ``subscribed``/``active`` false, ``status``
  unsubscribed/opted_out, or an ``opt_out_date``) or subscribed. The latest row per person
  and list decides, checked against Vibes' history: an old opt-out never removes a newer
  subscription, an old opt-in never re-subscribes a later opt-out. Unsubscribing is a
  DELETE; subscribing someone not subscribed goes through the ``acquisition_id`` campaign
  (texts people: needs allow_messaging).
- participants: POST to the campaign; 200 (pending) and 409 (subscribed) are "unchanged".
- wallet_items: read, then PUT only what differs from Vibes; a changed notification needs
  allow_messaging.
- wallet_messages, broadcasts: one POST, never repeated after an ambiguous failure; only
  broadcasts without a broadcast_id that are still to be sent (status scheduled, date not
  in the past) and wallet messages without a wallet_message_id are created (with
  allow_messaging), so replaying tap-vibes output never re-sends old messages.
- events: POST with ``event_id`` (a hash of stream + record when absent); Vibes' "event_id
  already used" answer is "unchanged".

Outcomes. Every record is written, unchanged or rejected. Rejected records (mapping
failure, schema violation, Vibes 4xx, refused messaging, a create whose answer was lost)
go to ``dead_letter_path`` as JSON lines with stream, resource, record, status, Vibes'
errors, reason, attempts, replay_safe and timestamp. Replay after fixing the cause:
``target-vibes-replay --config config.json dead_letters.jsonl`` (``--include-unsafe``
also replays creates marked replay_safe false -- check Vibes first). More rejects than
``max_reject_ratio`` (default 10%) fail the run after the summary; a stream whose first 25
records are all rejected for one reason stops before sending the rest (early_stop.py).

Failure behaviour. 429s, 5xx and dropped connections are retried (``max_retries``, backoff
with jitter). When retries run out, or credentials are refused (401), the run stops with
an error naming the endpoint, the status and Vibes' message; no STATE is emitted after the
unfinished records, so rerunning from the last emitted STATE is safe (persons, unsubscribes,
wallet items and events are idempotent; broadcasts and wallet messages from that window
may need checking). STATE reaches stdout only after every record before it was written or
dead-lettered, and after each drained batch. Safety: ``allow_messaging`` false (default)
refuses events streams before any write, and rejects per record new participants,
broadcasts and wallet messages, the subscribe rows and changed wallet
notifications. ``dry_run`` reads only, prints the plan per stream and emits no STATE.
"""

from __future__ import annotations
