"""Briefs: composing, checking, citing and rendering a request's brief."""
