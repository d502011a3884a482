"""Files on disk: atomic writes and the workspace's folder layout. May import: core."""
