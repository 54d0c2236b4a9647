"""The audit trail: who read custody data with parties, when and from where, in the Merkle log."""
