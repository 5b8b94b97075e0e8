"""Shared test helpers: builders and checks used by tests in several folders."""
