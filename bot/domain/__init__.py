"""Pure words and types every room shares: states, periods and filters, ids, regions, reasons, results, subscriptions,
access. Imports nothing that talks to AWS, Slack or a database."""
