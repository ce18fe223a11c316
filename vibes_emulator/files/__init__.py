"""Vibes' batch integration files: daily extracts out, import files in (FACTS §4)."""
