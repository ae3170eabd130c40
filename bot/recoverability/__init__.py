"""`/restores resource` and `/restores coverage`: can this resource be restored, and which resources were restored."""
