"""Paperless Congress session hub: one room's truth, broadcast live to every screen."""
