# dlenv: Jupyter Server settings for a container environment. The token is read from a
# file that dlenv mounts read-only: it never appears in argv, the environment or the logs.
import os

c = get_config()  # noqa: F821

with open("/run/dlenv/secrets/jupyter_token", encoding="ascii") as token_file:
    _token = token_file.read().strip()
try:
    import jupyter_server
    _major = int(jupyter_server.__version__.split(".")[0])
except Exception:
    _major = 1
if _major >= 2:
    c.IdentityProvider.token = _token
else:
    c.ServerApp.token = _token
c.ServerApp.password = ""
c.ServerApp.ip = "0.0.0.0"
c.ServerApp.port = 8888
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
# Listening on all interfaces inside the container turns the Host-header check off unless
# it is set explicitly: keep rejecting non-local Host headers (DNS rebinding).
c.ServerApp.allow_remote_access = False
c.ServerApp.base_url = os.environ.get("DLENV_JUPYTER_BASE_URL", "/")
c.ServerApp.root_dir = os.environ.get("DLENV_WORKDIR", os.path.expanduser("~"))
# The container runs as the host user; that is root only when root ran dlenv.
c.ServerApp.allow_root = os.getuid() == 0
