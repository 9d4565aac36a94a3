"""Jupyter-side support for the rnn kernel: the `rnn` Pygments lexer and the papermill translator."""
__version__ = "0.1.0"
