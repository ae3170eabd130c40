"""AWS Backup calls: clients per region, the query planner, ONE fan-out with deadlines, ONE NextToken loop, errors, cache."""
