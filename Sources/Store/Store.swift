// Store module: see architecture.md.
