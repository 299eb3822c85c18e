"""What a client can put in a frame, for the property tests: values msgpack carries."""

from __future__ import annotations

from hypothesis import strategies as st

WIRE_INTEGERS = st.integers(-(2**63), 2**64 - 1)
"""The integers msgpack carries: nothing larger can come from a client."""
