"""The cells the browser test runs in JupyterLab and the console test runs in `jupyter console`."""
CELLS = [
    "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)",
    "unroll demo on [[1,1],[1,1],[2,2]]",
    "cell net = rnn(input=1, hidden=8, output=1)\n"
    "train net on sine(count=64, length=20, seed=1) epochs=10 batch=8",
    "plot loss net",
    "set demo.W_hh = [[1,2,3]]",
]
LONG_TRAIN = "train net on sine(count=20000, length=50, seed=2) epochs=50"
