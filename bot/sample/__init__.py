"""Sample data for `ask --sample`, the AWS Backup operations over it (backup_api, assembled from the api_* modules),
and the loopback emulator serving them."""
