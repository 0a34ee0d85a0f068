"""Persistence: the store contract's embedded SQLite implementation and the content-addressed files."""
