"""The organisation: account names, states and OUs read from AWS Organizations, for names and OU scopes."""
