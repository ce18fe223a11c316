"""Sources of change records other than REST lists (the callback journal)."""
