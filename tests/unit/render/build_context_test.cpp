#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "plan/build_plan.hpp"
#include "plan/run_plan.hpp"
#include "render/build_context.hpp"
#include "render/scripts.hpp"
#include "render/shared_build.hpp"
#include "scratch_dir.hpp"
#include "util/subprocess.hpp"

using namespace dlenv;
using dlenv::testing::expect_golden;

namespace {

plan::ImageLayer layer(plan::LayerKind kind) {
  plan::ImageLayer l;
  l.kind = kind;
  l.parent = kind == plan::LayerKind::system ? "dlenv/debian:bookworm" : "dlenv/system:0123456789abcdef";
  l.content_hash = "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";
  l.tag = std::string("dlenv/") + std::string(plan::to_string(kind)) + ":feedfacefeedface";
  return l;
}

const render::RenderedFile* file(const render::BuildContext& ctx, const std::string& path) {
  auto it = std::find_if(ctx.files.begin(), ctx.files.end(), [&](const auto& f) { return f.path == path; });
  return it == ctx.files.end() ? nullptr : &*it;
}

}  // namespace

TEST(RenderSystemLayer, DebianWithJupyterAndPackages) {
  auto l = layer(plan::LayerKind::system);
  l.apt = {"python3-numpy", "python3-torch"};
  auto ctx = render::render_layer(l).value();
  EXPECT_EQ(ctx.files.front().path, "Dockerfile");
  expect_golden("system-bookworm-jupyter.Dockerfile", ctx.dockerfile());
  ASSERT_NE(file(ctx, "dlenv-entrypoint"), nullptr);
  EXPECT_EQ(file(ctx, "dlenv-entrypoint")->mode, 0755u);
  ASSERT_NE(file(ctx, "jupyter_server_config.py"), nullptr);
}

// Golden files do not pin hashes: the label carries the layer's own, and FROM its parent.
TEST(RenderSystemLayer, TheLabelCarriesTheLayersContentHashAndFromItsParent) {
  auto l = layer(plan::LayerKind::user);
  l.content_hash = std::string(64, 'a');
  l.parent = "dlenv/system:bbbbbbbbbbbbbbbb";
  auto df = render::render_layer(l).value().dockerfile();
  EXPECT_NE(df.find("dlenv.content-hash=\"" + l.content_hash + "\""), std::string::npos) << df;
  EXPECT_NE(df.find("FROM dlenv/system:bbbbbbbbbbbbbbbb\n"), std::string::npos) << df;
}

TEST(RenderSystemLayer, WithoutJupyterHasNoJupyterConfig) {
  auto l = layer(plan::LayerKind::system);
  l.jupyter = false;
  auto ctx = render::render_layer(l).value();
  expect_golden("system-no-jupyter.Dockerfile", ctx.dockerfile());
  EXPECT_EQ(file(ctx, "jupyter_server_config.py"), nullptr);
  EXPECT_EQ(ctx.dockerfile().find("jupyter_server_config"), std::string::npos);
}

TEST(RenderProjectLayer, PipAndRequirements) {
  auto l = layer(plan::LayerKind::project);
  l.pip = {"rich==13.7.1", "torch>=2.3"};
  l.requirements_text = "numpy\n";
  auto ctx = render::render_layer(l).value();
  expect_golden("project-pip-requirements.Dockerfile", ctx.dockerfile());
  ASSERT_NE(file(ctx, "requirements.txt"), nullptr);
  EXPECT_EQ(file(ctx, "requirements.txt")->content, "numpy\n");
}

TEST(RenderFrameworkLayer, PipFromTheFrameworksIndex) {
  auto l = layer(plan::LayerKind::framework);
  l.pip = {"torch==2.3.1", "torchvision==0.18.1", "torchaudio==2.3.1"};
  l.index_urls = {"https://download.pytorch.org/whl/cu121"};
  auto ctx = render::render_layer(l).value();
  expect_golden("framework-torch-cu121.Dockerfile", ctx.dockerfile());
  ASSERT_NE(file(ctx, "dlenv-install-python"), nullptr);
}

TEST(RenderUserLayer, OrdinaryUser) {
  auto l = layer(plan::LayerKind::user);
  l.user = {1000, 1000, "ada", "/home/ada"};
  auto ctx = render::render_layer(l).value();
  expect_golden("user-1000.Dockerfile", ctx.dockerfile());
  EXPECT_NE(ctx.dockerfile().find("USER 1000:1000\n"), std::string::npos);
}

TEST(RenderScripts, ShellScriptsParse) {
  dlenv::testing::ScratchDir dir;
  for (const auto& [name, text] : {std::pair{"install-system", render::install_system_script()},
                                   {"install-python", render::install_python_script()},
                                   {"add-user", render::add_user_script()},
                                   {"entrypoint", render::entrypoint_script()}}) {
    auto path = dir.write(name, text);
    auto checked = run_process({"sh", "-n", path.string()});
    ASSERT_TRUE(checked);
    EXPECT_EQ(checked->exit_code, 0) << name << ": " << checked->err;
    EXPECT_TRUE(text.starts_with("#!/bin/sh\n")) << name;
  }
}

