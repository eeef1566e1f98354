"""Dubbing: fitting clips to their slots, time-stretch, loudness, clip cache, voice choice."""
