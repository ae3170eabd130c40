"""The daily digest: what it says (data), how it is posted exactly once (run, ledger) and when (clock)."""