TEST(RenderScripts, JupyterConfigIsPython) {
  dlenv::testing::ScratchDir dir;
  auto path = dir.write("jupyter_server_config.py", render::jupyter_server_config());
  auto compiled = run_process({"python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", path.string()});
  ASSERT_TRUE(compiled);
  EXPECT_EQ(compiled->exit_code, 0) << compiled->err;
}

TEST(RenderScripts, JupyterTokenComesFromTheMountedFileOnly) {
  auto config = render::jupyter_server_config();
  EXPECT_NE(config.find("/run/dlenv/secrets/jupyter_token"), std::string::npos);
  EXPECT_NE(config.find("allow_remote_access = False"), std::string::npos);
  EXPECT_EQ(config.find("JUPYTER_TOKEN"), std::string::npos);
  EXPECT_EQ(render::entrypoint_script().find("token"), std::string::npos);
}

TEST(RenderScripts, NoSudoAnywhere) {
  auto l = layer(plan::LayerKind::user);
  l.user = {1000, 1000, "ada", "/home/ada"};
  auto ctx = render::render_layer(l).value();
  for (const auto& f : ctx.files) EXPECT_EQ(f.content.find("NOPASSWD"), std::string::npos) << f.path;
  EXPECT_NE(render::add_user_script().find("rm -f \"/etc/sudoers.d/$name\""), std::string::npos);
}

// The container paths and ports in sshd and Jupyter configs are plan's constants, filled in.
TEST(RenderSystemLayer, ConfigsUseDlenvsPathsAndPortsFromOnePlace) {
  auto ctx = render::render_layer(layer(plan::LayerKind::system)).value();
  const auto* sshd = file(ctx, "sshd_config");
  const auto* jupyter = file(ctx, "jupyter_server_config.py");
  ASSERT_TRUE(sshd && jupyter);
  EXPECT_NE(sshd->content.find("Port " + std::to_string(plan::kSshContainerPort) + "\n"), std::string::npos);
  EXPECT_NE(sshd->content.find(std::string("HostKey ") + plan::kSecretsMountPoint + "/" + plan::kSshHostKeyFile + "\n"),
            std::string::npos);
  EXPECT_NE(jupyter->content.find("_app.port = " + std::to_string(plan::kJupyterContainerPort) + "\n"), std::string::npos);
  EXPECT_NE(jupyter->content.find(std::string(plan::kSecretsMountPoint) + "/" + plan::kJupyterTokenFile), std::string::npos);
  for (const auto& f : ctx.files) EXPECT_EQ(f.content.find("@SECRETS@"), std::string::npos) << f.path;
}

// Quotes in a requirement's marker stay inside their word: a shell reading the RUN line gets
// the requirements back unchanged; a newline is refused before it reaches the Dockerfile.
TEST(RenderProjectLayer, QuotesInRequirementsStayInTheirWordAndNewlinesAreRefused) {
  auto l = layer(plan::LayerKind::project);
  l.pip = {"numpy; python_version < \"3.12\"", "torch; platform_machine != 'aarch64'"};
  auto df = render::render_layer(l).value().dockerfile();
  const std::string prefix = "RUN sh /usr/local/lib/dlenv/install-python ";
  auto at = df.find(prefix);
  ASSERT_NE(at, std::string::npos) << df;
  std::string words = df.substr(at + prefix.size(), df.find('\n', at) - at - prefix.size());
  auto shell = run_process({"sh", "-c", "eval \"set -- $1\"; printf '%s\\n' \"$@\"", "sh", words});
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->out, l.pip[0] + "\n" + l.pip[1] + "\n");
  l.pip.push_back("numpy\nRUN touch /pwned");
  EXPECT_FALSE(render::render_layer(l));
}

// The teammate's build: every layer a stage of one Dockerfile, FROM the base, then each stage
// FROM the one before; each layer's files under its stage's folder, copied from there.
TEST(RenderSharedBuild, EveryLayerIsAStageFromTheOneBefore) {
  auto system = layer(plan::LayerKind::system);
  system.apt = {"python3-numpy"};
  system.jupyter_ui = spec::JupyterUi::notebook;
  auto project = layer(plan::LayerKind::project);
  project.pip = {"rich==13.7.1"};
  auto user = layer(plan::LayerKind::user);
  user.user = {1000, 1000, "ada", "/home/ada"};
  auto ctx = render::render_shared_build({system, project, user}).value();
  EXPECT_EQ(ctx.files.front().path, "Dockerfile");
  expect_golden("shared-build-bookworm.Dockerfile", ctx.dockerfile());
  const auto& df = ctx.dockerfile();
  EXPECT_EQ(df.find("dlenv/system:"), std::string::npos) << "no local tag is named: " << df;
  for (const auto& f : ctx.files) {
    if (f.path == "Dockerfile") continue;
    const auto slash = f.path.find('/');
    ASSERT_NE(slash, std::string::npos) << f.path;
    EXPECT_NE(df.find("COPY " + f.path + " "), std::string::npos) << f.path << " is copied from its stage's folder";
  }
  ASSERT_NE(file(ctx, "system/dlenv-entrypoint"), nullptr);
  EXPECT_EQ(file(ctx, "system/dlenv-entrypoint")->mode, 0755u);
  ASSERT_NE(file(ctx, "user/dlenv-add-user"), nullptr);
}

