"""Tests of vibes_api, the shared async Vibes client."""
