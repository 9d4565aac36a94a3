// RNNLang module: see architecture.md.