// The Jupyter config, run by Python with a stand-in for traitlets' config and files, for each
// front end and Jupyter Server major: the token reaches the app that checks it (never an empty
// one: that would turn authentication off), the right app listens with the Host check on, and
// nbclassic's extension (also named NotebookApp) gets no settings.
namespace {

constexpr const char* kConfigHarness = R"PY(
import builtins, io, json, sys, types
config_path, ui, major, token = sys.argv[1:5]
class Section(dict):
    def __getattr__(self, name):
        return self.setdefault(name, Section())
    def __setattr__(self, name, value):
        self[name] = value
files = {"/etc/dlenv/jupyter-ui": ui}
if token != "<missing>":
    files["/run/dlenv/secrets/jupyter_token"] = token + "\n"
real_open = builtins.open
def fake_open(path, *args, **kwargs):
    if path in files:
        return io.StringIO(files[path])
    if str(path).startswith(("/etc/dlenv", "/run/dlenv")):
        raise FileNotFoundError(path)
    return real_open(path, *args, **kwargs)
sys.modules["jupyter_server"] = types.SimpleNamespace(__version__=major + ".1.0")
c = Section()
exec(compile(real_open(config_path).read(), config_path, "exec"),
     {"get_config": lambda: c, "open": fake_open, "__name__": "config"})
print(json.dumps(c, default=str))
)PY";

nlohmann::json run_config(const std::string& ui, int major, const std::string& token) {
  dlenv::testing::ScratchDir dir;
  auto config = dir.write("jupyter_server_config.py", render::jupyter_server_config());
  auto harness = dir.write("harness.py", kConfigHarness);
  SubprocessOptions options;
  options.extra_env = {"DLENV_JUPYTER_BASE_URL=/dlenv/demo/", "DLENV_WORKDIR=/workspace"};
  auto ran = run_process({"python3", harness.string(), config.string(), ui, std::to_string(major), token}, options);
  EXPECT_TRUE(ran && ran->exit_code == 0) << (ran ? ran->err : ran.error().describe());
  return ran && ran->exit_code == 0 ? nlohmann::json::parse(ran->out) : nlohmann::json::object();
}

// The token the running app checks, or null when none is set (the app then makes a random one).
nlohmann::json checked_token(const nlohmann::json& c, const std::string& ui, int major) {
  if (ui == "notebook") return c["NotebookApp"].value("token", nlohmann::json());
  if (major >= 2) return c.contains("IdentityProvider") ? c["IdentityProvider"].value("token", nlohmann::json()) : nlohmann::json();
  return c["ServerApp"].value("token", nlohmann::json());
}

}  // namespace

TEST(RenderScripts, TheJupyterConfigSetsUpEachFrontEnd) {
  for (const std::string ui : {"lab", "nbclassic", "notebook", "server"}) {
    for (int major : {1, 2}) {
      const std::string app = ui == "notebook" ? "NotebookApp" : "ServerApp";
      auto c = run_config(ui, major, "s3cret");
      SCOPED_TRACE(ui + " on jupyter_server " + std::to_string(major) + ": " + c.dump());
      EXPECT_EQ(checked_token(c, ui, major), "s3cret");
      EXPECT_EQ(c[app]["ip"], "0.0.0.0");
      EXPECT_EQ(c[app]["allow_remote_access"], false);
      EXPECT_EQ(c[app]["password"], "");
      EXPECT_EQ(c[app]["base_url"], "/dlenv/demo/");
      EXPECT_EQ(c[app][ui == "notebook" ? "notebook_dir" : "root_dir"], "/workspace");
      if (ui != "notebook") {
        EXPECT_FALSE(c.contains("NotebookApp")) << "nbclassic's extension app must get no settings";
      }
      if (ui == "lab") {
        EXPECT_EQ(c["ServerApp"]["jpserver_extensions"], nlohmann::json({{"jupyterlab", true}}));
        EXPECT_EQ(c["ServerApp"]["default_url"], "/lab");
      }
      if (ui == "nbclassic") {
        EXPECT_EQ(c["ServerApp"]["jpserver_extensions"], nlohmann::json({{"nbclassic", true}}));
        EXPECT_EQ(c["ServerApp"]["default_url"], "/tree");
      }
      for (const char* token : {"<missing>", ""}) {
        auto without = run_config(ui, major, token);
        EXPECT_TRUE(checked_token(without, ui, major).is_null()) << "token file '" << token << "': " << without.dump();
      }
    }
  }
}
