"""`/restores export` and `python -m bot export`: every restore job of a window as a CSV file, streamed."""
