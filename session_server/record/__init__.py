"""The congress's record: the log's hash chain, its signed checkpoints, and their verification."""
