"""The App Home tab: what it shows a user (service) and its blocks (render)."""
