#!/usr/bin/env python3
"""End-to-end test: a real Jupyter client against an environment that `dlenv up` started.

Usage: jupyter_kernel_test.py PATH/TO/dlenv

It brings up a throwaway project (isolated DLENV_HOME, DLENV_CACHE_HOME and port range), then, as
a Jupyter client would: checks that the REST API refuses requests without the token or with a
foreign Host header, starts a kernel, runs code over the kernel's websocket channels (messaging
protocol v5), initializes the debugger on the control channel, and deletes the kernel. The
container and the temp dir are removed at the end, pass or fail.

Python 3 from Debian, standard library plus python3-websocket (the websocket-client module).
Outside CI (CI unset or false) and with no container engine answering, it skips (exit 0);
with CI=true it fails instead. The last line is "N passed, M failed"; the exit status is 0 only
when nothing failed.
"""

import datetime
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import websocket  # python3-websocket (websocket-client)
except ImportError:
    # The python3 on PATH may be a pyenv/venv interpreter without Debian's dist-packages:
    # use Debian's own interpreter when it has the module.
    if (os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON)
            and not os.environ.get("DLENV_E2E_REEXEC")
            and subprocess.run([DEBIAN_PYTHON, "-c", "import websocket"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL).returncode == 0):
        os.environ["DLENV_E2E_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    websocket = None

UP_TIMEOUT_S = 600        # dlenv up: build (cached layers are quick) and wait for Jupyter
HTTP_TIMEOUT_S = 30       # one REST call
WS_CONNECT_TIMEOUT_S = 30
FIRST_EXECUTE_TIMEOUT_S = 120  # the kernel process may still be starting
EXECUTE_TIMEOUT_S = 60
DEBUG_TIMEOUT_S = 60
PORT_RANGE = "34000-34999"


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def log(text):
    print(text, flush=True)


# ---- results ---------------------------------------------------------------------------------

class Failed(Exception):
    pass


class Results:
    def __init__(self):
        self.passed = []
        self.failed = []
        self.skipped = []

    def run(self, name, body):
        """Runs one assertion group; a Failed or any other exception fails it. Returns its value."""
        start = time.monotonic()
        try:
            value = body()
        except Failed as e:
            self.failed.append(name)
            log(f"FAIL {name}: {e} ({time.monotonic() - start:.1f}s)")
            return None
        except Exception as e:  # noqa: BLE001 - an unexpected error fails the group, with its trace
            self.failed.append(name)
            log(f"FAIL {name}: unexpected {type(e).__name__}: {e} ({time.monotonic() - start:.1f}s)")
            traceback.print_exc(file=sys.stdout)
            return None
        self.passed.append(name)
        log(f"PASS {name} ({time.monotonic() - start:.1f}s)")
        return value

    def fail(self, name, why):
        self.failed.append(name)
        log(f"FAIL {name}: {why}")

    def skip(self, name, why):
        self.skipped.append(name)
        log(f"SKIP {name}: {why}")


def check(condition, message):
    if not condition:
        raise Failed(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise Failed(f"{what}: expected {expected!r}, got {actual!r}")


# ---- the engine ------------------------------------------------------------------------------

def engine_answers():
    """(True, version) when `docker version` reaches a server, else (False, why)."""
    try:
        proc = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                              capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return False, "the docker CLI is not installed"
    except subprocess.TimeoutExpired:
        return False, "`docker version` did not answer within 30s"
    if proc.returncode != 0 or not proc.stdout.strip():
        return False, (proc.stderr.strip() or "`docker version` failed").splitlines()[-1]
    return True, proc.stdout.strip()


def remove_containers(project_dir, known):
    """docker rm -f the container dlenv reported and any other it made for this project."""
    names = set(n for n in known if n)
    try:
        proc = subprocess.run(["docker", "ps", "-a", "--filter", f"label=dlenv.project={project_dir}",
                               "--format", "{{.Names}}"],
                              capture_output=True, text=True, timeout=60)
        names.update(line.strip() for line in proc.stdout.splitlines() if line.strip())
    except (OSError, subprocess.TimeoutExpired) as e:
        log(f"cleanup: could not list containers: {e}")
    for name in sorted(names):
        try:
            proc = subprocess.run(["docker", "rm", "-f", name], capture_output=True, text=True, timeout=120)
            if proc.returncode == 0:
                log(f"cleanup: removed container {name}")
            else:
                log(f"cleanup: docker rm -f {name} failed: {proc.stderr.strip()}")
        except (OSError, subprocess.TimeoutExpired) as e:
            log(f"cleanup: docker rm -f {name} failed: {e}")


# ---- REST ------------------------------------------------------------------------------------

# Talk to 127.0.0.1 directly, whatever http_proxy says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, token=None, host=None, body=None):
    """(status, parsed JSON body or raw text); HTTP errors are returned, not raised."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"token {token}"
    if host is not None:
        headers["Host"] = host
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=HTTP_TIMEOUT_S) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


# ---- the kernel channels (Jupyter messaging protocol v5) ---------------------------------------

def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


class KernelChannels:
    def __init__(self, ws_url, token):
        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(
            f"{ws_url}?session_id={self.session}",
            header=[f"Authorization: token {token}"],
            timeout=WS_CONNECT_TIMEOUT_S,
            http_no_proxy=["127.0.0.1", "localhost"])
        self.seen = []  # every message received, for failure messages

    def close(self):
        try:
            self.ws.close(timeout=5)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass

    def send(self, channel, msg_type, content):
        msg_id = uuid.uuid4().hex
        message = {
            "header": {"msg_id": msg_id, "username": "dlenv-test", "session": self.session,
                       "date": utc_now(), "msg_type": msg_type, "version": "5.3"},
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        self.ws.send(json.dumps(message))
        return msg_id

    @staticmethod
    def decode(frame):
        if isinstance(frame, str):
            return json.loads(frame)
        # Binary frames carry buffers: a count, that many offsets (big-endian uint32), then the
        # JSON message and the buffers at those offsets.
        count = struct.unpack("!I", frame[:4])[0]
        offsets = list(struct.unpack(f"!{count}I", frame[4:4 + 4 * count])) + [len(frame)]
        return json.loads(frame[offsets[0]:offsets[1]].decode())

    def collect(self, msg_id, reply_type, reply_channel, timeout_s):
        """Reads until both the reply to msg_id and iopub's status idle for it came (or the deadline).

        Returns (reply message, list of iopub messages for msg_id)."""
        deadline = time.monotonic() + timeout_s
        reply, iopub, idle = None, [], False
        while reply is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                got = [f"{m.get('channel')}:{m.get('header', {}).get('msg_type')}" for m in iopub]
                raise Failed(f"no {'reply' if reply is None else 'status idle'} for {reply_type.replace('_reply', '')}"
                             f" {msg_id} within {timeout_s}s (saw for it: {got or 'nothing'};"
                             f" {len(self.seen)} messages in all)")
            self.ws.settimeout(left)
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except websocket.WebSocketConnectionClosedException:
                raise Failed(f"the kernel websocket closed while waiting for {reply_type}")
            if not frame:
                continue
            message = self.decode(frame)
            self.seen.append(message)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            channel = message.get("channel")
            msg_type = message.get("header", {}).get("msg_type")
            if channel == reply_channel and msg_type == reply_type:
                reply = message
            elif channel == "iopub":
                iopub.append(message)
                if msg_type == "status" and message.get("content", {}).get("execution_state") == "idle":
                    idle = True
        return reply, iopub

    def execute(self, code, timeout_s=EXECUTE_TIMEOUT_S):
        """(execute_reply content, stdout text, stderr text, error contents)."""
        msg_id = self.send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        reply, iopub = self.collect(msg_id, "execute_reply", "shell", timeout_s)
        stdout = "".join(m["content"].get("text", "") for m in iopub
                         if m["header"]["msg_type"] == "stream" and m["content"].get("name") == "stdout")
        stderr = "".join(m["content"].get("text", "") for m in iopub
                         if m["header"]["msg_type"] == "stream" and m["content"].get("name") == "stderr")
        errors = [m["content"] for m in iopub if m["header"]["msg_type"] == "error"]
        return reply["content"], stdout, stderr, errors


def expect_output(channels, code, expected_stdout, timeout_s=EXECUTE_TIMEOUT_S):
    content, stdout, stderr, errors = channels.execute(code, timeout_s)
    check(content.get("status") == "ok",
          f"execute_reply status {content.get('status')!r} for {code!r}: "
          f"{content.get('ename')}: {content.get('evalue')} (stderr {stderr!r})")
    check(not errors, f"error output for {code!r}: {errors}")
    check_equal(stdout, expected_stdout, f"stdout of {code!r}")
    return content


# ---- the test --------------------------------------------------------------------------------

def parse_up_output(text):
    """dlenv up --json: one JSON object per environment (one per line, or an array)."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/dlenv", file=sys.stderr)
        return 2
    dlenv = os.path.abspath(argv[1])
    if not os.access(dlenv, os.X_OK):
        print(f"error: {dlenv} is not an executable dlenv binary", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    if websocket is None:
        print("error: the websocket-client module is missing: apt-get install python3-websocket "
              "(scripts/dev-setup.sh installs it)", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    answers, why = engine_answers()
    if not answers:
        if in_ci():
            print(f"error: no container engine answers ({why}), and CI is set: the e2e test cannot be skipped")
            print("0 passed, 1 failed")
            return 1
        print(f"skipped: no container engine answers ({why}); set CI=true to make this a failure")
        return 0
    log(f"engine: Docker {why}; dlenv: {dlenv}")

    # ctest's timeout and ^C end the run through the finally below, which cleans up.
    def on_signal(signum, _frame):
        raise SystemExit(f"interrupted by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    results = Results()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="dlenv-e2e-jupyter-")
    project = os.path.join(tmp, "proj")
    containers = []

    def run_tests():
        os.makedirs(project)
        with open(os.path.join(project, "dlenv.toml"), "w") as f:
            f.write('[envs.kernel]\nbase = "dlenv/debian:bookworm"\n')
        env = dict(os.environ, DLENV_HOME=os.path.join(tmp, "state"), DLENV_CACHE_HOME=os.path.join(tmp, "cache"),
                   DLENV_PORT_RANGE=PORT_RANGE)

        # 1. dlenv up --json: a URL with the token, and the container.
        def up():
            log(f"dlenv up --project {project} --json (up to {UP_TIMEOUT_S}s)")
            try:
                proc = subprocess.run([dlenv, "up", "--project", project, "--json"], env=env,
                                      capture_output=True, text=True, timeout=UP_TIMEOUT_S)
            except subprocess.TimeoutExpired as e:
                tail = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
                raise Failed(f"dlenv up did not finish within {UP_TIMEOUT_S}s; stderr tail:\n{tail[-3000:]}")
            if proc.returncode != 0:
                raise Failed(f"dlenv up exited {proc.returncode}; stderr tail:\n{proc.stderr[-3000:]}")
            try:
                envs = parse_up_output(proc.stdout)
            except ValueError as e:
                raise Failed(f"dlenv up --json printed no JSON ({e}): {proc.stdout[:1000]!r}")
            check_equal(len(envs), 1, "environments printed by dlenv up --json")
            info = envs[0]
            containers.append(info.get("container"))
            check_equal(info.get("name"), "kernel", "env name")
            check(info.get("container"), f"no container in {info}")
            check_equal(info.get("state"), "running", "env state")
            url = (info.get("jupyter") or {}).get("url")
            check(url, f"no jupyter.url in {info}")
            parsed = urllib.parse.urlsplit(url)
            token = urllib.parse.parse_qs(parsed.query).get("token", [""])[0]
            check_equal(parsed.scheme, "http", "URL scheme")
            check_equal(parsed.hostname, "127.0.0.1", "URL host (published on loopback only)")
            check(parsed.port and 34000 <= parsed.port <= 34999, f"port {parsed.port} outside {PORT_RANGE}")
            # The URL opens the notebook UI under the server's base URL (bookworm: nbclassic's /tree).
            check_equal(parsed.path, "/dlenv/kernel/tree", "the URL's path (base_url + the UI)")
            check(len(token) >= 32, f"token {token!r} is too short")
            return {"port": parsed.port, "base": "/dlenv/kernel/", "token": token, "container": info["container"]}

        server = results.run("up_json", up)
        if server is None:
            return
        base_url = f"http://127.0.0.1:{server['port']}{server['base']}"
        token = server["token"]
        log(f"server: {base_url} container {server['container']}")

        # 2. REST: the token is required, and a foreign Host header is refused.
        def rest_requires_token():
            status, body = http("GET", f"{base_url}api/kernels")
            check_equal(status, 403, f"GET api/kernels without the token ({body})")
            status, body = http("POST", f"{base_url}api/kernels", body={"name": "python3"})
            check_equal(status, 403, f"POST api/kernels without the token ({body})")
            status, body = http("POST", f"{base_url}api/kernels", token="0" * len(token), body={"name": "python3"})
            check_equal(status, 403, f"POST api/kernels with a wrong token ({body})")
            status, body = http("GET", f"{base_url}api/kernels", token=token)
            check_equal(status, 200, f"GET api/kernels with the token ({body})")
            check_equal(body, [], "kernels running before the test started one")

        def rest_refuses_foreign_host():
            status, body = http("POST", f"{base_url}api/kernels", token=token, host="evil.example",
                                body={"name": "python3"})
            check_equal(status, 403, f"POST api/kernels with Host: evil.example ({body})")
            status, body = http("GET", f"{base_url}api/kernels", token=token, host="evil.example")
            check_equal(status, 403, f"GET api/kernels with Host: evil.example ({body})")

        results.run("rest_requires_token", rest_requires_token)
        results.run("rest_refuses_foreign_host", rest_refuses_foreign_host)

        def start_kernel():
            status, body = http("POST", f"{base_url}api/kernels", token=token, body={"name": "python3"})
            check_equal(status, 201, f"POST api/kernels with the token ({body})")
            check(isinstance(body, dict) and body.get("id"), f"no kernel id in {body}")
            check_equal(body.get("name"), "python3", "kernel name")
            return body["id"]

        kernel_id = results.run("rest_start_kernel", start_kernel)
        if kernel_id is None:
            return
        kernel_url = f"{base_url}api/kernels/{kernel_id}"
        ws_url = f"ws://127.0.0.1:{server['port']}{server['base']}api/kernels/{kernel_id}/channels"

        # 3. The channels websocket: refused without the token; with it, code runs and state persists.
        def ws_requires_token():
            try:
                ws = websocket.create_connection(ws_url, timeout=WS_CONNECT_TIMEOUT_S,
                                                 http_no_proxy=["127.0.0.1", "localhost"])
            except websocket.WebSocketBadStatusException as e:
                check_equal(e.status_code, 403, "websocket handshake without the token")
                return
            ws.close()
            raise Failed("the channels websocket accepted a connection without the token")

        results.run("ws_requires_token", ws_requires_token)

        channels = None
        try:
            def connect():
                try:
                    return KernelChannels(ws_url, token)
                except websocket.WebSocketException as e:
                    raise Failed(f"websocket connect to {ws_url}: {e}")

            channels = results.run("ws_connect", connect)
            if channels is not None:
                results.run("execute_print_42",
                            lambda: expect_output(channels, "print(6*7)", "42\n", FIRST_EXECUTE_TIMEOUT_S))

                def state_persists():
                    expect_output(channels, "x = 5", "")
                    expect_output(channels, "print(x + 1)", "6\n")

                results.run("execute_state_persists", state_persists)

                # numpy is not part of the base image; when an image has it, use it (x is still 5).
                try:
                    _, probe, _, _ = channels.execute(
                        "import importlib.util\nprint(importlib.util.find_spec('numpy') is not None)")
                except Failed as e:
                    probe = f"probe failed: {e}"
                if probe == "True\n":
                    results.run("execute_numpy", lambda: expect_output(
                        channels, "import numpy as np\nprint(int(np.arange(x + 2).sum()))", "21\n"))
                else:
                    results.skip("execute_numpy", f"numpy is not installed in the environment ({probe.strip()})")

                def error_reported():
                    content, _, _, errors = channels.execute("1/0")
                    check_equal(content.get("status"), "error", "execute_reply status for 1/0")
                    check_equal(content.get("ename"), "ZeroDivisionError", "ename for 1/0")
                    check(any(e.get("ename") == "ZeroDivisionError" for e in errors),
                          f"no ZeroDivisionError on iopub: {errors}")

                results.run("execute_error_reported", error_reported)

                # 4. The debugger on the control channel (ipykernel >= 6 with debugpy).
                def debugger_initialize():
                    msg_id = channels.send("control", "debug_request", {
                        "type": "request", "seq": 1, "command": "initialize",
                        "arguments": {"clientID": "dlenv-test", "adapterID": "python", "pathFormat": "path",
                                      "linesStartAt1": True, "columnsStartAt1": True,
                                      "supportsVariableType": True}})
                    reply, _ = channels.collect(msg_id, "debug_reply", "control", DEBUG_TIMEOUT_S)
                    content = reply.get("content", {})
                    check(content.get("success") is True, f"debug_reply is not a success: {content}")
                    check_equal(content.get("command"), "initialize", "debug_reply command")
                    check_equal(content.get("type"), "response", "debug_reply type")

                results.run("debug_initialize", debugger_initialize)
        finally:
            if channels is not None:
                channels.close()

        # 5. Delete the kernel; it is gone afterwards.
        def delete_kernel():
            status, body = http("DELETE", kernel_url, token=token)
            check_equal(status, 204, f"DELETE api/kernels/{kernel_id} ({body})")
            status, body = http("GET", kernel_url, token=token)
            check_equal(status, 404, f"GET api/kernels/{kernel_id} after DELETE ({body})")
            status, body = http("GET", f"{base_url}api/kernels", token=token)
            check_equal(body, [], "kernels running after DELETE")

        results.run("rest_delete_kernel", delete_kernel)

    try:
        run_tests()
    except SystemExit as e:
        results.fail("run", str(e))
    except Exception as e:  # noqa: BLE001 - a harness error is a failure; cleanup still runs
        traceback.print_exc(file=sys.stdout)
        results.fail("run", f"unexpected {type(e).__name__}: {e}")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        remove_containers(project, containers)
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"cleanup: removed {tmp}")
    return finish(results, started)


def finish(results, started):
    log("")
    log(f"summary ({time.monotonic() - started:.0f}s):")
    for name in results.passed:
        log(f"  passed  {name}")
    for name in results.skipped:
        log(f"  skipped {name}")
    for name in results.failed:
        log(f"  FAILED  {name}")
    log(f"{len(results.passed)} passed, {len(results.failed)} failed")
    return 0 if not results.failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
