"""What the ledgers (台账) show, read as it was: the roster with its history, attendance, 三会一课."""
