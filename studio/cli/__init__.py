"""The `knotwork` command line. Never imports Qt (only `knotwork studio` loads the GUI lazily)."""
