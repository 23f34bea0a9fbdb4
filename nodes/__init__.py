"""The built-in node library, registered through the `knotwork.nodes` entry point."""
