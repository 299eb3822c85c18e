"""The wire: msgpack messages, and the registry of error and close codes."""
