// Plot module: see architecture.md.
