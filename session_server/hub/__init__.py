"""The hub: rooms on this node, their screens, and each connection's life."""
