"""The Textual app: screens, widgets and the glue that keeps them current (no netlink)."""
