"""What ``sigap bench-seed`` is made of: the Indonesian vocabulary of its tickets and the
bulk writer."""
