// Three framework versions side by side: Debian's python3-torch from bullseye (1.7.1),
// bookworm (1.13.1) and trixie (2.6.0), each in its own environment of one project.
#include "harness.hpp"

namespace dlenv::itest {
namespace {

class CoexistenceTest : public DlenvTest {};

TEST_F(CoexistenceTest, ThreeTorchVersionsRunSideBySide) {
  for (const char* suite : {"bullseye", "trixie"}) {
    auto r = sh({DLENV_BINARY, "-q", "base", "bootstrap", std::string("debian:") + suite});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  // The framework goes through the resolver, which finds it in each release's packages.
  write_project(R"(
[envs.torch17]
base = "dlenv/debian:bullseye"
framework = "torch==1.7.*"
[envs.torch113]
base = "dlenv/debian:bookworm"
framework = "torch==1.13.*"
[envs.torch26]
base = "dlenv/debian:trixie"
framework = "torch>=2.6"
)");
  auto plan = dlenv({"plan", "--json", "--project", project.string()});
  ASSERT_EQ(plan.code, 0) << plan.err << plan.out;
  for (const auto& line : split_lines(plan.out)) {
    auto p = json::parse(line);
    EXPECT_EQ(p["variant"], "debian") << line;
    EXPECT_EQ(p["apt_packages"], json::array({"python3-torch"})) << line;
    EXPECT_TRUE(p["cuda"].is_null()) << line;
  }
  auto envs = up();
  ASSERT_EQ(envs.size(), 3u);
  // Debian's package versions; torch.__version__ of the older two builds reads "1.7.0a0" and
  // "1.13.0a0" (how Debian built them), so the import is checked on major.minor.
  std::map<std::string, std::string> package = {{"torch17", "1.7.1"}, {"torch113", "1.13.1"}, {"torch26", "2.6.0"}};
  std::map<std::string, std::string> imported = {{"torch17", "1.7."}, {"torch113", "1.13."}, {"torch26", "2.6."}};
  std::set<int> ports;
  for (const auto& e : envs) {
    EXPECT_EQ(e["state"], "running");
    ports.insert(int(e["ports"]["jupyter"]));
    std::string name = e["name"];
    auto r = dlenv({"exec", name, "--project", project.string(), "--", "python3", "-c", "import torch; print(torch.__version__)"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, imported[name].size()), imported[name]) << name << ": " << r.out;
    auto pkg = dlenv({"exec", name, "--project", project.string(), "--", "dpkg-query", "-W", "-f", "${Version}", "python3-torch"});
    EXPECT_EQ(pkg.out.substr(0, package[name].size()), package[name]) << name << ": " << pkg.out;
    std::string url = e["jupyter"]["url"];
    EXPECT_EQ(http_status(jupyter_base(url) + "api/status", {"Authorization: token " + jupyter_token(url)}), 200) << name;
    // Each release's best notebook UI, at the printed URL: the classic notebook's own server
    // (bullseye), nbclassic (bookworm), JupyterLab (trixie); the server's root redirects there.
    const std::string ui = name == "torch26" ? "lab" : "tree";
    EXPECT_EQ(url.substr(0, url.find('?')), jupyter_base(url) + ui) << name;
    EXPECT_EQ(http_status(url), 200) << url;
    auto redirect = sh({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--max-time", "10", jupyter_base(url)});
    EXPECT_EQ(redirect.out.substr(0, 4), "302 ") << name << ": " << redirect.out;
    EXPECT_NE(redirect.out.find(jupyter_base(url) + ui), std::string::npos) << name << ": " << redirect.out;
  }
  EXPECT_EQ(ports.size(), 3u);
}

}  // namespace
}  // namespace dlenv::itest
