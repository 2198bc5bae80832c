#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "scratch_dir.hpp"
#include "plan/env_plan.hpp"

using namespace dlenv;
using dlenv::testing::sample_host;
using dlenv::testing::sample_project;

namespace {

const char* kBaseId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

plan::EnvPlan make(const spec::ProjectSpec& p, const host::HostFacts& h = sample_host(), const std::string& base_id = kBaseId) {
  auto r = plan::make_env_plan(p, p.envs.front(), h, plan::inputs_for_base(p.envs.front(), base_id));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return *r;
}

std::vector<std::string> tags(const plan::EnvPlan& p) {
  std::vector<std::string> out;
  for (const auto& l : p.build.layers) out.push_back(l.tag);
  return out;
}

bool has_env(const plan::RunPlan& run, const std::string& kv) {
  return std::find(run.env.begin(), run.env.end(), kv) != run.env.end();
}


}  // namespace

TEST(EnvPlan, LayersGoFromSystemToUserAndChainParents) {
  auto p = make(sample_project());
  ASSERT_EQ(p.build.layers.size(), 2u);  // no pip, no requirements: no project layer
  EXPECT_EQ(p.build.layers[0].kind, plan::LayerKind::system);
  EXPECT_EQ(p.build.layers[0].parent, "dlenv/debian:bookworm");
  EXPECT_EQ(p.build.layers[1].kind, plan::LayerKind::user);
  EXPECT_EQ(p.build.layers[1].parent, p.build.layers[0].tag);
  EXPECT_EQ(p.run.image, p.build.layers.back().tag);
  EXPECT_TRUE(p.build.layers[0].tag.starts_with("dlenv/system:"));
  EXPECT_EQ(p.build.layers[0].tag.size(), std::string("dlenv/system:").size() + 16);
}

TEST(EnvPlan, TwoProjectsWithTheSameInputsShareEveryLayer) {
  auto a = make(sample_project("/srv/a"));
  auto b = make(sample_project("/srv/b"));
  EXPECT_EQ(tags(a), tags(b));
  EXPECT_NE(a.run.container_name, b.run.container_name);
}

TEST(EnvPlan, DifferentPipListsShareOnlyTheSystemLayer) {
  auto pa = sample_project("/srv/a");
  pa.envs[0].pip = {"rich==13.7.1"};
  auto pb = sample_project("/srv/b");
  pb.envs[0].pip = {"tqdm"};
  auto a = make(pa), b = make(pb);
  ASSERT_EQ(a.build.layers.size(), 3u);
  EXPECT_EQ(a.build.layers[0].tag, b.build.layers[0].tag);
  EXPECT_NE(a.build.layers[1].tag, b.build.layers[1].tag);
  EXPECT_NE(a.build.layers[2].tag, b.build.layers[2].tag);
}

TEST(EnvPlan, ChangingRequirementsRebuildsOnlyWhatFollows) {
  dlenv::testing::ScratchDir dir;
  auto p = sample_project();
  p.envs[0].requirements = dir.write("first.txt", "numpy\n");
  auto a = make(p);
  p.envs[0].requirements = dir.write("second.txt", "numpy\nscipy\n");
  auto b = make(p);
  ASSERT_EQ(a.build.layers.size(), 3u);
  EXPECT_EQ(a.build.layers[0].tag, b.build.layers[0].tag);
  EXPECT_NE(a.build.layers[1].tag, b.build.layers[1].tag);
  EXPECT_NE(a.build.layers[2].tag, b.build.layers[2].tag);
  EXPECT_EQ(*b.build.layers[1].requirements_text, "numpy\nscipy\n");
}

