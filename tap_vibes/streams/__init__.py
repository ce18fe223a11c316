"""tap-vibes streams, one module per Vibes domain; shared behaviour lives in ``base``."""
