"""The `/restores` answers: the grammar of what users type, the buttons of a drill-down, the service listeners call,
and their rendering."""
