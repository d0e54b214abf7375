"""Simulated model organisms: an Inspect model provider (`organism/<profile>`) with known, planted behaviour,
used as ground truth in end-to-end tests and as the no-API-key default of the demo."""
