"""Open HTML reports in headless Chromium and check what a reader would see.

Used by ``tests/test_browser.py``. Chromium is driven with the Chrome DevTools Protocol over
``--remote-debugging-pipe`` (JSON messages ending in a NUL byte on file descriptors 3 and 4), so nothing beyond the
standard library is needed: no websocket client, no Selenium or Playwright.

Why the protocol and not ``chromium --dump-dom --enable-logging=stderr``: tried first, with Chromium 150 its stderr
logs every console message at INFO whatever its level (``console.error`` and ``console.log`` look alike) and says
nothing at all about an image, script or stylesheet that failed to load. Through the protocol the page's own events
arrive typed: ``Runtime.exceptionThrown``, ``Runtime.consoleAPICalled`` with its level, ``Log.entryAdded`` (the
"Failed to load resource" lines a person sees in DevTools) and ``Network.loadingFailed``. The pipe also carries none
of Chromium's infrastructure noise (D-Bus, GPU, GCM messages go to stderr only), so no ignore list is needed for it.

Three checks, each reported as a list of problems a person can act on:

* :func:`page_errors`: uncaught exceptions, ``console.error``/``console.assert``, error-level log entries and failed
  loads, from the events Chromium sent while the page loaded.
* the browser's own view of every ``<img>``: decoded with a non-zero width, or named as broken.
* :func:`check_dom`: every ``<img>`` embedded (``data:``) or naming a file that exists, every relative ``<a href>``
  naming a file that exists, and no script or stylesheet fetched from the network (the reports must work offline).
  Pure Python on an HTML string, so it is unit-tested without Chromium.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# From the machine notes: as root Chromium needs --no-sandbox; on this closed network the background services
# (component updater, sync, GCM) are refused many times a second, so they are switched off.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
)


class ChromiumUnavailable(RuntimeError):
    """Chromium is not installed and could not be installed here; the message says why."""


def find_or_install_chromium(timeout: float = 600.0) -> Path:
    """Return the path of Debian's Chromium, installing the ``chromium`` package with apt-get when possible.

    ``apt-get update`` runs only if the first install fails (stale package lists), as a new machine or CI needs.

    Raises
    ------
    ChromiumUnavailable
        When Chromium is absent and this is not root, apt-get is missing, or the install fails or times out.
    """
    return _find_or_install(CHROMIUM, "chromium", timeout)


def find_or_install_chromedriver(timeout: float = 600.0) -> Path:
    """Return the path of Debian's ChromeDriver (package ``chromium-driver``, for Selenium), installing it if possible.

    Raises
    ------
    ChromiumUnavailable
        As :func:`find_or_install_chromium`.
    """
    return _find_or_install(CHROMEDRIVER, "chromium-driver", timeout)


def _find_or_install(binary: Path, package: str, timeout: float) -> Path:
    if binary.exists():
        return binary
    if os.geteuid() != 0:
        raise ChromiumUnavailable(f"{binary} not found and not root, so `apt-get install {package}` is not possible")
    apt = shutil.which("apt-get")
    if apt is None:
        raise ChromiumUnavailable(f"{binary} not found and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", package]
    log = []
    for cmd in (install, [apt, "update"], install):
        try:
            proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ChromiumUnavailable(f"`{' '.join(cmd)}` did not finish in {timeout:.0f} s") from None
        log.append(f"$ {' '.join(cmd)} -> exit {proc.returncode}: {proc.stderr.strip()[-600:]}")
        if cmd is install and proc.returncode == 0 and binary.exists():
            return binary
    raise ChromiumUnavailable(f"could not install Debian's {package} package:\n" + "\n".join(log))


def page_errors(events: list[dict]) -> list[str]:
    """Messages for the DevTools events that mean a reader's page went wrong.

    Parameters
    ----------
    events
        DevTools protocol events (``{"method": ..., "params": ...}``) received while the page loaded.

    Returns
    -------
    list of str
        One line per problem; empty when the page loaded cleanly. ``console.log``/``info``/``warn`` and
        cancelled requests are not problems.

    Examples
    --------
    >>> page_errors([
    ...     {"method": "Runtime.consoleAPICalled", "params": {"type": "log", "args": [{"value": "hello"}]}},
    ...     {"method": "Runtime.consoleAPICalled", "params": {"type": "error", "args": [{"value": "boom"}]}},
    ...     {"method": "Log.entryAdded", "params": {"entry": {"level": "error", "url": "file:///r/x.png",
    ...      "text": "Failed to load resource: net::ERR_FILE_NOT_FOUND"}}},
    ... ])
    ['console.error: boom', 'Failed to load resource: net::ERR_FILE_NOT_FOUND (file:///r/x.png)']
    """
    out = []
    for ev in events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            desc = d.get("exception", {}).get("description") or d.get("text", "exception")
            out.append(f"uncaught exception: {desc.splitlines()[0]} ({d.get('url', '')}:{d.get('lineNumber', '?')})")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            out.append(f"console.{p['type']}: {text[:300]}")
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            out.append(f"{e.get('text', '')[:300]} ({e.get('url', '')[:200]})")
        elif method == "Network.loadingFailed" and not p.get("canceled") and not any(
            # already reported by its Log.entryAdded twin ("Failed to load resource")
            ev2.get("params", {}).get("entry", {}).get("networkRequestId") == p.get("requestId") for ev2 in events
        ):
            out.append(f"{p.get('type', 'request')} failed to load: {p.get('errorText', '')}")
    return out


@dataclass
class PageResult:
    """What Chromium saw of one page."""

    url: str
    dom: str  # document.documentElement.outerHTML after scripts ran
    errors: list[str]  # from page_errors and a failed navigation
    broken_images: list[str]  # <img> the browser could not decode, by src (first 120 characters)
    images: int
    text_chars: int  # length of document.body.innerText: a blank page has almost none
    size: tuple[int, int]  # CSS width and height of the whole page
    events: list[dict] = field(default_factory=list, repr=False)


class Browser:
    """One headless Chromium process driven over ``--remote-debugging-pipe``; use as a context manager.

    Every protocol call waits at most ``timeout`` seconds, and closing kills the process group if Chromium does
    not exit by itself, so a hung browser fails the test instead of hanging it.
    """

    def __init__(self, chromium: Path = CHROMIUM, *, window: tuple[int, int] = (1280, 2000), timeout: float = 60.0):
        self.chromium = Path(chromium)
        self.window = window
        self.timeout = timeout

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="campaignlab-chromium-")
        self._stderr = tempfile.TemporaryFile()
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds():  # runs in the child before exec: Chromium reads commands on fd 3, answers on fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        cmd = [str(self.chromium), *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}",
               f"--window-size={self.window[0]},{self.window[1]}", "--remote-debugging-pipe", "about:blank"]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
                                      pass_fds=(3, 4), preexec_fn=wire_fds, start_new_session=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf, self._next_id = b"", 0
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._call("Browser.close", timeout=10)
        except Exception:  # already gone or hung: the kill below handles both
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)
        self._stderr.close()
        self._profile.cleanup()

    def stderr_tail(self, chars: int = 3000) -> str:
        """The end of Chromium's own log (start-up noise, crashes), for a failure message."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-chars:]

    # -- protocol -------------------------------------------------------------------------------------------
    def _read(self, deadline: float) -> dict | None:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                return None
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe (exit {self._proc.poll()}):\n{self.stderr_tail()}")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              events: list | None = None, timeout: float | None = None) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise TimeoutError(f"Chromium did not answer {method} in {timeout or self.timeout:.0f} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if events is not None and "method" in reply:
                events.append(reply)

    # -- pages ----------------------------------------------------------------------------------------------
    def open(self, page: Path, *, screenshot: Path | None = None, full_page: Path | None = None,
             settle: float = 1.0) -> PageResult:
        """Load ``page``, wait for it to settle, and check it; optionally save screenshots.

        Parameters
        ----------
        page
            An HTML file, opened as ``file://`` as an analyst opens it from disk.
        screenshot
            Where to save a PNG of the window (``window`` pixels from the top of the page).
        full_page
            Where to save a PNG of the whole page, top to bottom (capped at 16,000 CSS pixels).
        settle
            Seconds with no event from the page after its load event before it counts as loaded.
        """
        url = Path(page).resolve().as_uri()
        events: list[dict] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            for domain in ("Runtime", "Log", "Network", "Page"):
                self._call(f"{domain}.enable", session=s, events=events)
            w, h = self.window
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False}, session=s)
            nav = self._call("Page.navigate", {"url": url}, session=s, events=events)
            errors = [f"navigation failed: {nav['errorText']}"] if nav.get("errorText") else []
            deadline = time.monotonic() + self.timeout
            while not any(e.get("method") == "Page.loadEventFired" for e in events):
                ev = self._read(deadline)
                if ev is None:
                    raise TimeoutError(f"{url} fired no load event in {self.timeout:.0f} s")
                events.append(ev)
            while (ev := self._read(min(deadline, time.monotonic() + settle))) is not None:
                events.append(ev)
            # the browser's own verdict on each image; lazy images are made eager so all are judged
            probe = self._eval(s, events, """(async () => {
                const imgs = [...document.images];
                imgs.forEach(i => { i.loading = "eager"; });
                const broken = await Promise.all(imgs.map(i => i.decode().then(
                    () => i.naturalWidth > 0 ? null : i.src, () => i.src)));
                return {broken: broken.filter(b => b !== null).map(b => b.slice(0, 120)), images: imgs.length,
                        text: document.body ? document.body.innerText.length : 0,
                        dom: document.documentElement.outerHTML};
            })()""")
            metrics = self._call("Page.getLayoutMetrics", session=s)["cssContentSize"]
            size = (int(metrics["width"]), int(metrics["height"]))
            if screenshot is not None:
                self._capture(s, screenshot, {"x": 0, "y": 0, "width": w, "height": h, "scale": 1})
            if full_page is not None:
                clip = {"x": 0, "y": 0, "width": max(size[0], 1), "height": min(max(size[1], 1), 16000),
                        "scale": 1}
                self._capture(s, full_page, clip, beyond_viewport=True)
            return PageResult(url=url, dom=probe["dom"], errors=errors + page_errors(events),
                              broken_images=probe["broken"], images=probe["images"], text_chars=probe["text"],
                              size=size, events=events)
        finally:
            self._call("Target.closeTarget", {"targetId": target})

    def _eval(self, session: str, events: list, expression: str):
        res = self._call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                              "returnByValue": True}, session=session, events=events)
        if "exceptionDetails" in res:
            raise RuntimeError(f"check script failed: {res['exceptionDetails']}")
        return res["result"]["value"]

    def _capture(self, session: str, png: Path, clip: dict, beyond_viewport: bool = False) -> None:
        data = self._call("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                     "captureBeyondViewport": beyond_viewport}, session=session)
        png = Path(png)
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(data["data"]))


