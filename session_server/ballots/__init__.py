"""Secret ballots: encryption, proofs and the counting committee's threshold key."""
