// ZeroMQ module: see architecture.md.
