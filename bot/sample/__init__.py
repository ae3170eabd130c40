"""The bundled sample data set and the loopback AWS Backup emulator that serves it for `ask --sample`."""
