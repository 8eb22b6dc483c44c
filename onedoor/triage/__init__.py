"""Triage: risk screening, clocks, decisions and allocation."""
