"""ReturnDesk's business rules: pure, typed, no I/O."""
