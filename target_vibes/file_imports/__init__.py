"""Loading Vibes by import files (``load_via: files``; FACTS §4.3, docs/files.md)."""
