"""Commands registered on `voicecoach` (filled in by its issue)."""
