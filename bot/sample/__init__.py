"""Sample data for `ask --sample`, the AWS Backup operations over it (backup_api), and the loopback emulator serving them."""
