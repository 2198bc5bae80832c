// `dlenv up` against the real engine: Jupyter with a token, loopback ports, idempotence,
// secrets kept out of sight, down/up/rm, exec, and errors that create nothing.
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

const char* kDemo = R"(
[envs.demo]
base = "dlenv/debian:bookworm"
apt = ["python3-numpy"]
[envs.demo.env]
MY_VAR = "42"
)";

std::string api_status(const json& env) {
  std::string url = env["jupyter"]["url"];
  return jupyter_base(url) + "api/status";
}

std::string token_of(const json& env) {
  std::string url = env["jupyter"]["url"];
  return url.substr(url.find("token=") + 6);
}

class UpTest : public DlenvTest {};

TEST_F(UpTest, JupyterAnswersWithTheTokenAndRefusesWithout) {
  write_project(kDemo);
  auto envs = up();
  ASSERT_EQ(envs.size(), 1u);
  const auto& e = envs[0];
  EXPECT_EQ(e["name"], "demo");
  EXPECT_EQ(e["project"], project.string());
  EXPECT_EQ(e["state"], "running");
  EXPECT_EQ(e["user"]["uid"], ::getuid());
  int port = e["ports"]["jupyter"];
  EXPECT_GE(port, 31000);
  EXPECT_LE(port, 31999);
  std::string token = token_of(e);
  EXPECT_GE(token.size(), 48u);  // at least 24 random bytes, hex
  EXPECT_EQ(http_status(api_status(e), {"Authorization: token " + token}), 200);
  EXPECT_EQ(http_status(api_status(e)), 403);
  EXPECT_EQ(http_status(api_status(e), {"Authorization: token wrong"}), 403);
  EXPECT_EQ(http_status(api_status(e), {"Authorization: token " + token, "Host: evil.example.com"}), 403);
}

TEST_F(UpTest, UpAgainChangesNothing) {
  write_project(kDemo);
  auto first = up();
  auto second = up();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0]["container_id"], second[0]["container_id"]);
  EXPECT_EQ(first[0]["jupyter"]["url"], second[0]["jupyter"]["url"]);
  auto r = dlenv({"url", "demo", "--project", project.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(first[0]["jupyter"]["url"]) + "\n");
}