# -- the DOM check, pure Python -----------------------------------------------------------------------------
class _Refs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images: list[str | None] = []
        self.links: list[str] = []
        self.fetched: list[str] = []  # scripts and stylesheets the page loads

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src"))
        elif tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        elif tag == "script" and a.get("src"):  # nbconvert writes <script src=""> when MathJax/require are off
            self.fetched.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "").lower() and a.get("href"):
            self.fetched.append(a["href"])


@dataclass
class DomReport:
    """What :func:`check_dom` found: counts for a test to assert on, and one message per problem."""

    images: int
    embedded_images: int
    links: int
    local_links: list[str]
    problems: list[str]


def _local_target(ref: str, base: Path) -> Path | None:
    """The file a relative or ``file:`` reference names, or None for web, mail, data and in-page references."""
    parts = urlsplit(ref)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme or parts.netloc or not parts.path:  # http(s):, mailto:, data:, //host, "#anchor"
        return None
    return (base / unquote(parts.path)).resolve()


def check_dom(html: str, page: Path) -> DomReport:
    """Check that every image and every local link in ``html``, the DOM of the file ``page``, resolves.

    Web links in ``<a>`` are not fetched (a reader may follow them; the report does not need them). A script or
    stylesheet from the network is a problem, since the reports must render offline.

    Examples
    --------
    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "a.html").write_text("x")
    >>> r = check_dom('<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUg"><a href="a.html">a</a>'
    ...               '<a href="b.html">b</a><a href="#top">top</a><a href="https://example.org">web</a>',
    ...               d / "index.html")
    >>> (r.images, r.embedded_images, r.links, r.local_links), r.problems
    ((1, 1, 4, ['a.html', 'b.html']), ['link to a missing file: b.html'])
    """
    base = Path(page).resolve().parent
    refs = _Refs()
    refs.feed(html)
    problems, embedded, local = [], 0, []
    for src in refs.images:
        if not src:
            problems.append("image without a src")
        elif src.startswith("data:"):
            embedded += 1
            if not src.startswith("data:image/") or len(src.partition(",")[2]) < 16:
                problems.append(f"embedded image with no image data: {src[:60]}")
        else:
            target = _local_target(src, base)
            if target is None:
                problems.append(f"image loaded from the network (breaks offline): {src[:120]}")
            elif not target.is_file():
                problems.append(f"missing image file: {src}")
    for href in refs.links:
        target = _local_target(href, base)
        if target is not None:
            local.append(href)
            if not target.exists():
                problems.append(f"link to a missing file: {href}")
    for src in refs.fetched:
        target = _local_target(src, base)
        if target is None:
            problems.append(f"script or stylesheet loaded from the network (breaks offline): {src[:120]}")
        elif not target.is_file():
            problems.append(f"missing script or stylesheet file: {src}")
    return DomReport(images=len(refs.images), embedded_images=embedded, links=len(refs.links),
                     local_links=local, problems=problems)
