"""The pure room core: state, commands, events, decide, evolve, projections. No I/O, no clock."""
