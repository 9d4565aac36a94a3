"""The browser notebook's cells through `jupyter console`: the same statements show their ASCII forms."""
from browser_cells import CELLS
from test_console import close, run, spawn_console


def test_notebook_cells_in_console_show_ascii_forms():
    child = spawn_console()
    try:
        # The console sends one line per input; the train cell's two statements go one by one.
        outs = [run(child, line) for cell in CELLS for line in cell.split("\n")]
        define, unroll, net, train, plot, error = outs
        assert "12 parameters" in define
        assert "+---" in unroll and "h_t" in unroll and "[32, 32]" in unroll
        assert "97 parameters" in net  # 8 + 64 + 8 + 8 (b_xh, b_hh) + 9
        assert "epoch" in train and "run 1" in train
        assert "+-----" in plot and "*" in plot and "step" in plot
        assert "ShapeError" in error and "^" in error
        assert "2" in run(child, "1 + 1")
    finally:
        close(child)
