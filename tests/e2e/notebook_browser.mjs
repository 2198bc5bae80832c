// Drives headless Chromium (puppeteer-core) through a notebook UI the way a user does: open the
// printed URL, make a new Python 3 notebook from the UI's own menu or launcher, type a cell,
// run it with Shift+Enter and wait for its output in the page; then an ipywidgets slider.
//
// usage: node notebook_browser.mjs URL UI EXPECTED SCREENSHOT_PREFIX
//   URL       the URL dlenv printed (it opens the UI; the token logs the browser in)
//   UI        "tree" (the classic notebook, nbclassic) or "lab" (JupyterLab)
//   EXPECTED  text the first cell's output must contain
// Writes SCREENSHOT_PREFIX-{ui,output,widget}.png. Prints "ok ..." / "FAIL ..." lines and
// exits 0 only when every step passed. PUPPETEER_CORE (a module path) and CHROMIUM (the
// browser binary) come from the environment.
import { pathToFileURL } from "node:url";

const [url, ui, expected, shots] = process.argv.slice(2);
if (!url || !["tree", "lab"].includes(ui) || !expected || !shots) {
  console.error("usage: node notebook_browser.mjs URL tree|lab EXPECTED SCREENSHOT_PREFIX");
  process.exit(2);
}
const { default: puppeteer } = await import(pathToFileURL(process.env.PUPPETEER_CORE).href);
const STEP_MS = 180_000;  // a kernel's first start in a fresh container can be slow on 2 cores
const CELL = "import torch, os; print(torch.__version__, os.environ[\"HF_HOME\"])";
const WIDGET = "import ipywidgets; ipywidgets.IntSlider(value=7, description=\"dlenv\")";

let failed = false;
const step = async (name, body) => {
  try {
    await body();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e.message.split("\n")[0]}`);
    throw e;
  }
};

// Types `code` where the cursor is and runs it with Shift+Enter, as a user does.
async function typeAndRun(page, code) {
  await page.keyboard.type(code);
  await page.keyboard.down("Shift");
  await page.keyboard.press("Enter");
  await page.keyboard.up("Shift");
}

// The text of every output area on the page.
const outputs = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.innerText).join("\n"));

async function classicNotebook(browser, page) {
  await step("the classic notebook's file list shows", () => page.waitForSelector("#notebook_list", { timeout: STEP_MS }));
  await page.screenshot({ path: `${shots}-ui.png` });
  let notebook;
  await step("New -> Python 3 opens a notebook", async () => {
    await page.click("#new-dropdown-button");
    // The menu lists the kernels once the server has sent their specs.
    await page.waitForSelector("#kernel-python3 a", { visible: true, timeout: STEP_MS });
    const opened = browser.waitForTarget((t) => t.url().includes("/notebooks/"), { timeout: STEP_MS });
    await page.click("#kernel-python3 a");
    notebook = await (await opened).page();
    await notebook.setViewport({ width: 1280, height: 900 });
    await notebook.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected?.(), { timeout: STEP_MS });
  });
  await step("a typed cell runs and its output shows", async () => {
    await notebook.click(".cell .CodeMirror");
    await typeAndRun(notebook, CELL);
    await notebook.waitForFunction((want) => [...document.querySelectorAll(".output_subarea")].some((e) => e.innerText.includes(want)),
                                   { timeout: STEP_MS }, expected);
  });
  console.log(`     output: ${(await outputs(notebook, ".output_subarea")).trim()}`);
  await notebook.screenshot({ path: `${shots}-output.png` });
  await step("an ipywidgets slider renders", async () => {
    await notebook.evaluate((code) => {
      const cell = Jupyter.notebook.insert_cell_at_bottom("code");
      cell.set_text(code);
      cell.execute();
    }, WIDGET);
    await notebook.waitForSelector(".widget-hslider, .widget-slider", { visible: true, timeout: STEP_MS });
    // The cell is done (its prompt no longer reads "In [*]"): anything it wrote has arrived.
    await notebook.waitForFunction(() => ![...document.querySelectorAll(".input_prompt")].some((p) => p.innerText.includes("*")),
                                   { timeout: STEP_MS });
    const text = await outputs(notebook, ".output_subarea");
    if (text.includes("not detected")) throw new Error(`the page says: ${text.trim()}`);
  });
  await notebook.screenshot({ path: `${shots}-widget.png` });
}

async function jupyterLab(page) {
  const card = '.jp-LauncherCard[data-category="Notebook"]';
  await step("JupyterLab's launcher shows", () => page.waitForSelector(card, { visible: true, timeout: STEP_MS }));
  await page.screenshot({ path: `${shots}-ui.png` });
  await step("the launcher's Python 3 card opens a notebook", async () => {
    await page.click(card);
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { visible: true, timeout: STEP_MS });
  });
  await step("a typed cell runs and its output shows", async () => {
    // Keys typed before the kernel is up and the editor has focus would go elsewhere.
    await page.waitForFunction(() => document.querySelector(".jp-StatusBar-Widget, .jp-StatusBar")?.innerText.includes("Idle"),
                               { timeout: STEP_MS });
    await page.click(".jp-Notebook .jp-Cell .cm-content");
    await page.waitForSelector(".jp-Notebook .jp-Cell .cm-editor.cm-focused", { timeout: STEP_MS });
    await typeAndRun(page, CELL);
    await page.waitForFunction((want) => [...document.querySelectorAll(".jp-OutputArea-output")].some((e) => e.innerText.includes(want)),
                               { timeout: STEP_MS }, expected);
  });
  console.log(`     output: ${(await outputs(page, ".jp-OutputArea-output")).trim()}`);
  await page.screenshot({ path: `${shots}-output.png` });
  await step("an ipywidgets slider renders", async () => {
    // Shift+Enter left the cursor in a new, empty cell below.
    await page.waitForFunction(() => document.querySelectorAll(".jp-Notebook .jp-Cell").length >= 2, { timeout: STEP_MS });
    await page.click(".jp-Notebook .jp-Cell:last-child .cm-content");
    await page.waitForSelector(".jp-Notebook .jp-Cell:last-child .cm-editor.cm-focused", { timeout: STEP_MS });
    await typeAndRun(page, WIDGET);
    await page.waitForSelector(".widget-hslider, .widget-slider", { visible: true, timeout: STEP_MS });
    const text = await outputs(page, ".jp-OutputArea-output");
    if (text.includes("not detected")) throw new Error(`the page says: ${text.trim()}`);
  });
  await page.screenshot({ path: `${shots}-widget.png` });
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // --no-sandbox: CI runs the tests as root, where Chromium's sandbox cannot start.
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await step("the printed URL loads", async () => {
    const response = await page.goto(url, { waitUntil: "domcontentloaded", timeout: STEP_MS });
    if (!response || response.status() !== 200) throw new Error(`status ${response?.status()}`);
  });
  if (ui === "lab") await jupyterLab(page);
  else await classicNotebook(browser, page);
} catch (e) {
  failed = true;
  const pages = await browser.pages();
  await pages[pages.length - 1].screenshot({ path: `${shots}-failed.png` }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