TEST_F(UpTest, TokenStaysOutOfInspectProcessesLabelsAndLogs) {
  write_project(kDemo);
  auto e = up().at(0);
  std::string token = token_of(e);
  auto inspect = sh({"docker", "inspect", e["container"]});
  ASSERT_EQ(inspect.code, 0);
  EXPECT_EQ(inspect.out.find(token), std::string::npos) << "token in docker inspect";
  auto image = sh({"docker", "image", "inspect", e["image"]});
  EXPECT_EQ(image.out.find(token), std::string::npos) << "token in the image";
  auto ps = sh({"ps", "-eo", "args"});
  EXPECT_EQ(ps.out.find(token), std::string::npos) << "token in a process's argv";
  auto top = sh({"docker", "top", e["container"], "-eo", "args"});
  EXPECT_EQ(top.out.find(token), std::string::npos) << "token in the container's argv";
  auto env = sh({"docker", "exec", e["container"], "cat", "/proc/1/environ"});
  EXPECT_EQ(env.out.find(token), std::string::npos);
  auto logs = dlenv({"logs", "demo", "--project", project.string()});
  EXPECT_EQ(logs.code, 0) << logs.err;
  // Jupyter logs to stderr; dlenv logs merges it into stdout (a pipe sees it), --split does not.
  EXPECT_NE(logs.out.find("Jupyter Server"), std::string::npos) << logs.out << logs.err;
  auto split = dlenv({"logs", "--split", "demo", "--project", project.string()});
  EXPECT_NE(split.err.find("Jupyter Server"), std::string::npos) << split.err;
  EXPECT_EQ(split.out.find("Jupyter Server"), std::string::npos) << split.out;
  EXPECT_EQ((logs.out + logs.err).find(token), std::string::npos) << "token in dlenv logs";
  auto raw_logs = sh({"docker", "logs", e["container"]});
  EXPECT_EQ((raw_logs.out + raw_logs.err).find(token), std::string::npos) << "token in docker logs";
  // The file it comes from is the user's alone.
  fs::path token_file = home / "secrets" / std::string(e["container"]) / "jupyter_token";
  struct stat st {};
  ASSERT_EQ(::stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(token_file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(UpTest, PortsArePublishedOnLoopbackOnly) {
  write_project(kDemo);
  auto e = up().at(0);
  auto bindings = sh({"docker", "inspect", "-f", "{{json .HostConfig.PortBindings}}", e["container"]});
  auto parsed = json::parse(bindings.out);
  ASSERT_FALSE(parsed.empty());
  for (auto& [port, list] : parsed.items())
    for (auto& b : list) EXPECT_EQ(b["HostIp"], "127.0.0.1") << port;
  // From a non-loopback address of this machine the port is closed.
  auto addrs = sh({"hostname", "-I"});
  std::stringstream ss(addrs.out);
  std::string addr;
  int checked = 0;
  while (ss >> addr) {
    if (addr.find(':') != std::string::npos) continue;
    int port = e["ports"]["jupyter"];
    auto r = sh({"curl", "-s", "-o", "/dev/null", "--max-time", "3", "http://" + addr + ":" + std::to_string(port) + "/"});
    EXPECT_NE(r.code, 0) << "reachable on " << addr;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(UpTest, ContainerRunsAsTheUserWithTheSettingsOfTheProjectFile) {
  write_project(kDemo);
  auto e = up().at(0);
  auto info = json::parse(sh({"docker", "inspect", e["container"]}).out).at(0);
  EXPECT_EQ(info["Config"]["User"], std::to_string(::getuid()) + ":" + std::to_string(::getgid()));
  EXPECT_EQ(info["HostConfig"]["ShmSize"], int64_t{2} * 1024 * 1024 * 1024);
  auto secopt = info["HostConfig"]["SecurityOpt"].dump();
  EXPECT_NE(secopt.find("no-new-privileges"), std::string::npos);
  auto r = dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c", "echo $MY_VAR $PIP_CACHE_DIR $HF_HOME $TORCH_HOME; pwd"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "42 /dlenv/cache/pip /dlenv/cache/huggingface /dlenv/cache/torch\n/workspace\n");
  auto numpy = dlenv({"exec", "demo", "--project", project.string(), "--", "python3", "-c", "import numpy; print('ok')"});
  EXPECT_EQ(numpy.out, "ok\n") << numpy.err;
  auto shm = dlenv({"exec", "demo", "--project", project.string(), "--", "df", "-B1", "--output=size", "/dev/shm"});
  EXPECT_NE(shm.out.find("2147483648"), std::string::npos) << shm.out;
}

TEST_F(UpTest, ExecPassesTheExitCodeThrough) {
  write_project(kDemo);
  up();
  EXPECT_EQ(dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c", "exit 7"}).code, 7);
  EXPECT_EQ(dlenv({"exec", "demo", "--project", project.string(), "--", "true"}).code, 0);
  auto out = dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c", "echo out; echo err >&2"});
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.err, "err\n");
}

// A team server reboots, Jupyter gets killed: the engine brings environments back by itself
// (restart policy), and a dead Jupyter comes back without taking sshd or the container along;
// `docker stop` still ends it cleanly (TERM, not the KILL after the timeout).
TEST_F(UpTest, ADeadJupyterComesBackAloneAndTheContainerHasARestartPolicy) {
  write_project(kDemo);
  auto e = up().at(0);
  const std::string container = e["container"];
  auto policy = sh({"docker", "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", container});
  EXPECT_EQ(policy.out, "unless-stopped\n") << policy.err;

  auto killed = sh({"docker", "exec", container, "python3", "-c", R"PY(
import os, signal
mine = [p for p in os.listdir("/proc") if p.isdigit() and b"-m\0jupyter_server\0" in open(f"/proc/{p}/cmdline", "rb").read()]
for p in mine: os.kill(int(p), signal.SIGKILL)
print(len(mine)))PY"});
  ASSERT_EQ(killed.out, "1\n") << killed.err;
  const int ssh_port = e["ports"]["ssh"];
  // sshd still greets (its banner; keys need an ordinary user: SshTest).
  auto greeting = sh({"ssh-keyscan", "-p", std::to_string(ssh_port), "127.0.0.1"});
  EXPECT_NE((greeting.out + greeting.err).find("SSH-2.0-OpenSSH"), std::string::npos) << "sshd went down with Jupyter";
  int status = 0;
  for (int i = 0; i < 60 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    status = http_status(api_status(e), {"Authorization: token " + token_of(e)});
  }
  EXPECT_EQ(status, 200) << "Jupyter did not come back";
  EXPECT_EQ(ls().at(0)["container_id"], e["container_id"]);

  ASSERT_EQ(sh({"docker", "stop", "-t", "30", container}).code, 0);
  auto exit_code = sh({"docker", "inspect", "-f", "{{.State.ExitCode}}", container});
  EXPECT_NE(exit_code.out, "137\n") << "stopped by KILL, not by TERM";
}

TEST_F(UpTest, DownThenUpKeepsThePorts) {
  write_project(kDemo);
  auto first = up().at(0);
  auto down = dlenv({"down", "demo", "--project", project.string()});
  ASSERT_EQ(down.code, 0) << down.err;
  auto listed = ls();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["state"], "stopped");
  EXPECT_EQ(listed[0]["ports"], first["ports"]);
  // What needs it running says so, with the way back.
  for (const char* command : {"url", "ssh"}) {
    auto stopped = dlenv({command, "demo", "--project", project.string()});
    EXPECT_EQ(stopped.code, 8) << command << ": " << stopped.err;  // conflict
    EXPECT_NE(stopped.err.find("is not running"), std::string::npos) << stopped.err;
    EXPECT_NE(stopped.err.find("dlenv up demo"), std::string::npos) << stopped.err;
  }
  auto second = up().at(0);
  EXPECT_EQ(second["ports"], first["ports"]);
  EXPECT_EQ(second["jupyter"]["url"], first["jupyter"]["url"]);
  EXPECT_EQ(http_status(api_status(second), {"Authorization: token " + token_of(second)}), 200);
}

// A changed dlenv.toml does not silently end running kernels: without a terminal to ask on,
// `up` refuses, names what changed and leaves the container running; --recreate replaces it.
TEST_F(UpTest, ReCreatingARunningEnvironmentNeedsRecreate) {
  write_project(kDemo);
  auto first = up().at(0);
  write_project(std::string(kDemo) + "ADDED = \"yes\"\n");  // into kDemo's last table, [envs.demo.env]
  auto refused = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(refused.code, 8) << refused.err;  // conflict
  EXPECT_NE(refused.err.find("'demo' is running and the container's settings"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("ends its running kernels"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("dlenv up --recreate demo"), std::string::npos) << refused.err;
  auto kept = ls().at(0);
  EXPECT_EQ(kept["container_id"], first["container_id"]);
  EXPECT_EQ(kept["state"], "running");
  auto replaced = dlenv({"up", "--recreate", "--json", "--project", project.string()});
  ASSERT_EQ(replaced.code, 0) << replaced.err;
  auto second = json::parse(replaced.out);
  EXPECT_NE(second["container_id"], first["container_id"]);
  EXPECT_EQ(second["ports"], first["ports"]);
  auto added = dlenv({"exec", "demo", "--project", project.string(), "--", "printenv", "ADDED"});
  EXPECT_EQ(added.out, "yes\n") << added.err;
}

TEST_F(UpTest, RmLeavesNoContainerButKeepsProjectFilesAndCaches) {
  write_project(kDemo);
  auto e = up().at(0);
  auto w = dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c", "echo kept > /workspace/notes.txt; echo c > /dlenv/cache/pip/marker"});
  ASSERT_EQ(w.code, 0) << w.err;
  auto r = dlenv({"rm", "demo", "--project", project.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(sh({"docker", "inspect", e["container"]}).code, 0);
  EXPECT_TRUE(ls().empty());
  EXPECT_EQ(read_text(project / "notes.txt"), "kept\n");
  EXPECT_EQ(read_text(cache / "pip" / "marker"), "c\n");
  EXPECT_EQ(dlenv({"url", "demo", "--project", project.string()}).code, 7);  // not_found
}

// The home outlives the container: what an editor or `pip install --user` puts in ~ is there
// after rm + up (a new container), `ls` says where and how big, and rm --purge removes it.
TEST_F(UpTest, TheHomeSurvivesRmAndUpAndGoesWithPurge) {
  write_project(kDemo);
  auto first = up().at(0);
  auto w = dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c",
                  "mkdir -p ~/.vscode-server && head -c 100000 /dev/zero > ~/.vscode-server/blob && echo hi > ~/kept"});
  ASSERT_EQ(w.code, 0) << w.err;
  auto listed = ls().at(0);
  ASSERT_TRUE(listed["home"].is_object()) << listed.dump();
  const fs::path kept_home = listed["home"]["path"].get<std::string>();
  EXPECT_EQ(kept_home.parent_path(), home / "homes");
  EXPECT_GE(listed["home"]["bytes"].get<int64_t>(), 100000);
  auto table = dlenv({"ls"});
  EXPECT_NE(table.out.find("HOME"), std::string::npos) << table.out;

  ASSERT_EQ(dlenv({"rm", "demo", "--project", project.string()}).code, 0);
  auto second = up().at(0);
  EXPECT_NE(second["container_id"], first["container_id"]);
  auto r = dlenv({"exec", "demo", "--project", project.string(), "--", "sh", "-c", "cat ~/kept; wc -c < ~/.vscode-server/blob"});
  EXPECT_EQ(r.out, "hi\n100000\n") << r.err;

  ASSERT_EQ(dlenv({"rm", "--purge", "demo", "--project", project.string()}).code, 0);
  EXPECT_FALSE(fs::exists(kept_home));
}

TEST_F(UpTest, LsRebuildsTheSameViewAfterTheDatabaseIsDeleted) {
  write_project(R"(
[envs.one]
base = "dlenv/debian:bookworm"
[envs.two]
base = "dlenv/debian:bookworm"
jupyter = false
)");
  up();
  ASSERT_EQ(dlenv({"down", "two", "--project", project.string()}).code, 0);
  auto before = ls();
  ASSERT_EQ(before.size(), 2u);
  for (const char* f : {"state.db", "state.db-wal", "state.db-shm"}) fs::remove(home / f);
  auto after = ls();
  EXPECT_EQ(after, before);
  // The rebuilt store keeps the ports: the next up does not move them.
  auto again = up({"one"});
  EXPECT_EQ(again.at(0)["ports"], before[0]["ports"]);
}

TEST_F(UpTest, AnInvalidProjectFileCreatesNothing) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\nshm_size = \"lots\"\n");
  auto r = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find((project / "dlenv.toml").string() + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
  EXPECT_TRUE(ls().empty());
  EXPECT_FALSE(fs::exists(home / "secrets"));
}

TEST_F(UpTest, AMissingBaseImageSaysHowToMakeIt) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:nosuchsuite\"\n");
  auto r = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_NE(r.err.find("dlenv base bootstrap debian:nosuchsuite"), std::string::npos) << r.err;
}

TEST_F(UpTest, NoEngineNamesTheSocketAndWhatToDo) {
  auto r = dlenv({"ls"}, {"DOCKER_HOST=unix://" + (root / "missing.sock").string()});
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_NE(r.err.find((root / "missing.sock").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
}

TEST_F(UpTest, ProjectsWithTheSameInputsShareImagesAndRequirementsRebuildOnlyTheirLayers) {
  fs::path other = root / "other";
  const char* toml = "[envs.demo]\nbase = \"dlenv/debian:bookworm\"\napt = [\"python3-numpy\"]\nrequirements = \"requirements.txt\"\n";
  write_text(project / "requirements.txt", "# nothing yet\n");
  write_text(other / "requirements.txt", "# nothing yet\n");
  write_project(toml);
  write_project(toml, other);
  auto a = up({}, project).at(0);
  auto r = dlenv({"up", "--project", other.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("building"), std::string::npos) << "the second project rebuilt a layer:\n" << r.err;
  // Content no earlier run used, so its layers cannot be cached already.
  write_text(other / "requirements.txt", "# changed in run " + std::to_string(::getpid()) + "\n");
  r = dlenv({"up", "--recreate", "--project", other.string(), "--json"});  // it is running: a new image re-creates it
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("system layer"), std::string::npos);
  EXPECT_NE(r.err.find("(cached)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("building project layer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("building user layer"), std::string::npos) << r.err;
  EXPECT_NE(json::parse(r.out)["image"], a["image"]);
}

}  // namespace
}  // namespace dlenv::itest
