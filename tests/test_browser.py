"""JupyterLab in headless Chromium drives the rnn kernel end to end (issue 7).

Skipped, with the reason, only when Chromium, chromedriver or Selenium are missing (`make browser-deps`
installs them). The screenshot of the executed notebook goes to artifacts/browser_notebook.png.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

import nbformat
import pytest

from browser_cells import CELLS, LONG_TRAIN

# Cell 0 is completed at its end, cell 1 shows the pager, cell 2 is looked at for highlighting.
# The widgets: a slider over t (issue 23).
WIDGET_CELLS = [CELLS[0], "unroll demo on [[1,1],[1,1],[2,2]] interactive=true"]
EDITING_CELLS = ["sa", "help train", "# a comment\ncell m = lstm(input=1, hidden=2, seed=7)\nprint \"text\" 1.5"]

selenium = pytest.importorskip("selenium", reason="selenium is not installed: run `make browser-deps`")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
if not (CHROMIUM and DRIVER):
    pytest.skip("Chromium or chromium-driver is not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "artifacts")



def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server on 127.0.0.1 with a token, serving a fresh folder holding the notebook."""
    workdir = tempfile.mkdtemp(prefix="rnn-browser-")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rnn", "display_name": "RNN", "language": "rnn"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS + [LONG_TRAIN, "1 + 1"]]
    nbformat.write(nb, os.path.join(workdir, "browser_notebook.ipynb"))
    # The editing features: completion, the help pager, highlighting.
    nb2 = nbformat.v4.new_notebook()
    nb2.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nb2.cells = [nbformat.v4.new_code_cell(src) for src in EDITING_CELLS]
    nbformat.write(nb2, os.path.join(workdir, "editing.ipynb"))
    nb3 = nbformat.v4.new_notebook()
    nb3.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nb3.cells = [nbformat.v4.new_code_cell(src) for src in WIDGET_CELLS]
    nbformat.write(nb3, os.path.join(workdir, "widgets.ipynb"))
    port, token = free_port(), uuid.uuid4().hex
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    args = [jupyter, "lab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
            f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
            "--ServerApp.root_dir=" + workdir,
            # Workspaces (open tabs) are kept per user by default: a test must not restore another run's.
            "--LabApp.workspaces_dir=" + os.path.join(workdir, ".workspaces")]
    if os.getuid() == 0:
        args.append("--allow-root")
    log = open(os.path.join(workdir, "lab.log"), "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        assert proc.poll() is None, open(os.path.join(workdir, "lab.log")).read()
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.time() > deadline:
                raise AssertionError("JupyterLab did not answer in 90 s")
            time.sleep(0.5)
    yield base, token, workdir
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,2400"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    yield d
    d.quit()


def js_app(d, script):
    """Runs JavaScript with `app` bound to the JupyterLab application."""
    return d.execute_script("const app = window.jupyterapp; " + script)


def kernel_status(d):
    return js_app(d, "const w = app.shell.currentWidget;"
                     "return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
                     " ? w.sessionContext.session.kernel.status : null;")


def wait_status(d, wanted, timeout=90):
    WebDriverWait(d, timeout).until(lambda d: kernel_status(d) in wanted,
                                    f"kernel never reached {wanted}")


def output_area(d, index):
    return d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[index].find_element(
        By.CSS_SELECTOR, ".jp-Cell-outputWrapper")


def run_cell(d, index, timeout=120):
    """Selects cell `index` and runs it through the notebook's command; waits for its execution count."""
    js_app(d, f"const nb = app.shell.currentWidget.content; nb.activeCellIndex = {index};")
    js_app(d, "app.commands.execute('notebook:run-cell');")
    prompt = f".jp-Notebook .jp-Cell:nth-child({index + 1}) .jp-InputArea-prompt"
    WebDriverWait(d, timeout).until(
        lambda d: any(ch.isdigit() for ch in d.find_element(By.CSS_SELECTOR, prompt).text),
        f"cell {index} never finished")


def open_notebook(lab, d, name):
    """Opens `name` in a fresh workspace (?reset: no tab restored from an earlier test or run) and
    waits for its cells and an idle kernel."""
    base, token, _ = lab
    d.get(f"{base}/lab/tree/{name}?reset&token={token}")
    WebDriverWait(d, 120).until(lambda d: d.execute_script("return !!window.jupyterapp"))
    WebDriverWait(d, 120).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
    wait_status(d, {"idle"})


def test_notebook_end_to_end(lab, driver):
    d = driver
    open_notebook(lab, d, "browser_notebook.ipynb")

    # Launcher entry and language mode come from the kernelspec the Makefile installed.
    lang = js_app(d, "return app.shell.currentWidget.sessionContext.kernelDisplayName;")
    assert lang and "No Kernel" not in lang

    for i in range(len(CELLS)):
        run_cell(d, i)
    wait_status(d, {"idle"})

    # unroll: an HTML table with the hidden states
    unroll = output_area(d, 1)
    table = unroll.find_element(By.CSS_SELECTOR, "table")
    assert "h_t" in table.text
    assert "16" in table.text and "32" in table.text

    # train: one progress line, replaced in place, not one line per update
    train_text = output_area(d, 2).text
    assert train_text.strip(), "train printed nothing"
    epoch_lines = [ln for ln in train_text.splitlines() if "epoch" in ln.lower()]
    assert len(epoch_lines) == 1, train_text

    # plot loss: an SVG chart
    # (only inside rendered outputs: the cell's own toolbar icons are SVGs too)
    plot = output_area(d, 3)
    assert not plot.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='stderr']"), plot.text
    assert "Error" not in plot.text, plot.text
    # JupyterLab shows image/svg+xml as an <img> with a data URI; a decoded width proves the SVG parsed.
    imgs = plot.find_elements(By.CSS_SELECTOR, ".jp-RenderedSVG[data-mime-type='image/svg+xml'] img")
    assert imgs, plot.get_attribute("innerHTML")[:500]
    WebDriverWait(d, 10).until(lambda d: d.execute_script("return arguments[0].naturalWidth", imgs[0]) > 0,
                               "the SVG chart did not decode")
    src = urllib.parse.unquote(imgs[0].get_attribute("src"))
    assert "<svg" in src and ("<path" in src or "<polyline" in src), src[:300]

    # the error with its caret
    err = output_area(d, 4).text
    assert "ShapeError" in err and "^" in err
    wait_status(d, {"idle"})

    os.makedirs(ARTIFACTS, exist_ok=True)
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_notebook.png"))

    # A long train, stopped with the toolbar's stop button.
    js_app(d, "const nb = app.shell.currentWidget.content; nb.activeCellIndex = 5;")
    js_app(d, "app.commands.execute('notebook:run-cell');")
    wait_status(d, {"busy"}, timeout=30)
    # Stop it once steps are being taken, so there are completed steps to keep.
    WebDriverWait(d, 60).until(lambda d: "step" in output_area(d, 5).text, "the long train showed no progress")
    stop = d.find_element(By.CSS_SELECTOR, "[data-command='notebook:interrupt-kernel']")
    stop.click()
    wait_status(d, {"idle"}, timeout=60)
    prompt = ".jp-Notebook .jp-Cell:nth-child(6) .jp-InputArea-prompt"
    WebDriverWait(d, 30).until(lambda d: any(ch.isdigit() for ch in d.find_element(By.CSS_SELECTOR, prompt).text))
    interrupted = output_area(d, 5).text
    assert "interrupt" in interrupted.lower(), interrupted
    kept = re.search(r"stopped after step (\d+) of", interrupted)
    assert kept and int(kept.group(1)) >= 1, interrupted

    # Restart from the Kernel menu; the session answers afterwards.
    d.find_element(By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//div[text()='Kernel']]").click()
    WebDriverWait(d, 10).until(EC.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[starts-with(text(),'Restart Kernel')]]"))).click()
    WebDriverWait(d, 10).until(EC.element_to_be_clickable(
        (By.XPATH, "//div[contains(@class,'jp-Dialog')]//button[.//div[text()='Restart']]"))).click()
    wait_status(d, {"idle"}, timeout=60)
    run_cell(d, 6)
    assert "2" in output_area(d, 6).text
    # The restart cleared the session: `demo` is gone, which reports an error rather than a crash.
    run_cell(d, 1)
    assert "demo" in output_area(d, 1).text
    wait_status(d, {"idle"})
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_notebook_after_restart.png"))


def test_launcher_logo_completion_pager_and_highlighting(lab, driver):
    d = driver
    open_notebook(lab, d, "editing.ipynb")
    os.makedirs(ARTIFACTS, exist_ok=True)
    WebDriverWait(d, 30).until(lambda d: js_app(d, "return app.shell.currentWidget.context.path;") == "editing.ipynb")
    panel = js_app(d, "return app.shell.currentWidget.node;")

    def cells():
        return panel.find_elements(By.CSS_SELECTOR, ".jp-Cell")

    # Highlighting: the kernel's language_info picks CodeMirror's Python mode ('#' comments, strings,
    # numbers), so the editor splits cell 2 into styled tokens rather than plain text.
    mime = js_app(d, "return app.shell.currentWidget.content.widgets[2].model.mimeType;")
    assert mime == "text/x-python", mime
    cell2 = cells()[2]
    WebDriverWait(d, 20).until(lambda d: cell2.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line span"),
                               "cell 2 was not highlighted")
    token_classes = {s.get_attribute("class") for s in cell2.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line span")}
    assert len(token_classes) >= 2, token_classes  # at least a comment style and a string/number style

    # Completion: Tab at the end of "sa" asks the kernel, and the popup lists the statements.
    # As a student does it: click into the cell, go to the end of the line, press Tab.
    js_app(d, "const nb = app.shell.currentWidget.content; nb.activeCellIndex = 0; nb.scrollToItem(0);")
    editor0 = cells()[0].find_element(By.CSS_SELECTOR, ".cm-content")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", editor0)
    WebDriverWait(d, 10).until(EC.element_to_be_clickable(editor0)).click()
    WebDriverWait(d, 10).until(lambda d: js_app(d, "return app.shell.currentWidget.content.activeCellIndex;") == 0)
    ActionChains(d).send_keys(Keys.END).send_keys(Keys.TAB).perform()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Completer .jp-Completer-item"),
                               "no completion popup")
    # Each item shows its type's initial, the match and the type the kernel gave (keyword here).
    items = [e.text.split("\n") for e in d.find_elements(By.CSS_SELECTOR, ".jp-Completer .jp-Completer-item")]
    for word in ("sample", "save"):
        assert any(word in parts and "keyword" in parts for parts in items), items
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_completion.png"))
    ActionChains(d).send_keys(Keys.ENTER).perform()
    WebDriverWait(d, 10).until(lambda d: js_app(d, "return app.shell.currentWidget.content.widgets[0].model.sharedModel.getSource();")
                               in ("sample", "save"))

    # The pager: `help train` arrives as a page payload, which JupyterLab shows under the cell.
    js_app(d, "app.shell.currentWidget.content.mode = 'command';")
    run_cell(d, 1)
    page = cells()[1].find_element(By.CSS_SELECTOR, ".jp-Cell-outputWrapper").text
    assert "train NAME on DATA" in page and "DivergedError" in page, page
    wait_status(d, {"idle"})
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_editing.png"))

    # The launcher shows the kernel with its logo, served from the kernelspec and decoded.
    name = js_app(d, "return app.shell.currentWidget.sessionContext.kernelDisplayName;")
    js_app(d, "app.commands.execute('launcher:create');")
    card_xpath = f"//div[contains(@class,'jp-LauncherCard')][.//p[text()='{name}']]"
    WebDriverWait(d, 30).until(EC.presence_of_element_located((By.XPATH, card_xpath)))
    cards = d.find_elements(By.XPATH, card_xpath)
    logos = [img for c in cards for img in c.find_elements(By.CSS_SELECTOR, "img")]
    assert logos, [c.get_attribute("innerHTML")[:300] for c in cards]
    for img in logos:
        assert "/kernelspecs/rnn/logo" in img.get_attribute("src"), img.get_attribute("src")
        WebDriverWait(d, 20).until(lambda d: d.execute_script("return arguments[0].naturalWidth", img) > 0,
                                   "the kernel logo did not load")
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_launcher.png"))


def widget_step_text(d):
    """The text of the unroll widget's output area (the step table), or '' before it renders."""
    areas = d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .widget-output")
    return areas[0].text if areas else ""


def test_widget_slider_through_time_and_reload(lab, driver):
    d = driver
    open_notebook(lab, d, "widgets.ipynb")
    for i in range(len(WIDGET_CELLS)):
        run_cell(d, i)
    wait_status(d, {"idle"})
    # jupyterlab_widgets renders the models the kernel opened: a play button, the slider, the output area.
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .noUi-handle"),
                               "the slider never rendered: " + output_area(d, 1).text)
    assert d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .widget-play button")
    os.makedirs(ARTIFACTS, exist_ok=True)
    try:
        WebDriverWait(d, 30).until(lambda d: "[0, 0]" in widget_step_text(d))
    except Exception:
        d.save_screenshot(os.path.join(ARTIFACTS, "browser_widget_failed.png"))
        raise AssertionError("step 1 was not shown: " + output_area(d, 1).get_attribute("innerHTML")[:3000])
    first = widget_step_text(d)
    assert "[16, 16]" not in first, first
    readout = d.find_element(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .widget-readout")
    assert readout.text.strip() == "1"

    # The play button steps t through the link (in the front end); each step the kernel redraws.
    d.find_element(By.CSS_SELECTOR, ".jp-Notebook .widget-play button").click()
    WebDriverWait(d, 30).until(lambda d: readout.text.strip() == "3", "play did not step the slider to 3")
    WebDriverWait(d, 30).until(lambda d: "[16, 16]" in widget_step_text(d), "the table did not follow the play button")
    # At its max the Play widget pauses at its next tick (800 ms); a drag before that would be played on.
    WebDriverWait(d, 10).until(lambda d: not js_app(d, "return document.querySelector('.jp-Notebook .widget-play button')"
                                                          ".classList.contains('mod-active');"), "play did not stop at t = 3")
    time.sleep(1)

    # Drag the handle to the start: t = 1 again.
    handle = d.find_element(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .noUi-handle")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    track = d.find_element(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .noUi-target").size["width"]
    ActionChains(d).click_and_hold(handle).move_by_offset(-track - 5, 0).release().perform()
    WebDriverWait(d, 30).until(lambda d: readout.text.strip() == "1", "the slider did not move back to 1")
    WebDriverWait(d, 30).until(lambda d: "[16, 16]" not in widget_step_text(d) and "[0, 0]" in widget_step_text(d))

    # Drag the handle to the right end: t = 3, and the table shows step 3's numbers.
    ActionChains(d).click_and_hold(handle).move_by_offset(track + 5, 0).release().perform()
    WebDriverWait(d, 30).until(lambda d: readout.text.strip() == "3", "the slider did not move to 3")
    WebDriverWait(d, 30).until(lambda d: "[16, 16]" in widget_step_text(d), "the table did not redraw for t = 3")
    step3 = widget_step_text(d)
    assert "[2, 2]" in step3 and "[6, 6]" in step3 and "[32, 32]" in step3, step3
    assert "[0, 0]" not in step3, step3
    svg = d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .widget-output img, .jp-Notebook .widget-output svg")
    assert svg, "no heatmap in the widget's output area"
    os.makedirs(ARTIFACTS, exist_ok=True)
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_widget.png"))

    # Save, reload the page: the widget comes back from the kernel (jupyter.widget.control) at t = 3.
    js_app(d, "return app.commands.execute('docmanager:save');")
    WebDriverWait(d, 30).until(lambda d: not js_app(d, "return app.shell.currentWidget.context.model.dirty;"))
    # The saved file holds no widget state (JupyterLab's default): what comes back comes from the kernel.
    saved = nbformat.read(os.path.join(lab[2], "widgets.ipynb"), as_version=4)
    assert "widgets" not in saved.metadata, saved.metadata
    assert saved.cells[1].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    d.refresh()
    WebDriverWait(d, 120).until(lambda d: d.execute_script("return !!window.jupyterapp"))
    WebDriverWait(d, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .noUi-handle"),
                                "the slider did not come back after a reload")
    WebDriverWait(d, 30).until(lambda d: "[16, 16]" in widget_step_text(d), "the output area did not come back")
    readout = d.find_element(By.CSS_SELECTOR, ".jp-Notebook .widget-slider .widget-readout")
    assert readout.text.strip() == "3"
    d.save_screenshot(os.path.join(ARTIFACTS, "browser_widget_reloaded.png"))
    # They came in one update_states on the control comm (the kernel's stderr is in the server's log),
    # not model by model after the front end's 4 s wait for it.
    log = open(os.path.join(lab[2], "lab.log")).read()
    # (The first open asked too, when there were none: only a count above 0 is the reload's.)
    assert re.search(r"jupyter\.widget\.control: sent the state of [1-9]\d* widget models", log), log[-2000:]
