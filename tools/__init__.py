"""The project's own tooling: the locks' stamps."""
