"""ReturnDesk's background work: the outbox relay and the jobs it hands to arq."""