TEST(EnvPlan, MissingRequirementsFileIsAnError) {
  auto p = sample_project();
  p.envs[0].requirements = "/nonexistent/requirements.txt";
  auto r = plan::make_env_plan(p, p.envs[0], sample_host(), plan::inputs_for_base(p.envs[0], kBaseId));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(EnvPlan, AptOrderAndDuplicatesDoNotChangeTheSystemLayer) {
  auto pa = sample_project();
  pa.envs[0].apt = {"b", "a", "a"};
  auto pb = sample_project();
  pb.envs[0].apt = {"a", "b"};
  EXPECT_EQ(make(pa).build.layers[0].tag, make(pb).build.layers[0].tag);
  pb.envs[0].apt = {"a", "b", "c"};
  EXPECT_NE(make(pa).build.layers[0].tag, make(pb).build.layers[0].tag);
}

TEST(EnvPlan, ARebuiltBaseChangesEveryTag) {
  auto p = sample_project();
  auto a = make(p, sample_host(), kBaseId);
  auto b = make(p, sample_host(), "sha256:2222");
  for (size_t i = 0; i < a.build.layers.size(); ++i) EXPECT_NE(a.build.layers[i].tag, b.build.layers[i].tag);
}

TEST(EnvPlan, AnotherUserSharesAllButTheUserLayer) {
  auto p = sample_project();
  auto a = make(p, sample_host(1000, 1000, "ada"));
  auto b = make(p, sample_host(1001, 1001, "bob"));
  EXPECT_EQ(a.build.layers[0].tag, b.build.layers[0].tag);
  EXPECT_NE(a.build.layers[1].tag, b.build.layers[1].tag);
  EXPECT_EQ(b.build.layers[1].user.home, "/home/bob");
  EXPECT_NE(a.run.container_name, b.run.container_name);
}

TEST(EnvPlan, RootKeepsRootsHome) {
  auto p = make(sample_project(), sample_host(0, 0, "root"));
  EXPECT_EQ(p.build.layers.back().user.home, "/root");
  EXPECT_EQ(p.run.user, "0:0");
}

TEST(EnvPlan, RunsAsTheUserWithoutNewPrivileges) {
  auto p = make(sample_project());
  EXPECT_EQ(p.run.user, "1000:1000");
  EXPECT_EQ(p.run.security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_TRUE(has_env(p.run, "HOME=/home/ada"));
  EXPECT_TRUE(has_env(p.run, "USER=ada"));
}

TEST(EnvPlan, DropsEveryCapabilityAndLimitsProcesses) {
  auto p = make(sample_project());
  EXPECT_EQ(p.run.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(p.run.pids_limit, spec::kDefaultPidsLimit);
  EXPECT_EQ(p.run.memory, 0);     // no `memory` key: no limit
  EXPECT_EQ(p.run.nano_cpus, 0);  // no `cpus` key: no limit
  // Root gets no capability either.
  EXPECT_EQ(make(sample_project(), sample_host(0, 0, "root")).run.cap_drop, std::vector<std::string>{"ALL"});
}

TEST(EnvPlan, MemoryCpusAndPidsLimitsComeFromTheSpecAndChangeTheSpecHash) {
  auto proj = sample_project();
  auto a = make(proj);
  proj.envs[0].memory = int64_t{16} * 1024 * 1024 * 1024;
  proj.envs[0].cpus = 2.5;
  proj.envs[0].pids_limit = 8192;
  auto b = make(proj);
  EXPECT_EQ(b.run.memory, int64_t{16} * 1024 * 1024 * 1024);
  EXPECT_EQ(b.run.nano_cpus, int64_t{2'500'000'000});
  EXPECT_EQ(b.run.pids_limit, 8192);
  EXPECT_NE(a.spec_hash, b.spec_hash);
  EXPECT_EQ(tags(a), tags(b));  // limits do not rebuild images
  proj.envs[0].cpus = 0.1;
  EXPECT_EQ(make(proj).run.nano_cpus, int64_t{100'000'000});
}

TEST(EnvPlan, EachUserHasAnIsolatedNetwork) {
  auto a = make(sample_project("/srv/a"), sample_host(1000, 1000, "ada"));
  auto a2 = make(sample_project("/srv/b"), sample_host(1000, 1000, "ada"));
  auto b = make(sample_project("/srv/a"), sample_host(1001, 1001, "bob"));
  EXPECT_EQ(a.run.network.name, "dlenv-u1000");
  EXPECT_EQ(a2.run.network.name, a.run.network.name);  // one network for all of a user's environments
  EXPECT_EQ(b.run.network.name, "dlenv-u1001");
  EXPECT_FALSE(a.run.network.inter_container);
  EXPECT_EQ(a.run.network.labels.at(plan::label::managed), "1");
  EXPECT_EQ(a.run.network.labels.at(plan::label::owner), "1000");
  EXPECT_EQ(plan::user_network(0).name, "dlenv-u0");
}

TEST(EnvPlan, PublishesJupyterAndSshOnLoopbackOnly) {
  auto p = make(sample_project());
  ASSERT_EQ(p.run.ports.size(), 2u);
  EXPECT_EQ(p.run.ports[0].service, "jupyter");
  EXPECT_EQ(p.run.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(p.run.ports[0].container_port, 8888);
  EXPECT_EQ(p.run.ports[1].service, "ssh");
  EXPECT_EQ(p.run.ports[1].host_ip, "127.0.0.1");
  EXPECT_EQ(p.run.ports[1].container_port, 2222);
  EXPECT_EQ(p.run.jupyter_base_url, "/dlenv/demo/");
}

TEST(EnvPlan, NoJupyterAndNoSshMeansNoPortAndNoBaseUrl) {
  auto proj = sample_project();
  proj.envs[0].jupyter = false;
  proj.envs[0].ssh = false;
  auto p = make(proj);
  EXPECT_TRUE(p.run.ports.empty());
  EXPECT_TRUE(has_env(p.run, "DLENV_SSH=0"));
  EXPECT_TRUE(p.run.jupyter_base_url.empty());
  EXPECT_FALSE(p.build.layers[0].jupyter);
}

TEST(EnvPlan, MountsProjectCachesAndSecrets) {
  auto proj = sample_project();
  proj.envs[0].mounts.push_back({.host = "/data/imagenet", .container = "/data", .read_only = true, .allow = false, .where = {}});
  auto p = make(proj);
  auto find = [&](const std::string& target) {
    return std::find_if(p.run.mounts.begin(), p.run.mounts.end(), [&](const auto& m) { return m.target == target; });
  };
  ASSERT_NE(find("/workspace"), p.run.mounts.end());
  EXPECT_EQ(find("/workspace")->source, "/srv/projects/vision");
  ASSERT_NE(find("/data"), p.run.mounts.end());
  EXPECT_TRUE(find("/data")->read_only);
  ASSERT_NE(find("/dlenv/cache/pip"), p.run.mounts.end());
  EXPECT_EQ(find("/dlenv/cache/pip")->source, "/home/ada/.cache/pip");
  EXPECT_EQ(find("/dlenv/cache/huggingface")->source, "/home/ada/.cache/huggingface");
  EXPECT_EQ(find("/dlenv/cache/torch")->source, "/home/ada/.cache/torch");
  ASSERT_NE(find("/run/dlenv/secrets"), p.run.mounts.end());
  EXPECT_TRUE(find("/run/dlenv/secrets")->read_only);
  // The home is the environment's own, kept on the host beside its secrets, made when missing.
  const std::string home = p.build.layers.back().user.home;
  ASSERT_NE(find(home), p.run.mounts.end()) << home;
  EXPECT_EQ(find(home)->source, p.run.home_dir);
  EXPECT_TRUE(find(home)->create);
  EXPECT_FALSE(find(home)->read_only);
  EXPECT_EQ(std::filesystem::path(p.run.home_dir).filename(), p.run.container_name);
  EXPECT_EQ(std::filesystem::path(p.run.home_dir).parent_path(), sample_host().paths.homes_dir());
  EXPECT_TRUE(has_env(p.run, "HOME=" + home));
  EXPECT_TRUE(has_env(p.run, "PIP_CACHE_DIR=/dlenv/cache/pip"));
  EXPECT_TRUE(has_env(p.run, "HF_HOME=/dlenv/cache/huggingface"));
  EXPECT_TRUE(has_env(p.run, "TORCH_HOME=/dlenv/cache/torch"));
}

// A project (or one of its mounts) placed at the home itself is what the user asked for there:
// no kept home over it (two mounts at one point would fail at create).
TEST(EnvPlan, AWorkdirOrMountAtTheHomeTakesItsPlace) {
  auto at_home = sample_project();
  at_home.envs[0].workdir = "/home/ada";
  auto p = make(at_home);
  EXPECT_EQ(std::count_if(p.run.mounts.begin(), p.run.mounts.end(), [](const auto& m) { return m.target == "/home/ada"; }), 1);
  auto mounted = sample_project();
  mounted.envs[0].mounts.push_back({.host = "/srv/ada", .container = "/home/ada", .read_only = false, .allow = false, .where = {}});
  auto q = make(mounted);
  EXPECT_EQ(std::count_if(q.run.mounts.begin(), q.run.mounts.end(), [](const auto& m) { return m.target == "/home/ada"; }), 1);
  EXPECT_TRUE(std::none_of(q.run.mounts.begin(), q.run.mounts.end(), [&](const auto& m) { return m.source == q.run.home_dir; }));
}

TEST(EnvPlan, EnvironmentsComeBackAfterARebootUnlessTheProjectSaysNo) {
  auto p = make(sample_project());
  EXPECT_EQ(p.run.restart_policy, "unless-stopped");
  auto off = sample_project();
  off.envs[0].restart = "no";
  auto q = make(off);
  EXPECT_EQ(q.run.restart_policy, "no");
  EXPECT_NE(p.spec_hash, q.spec_hash);
}

TEST(EnvPlan, ShmDefaultsToTwoGiB) {
  EXPECT_EQ(make(sample_project()).run.shm_size, int64_t{2} * 1024 * 1024 * 1024);
}

TEST(EnvPlan, SpecHashFollowsRunSettingsNotProjectFileOrder) {
  auto proj = sample_project();
  auto a = make(proj);
  EXPECT_EQ(a.spec_hash, make(proj).spec_hash);
  proj.envs[0].env["MY_VAR"] = "1";
  auto b = make(proj);
  EXPECT_NE(a.spec_hash, b.spec_hash);
  EXPECT_EQ(tags(a), tags(b));  // env vars do not rebuild images
  EXPECT_EQ(b.run.labels.at(plan::label::spec_hash), b.spec_hash);
}

TEST(EnvPlan, LabelsIdentifyTheEnvironment) {
  auto p = make(sample_project());
  EXPECT_EQ(p.run.labels.at(plan::label::managed), "1");
  EXPECT_EQ(p.run.labels.at(plan::label::env), "demo");
  EXPECT_EQ(p.run.labels.at(plan::label::project), "/srv/projects/vision");
  EXPECT_EQ(p.run.labels.at(plan::label::owner), "1000");
  EXPECT_EQ(p.run.labels.at(plan::label::user), "1000:1000");
  EXPECT_EQ(p.env_key, "/srv/projects/vision#demo");
}

TEST(EnvPlan, ContainerNamesAreStableAndDistinct) {
  EXPECT_EQ(plan::container_name(1000, "/p", "a"), plan::container_name(1000, "/p", "a"));
  EXPECT_NE(plan::container_name(1000, "/p", "a"), plan::container_name(1001, "/p", "a"));
  EXPECT_NE(plan::container_name(1000, "/p", "a"), plan::container_name(1000, "/q", "a"));
  EXPECT_TRUE(plan::container_name(1000, "/p", "a").starts_with("dlenv-a-"));
}

namespace {

compat::Resolution torch_on_cuda() {
  compat::Resolution r;
  r.ok = true;
  r.framework = compat::Framework::torch;
  r.framework_version = *Version::parse("2.3.1");
  r.cuda = *Version::parse("12.1");
  r.base_image = "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04";
  r.packages = {"torch==2.3.1", "torchvision==0.18.1", "torchaudio==2.3.1"};
  r.index_urls = {"https://download.pytorch.org/whl/cu121"};
  return r;
}

plan::EnvPlan make_resolved(const compat::Resolution& r, std::vector<host::Gpu> gpus = {}) {
  auto p = sample_project();
  p.envs[0].base.clear();
  p.envs[0].framework = "torch==2.3.1";
  plan::PlanInputs in;
  in.base_image = r.base_image;
  in.base_image_id = kBaseId;
  in.resolution = &r;
  in.gpus = std::move(gpus);
  auto result = plan::make_env_plan(p, p.envs[0], sample_host(), in);
  EXPECT_TRUE(result) << (result ? "" : result.error().describe());
  return *result;
}

}  // namespace

TEST(EnvPlan, AResolvedFrameworkGetsItsOwnLayerOnTheResolvedBase) {
  auto r = torch_on_cuda();
  auto p = make_resolved(r);
  ASSERT_EQ(p.build.layers.size(), 3u);
  EXPECT_EQ(p.build.layers[0].parent, "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04");
  EXPECT_EQ(p.build.layers[1].kind, plan::LayerKind::framework);
  EXPECT_EQ(p.build.layers[1].pip, r.packages);
  EXPECT_EQ(p.build.layers[1].index_urls, r.index_urls);
  EXPECT_TRUE(p.build.layers[1].tag.starts_with("dlenv/framework:"));
}

TEST(EnvPlan, AnotherFrameworkBuildSharesTheSystemLayerOnly) {
  auto a = torch_on_cuda();
  auto b = torch_on_cuda();
  b.index_urls = {"https://download.pytorch.org/whl/cu118"};
  auto pa = make_resolved(a), pb = make_resolved(b);
  EXPECT_EQ(pa.build.layers[0].tag, pb.build.layers[0].tag);
  EXPECT_NE(pa.build.layers[1].tag, pb.build.layers[1].tag);
}

TEST(EnvPlan, ADistributionFrameworkGoesIntoTheSystemPackages) {
  compat::Resolution r;
  r.ok = true;
  r.framework = compat::Framework::torch;
  r.distribution_framework = true;
  r.base_image = "dlenv/debian:bookworm";
  r.apt_packages = {"python3-torch"};
  auto p = make_resolved(r);
  ASSERT_EQ(p.build.layers.size(), 2u);
  EXPECT_NE(std::find(p.build.layers[0].apt.begin(), p.build.layers[0].apt.end(), "python3-torch"), p.build.layers[0].apt.end());
}

TEST(EnvPlan, GpusAreRecordedByUuidAndChangeTheSpecHash) {
  auto r = torch_on_cuda();
  host::Gpu gpu;
  gpu.index = 0;
  gpu.uuid = "GPU-11111111-2222-3333-4444-555555555555";
  auto without = make_resolved(r);
  auto with = make_resolved(r, {gpu});
  EXPECT_EQ(with.run.gpu_uuids, std::vector<std::string>{gpu.uuid});
  EXPECT_EQ(with.run.labels.at(plan::label::gpus), gpu.uuid);
  EXPECT_FALSE(without.run.labels.count(plan::label::gpus));
  EXPECT_NE(with.spec_hash, without.spec_hash);
}

// --- the Jupyter front end ---

namespace {

plan::EnvPlan make_on(const std::string& base, spec::JupyterUi ui) {
  auto p = sample_project();
  p.envs[0].base = base;
  p.envs[0].jupyter_ui = ui;
  return make(p);
}

}  // namespace

TEST(EnvPlan, TheBestJupyterUiIsWhatTheDebianReleasePackages) {
  struct Case {
    const char* base;
    spec::JupyterUi ui;
    const char* path;
  };
  for (const Case& c : {Case{"dlenv/debian:bullseye", spec::JupyterUi::notebook, "tree"},
                        Case{"dlenv/debian:bookworm", spec::JupyterUi::notebook, "tree"},
                        Case{"debian:12-slim", spec::JupyterUi::notebook, "tree"},
                        Case{"dlenv/debian:trixie", spec::JupyterUi::lab, "lab"}}) {
    auto p = make_on(c.base, spec::JupyterUi::best);
    EXPECT_EQ(p.build.layers[0].jupyter_ui, c.ui) << c.base;
    EXPECT_EQ(p.run.jupyter_ui_path, c.path) << c.base;
    EXPECT_EQ(p.run.labels.at(plan::label::jupyter_ui_path), c.path) << c.base;
  }
}

TEST(EnvPlan, AnUnknownBaseLeavesTheUiToTheBuildAndItsUrlToTheRootsRedirect) {
  auto p = make_on("registry.example.com/team/base:1", spec::JupyterUi::best);
  EXPECT_EQ(p.build.layers[0].jupyter_ui, spec::JupyterUi::best);
  EXPECT_TRUE(p.run.jupyter_ui_path.empty());
  EXPECT_FALSE(p.run.labels.contains(plan::label::jupyter_ui_path));
}

TEST(EnvPlan, JupyterFromPipBesideAFrameworkIsJupyterLab) {
  auto p = make_resolved(torch_on_cuda());
  EXPECT_EQ(p.build.layers[0].jupyter_ui, spec::JupyterUi::lab);
  EXPECT_EQ(p.run.jupyter_ui_path, "lab");
}

TEST(EnvPlan, AChosenUiChangesTheSystemLayer) {
  auto server = make_on("dlenv/debian:trixie", spec::JupyterUi::server);
  auto lab = make_on("dlenv/debian:trixie", spec::JupyterUi::lab);
  EXPECT_NE(server.build.layers[0].tag, lab.build.layers[0].tag);
  EXPECT_TRUE(server.run.jupyter_ui_path.empty());
}

TEST(EnvPlan, JupyterLabOnAReleaseWithoutItIsRefusedWithTheWayOut) {
  auto p = sample_project();
  p.envs[0].base = "dlenv/debian:bookworm";
  p.envs[0].jupyter_ui = spec::JupyterUi::lab;
  auto r = plan::make_env_plan(p, p.envs[0], sample_host(), plan::inputs_for_base(p.envs[0], kBaseId));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::config);
  EXPECT_NE(r.error().message.find("JupyterLab is not packaged for Debian bookworm"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().hint.find("jupyter = \"notebook\""), std::string::npos) << r.error().hint;
}
