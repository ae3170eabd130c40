"""AWS Backup calls: clients per region, query planning, NextToken loops, concurrency, retries, error mapping."""
