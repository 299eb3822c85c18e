"""Opinions on the drafts: the roll-up for the drafting committee, its exports, its HTTP."""
