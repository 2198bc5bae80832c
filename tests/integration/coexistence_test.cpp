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
  write_project(R"(
[envs.torch17]
base = "dlenv/debian:bullseye"
apt = ["python3-torch"]
[envs.torch113]
base = "dlenv/debian:bookworm"
apt = ["python3-torch"]
[envs.torch26]
base = "dlenv/debian:trixie"
apt = ["python3-torch"]
)");
  auto envs = up();
  ASSERT_EQ(envs.size(), 3u);
  std::map<std::string, std::string> expected = {{"torch17", "1.7.1"}, {"torch113", "1.13.1"}, {"torch26", "2.6.0"}};
  std::set<int> ports;
  for (const auto& e : envs) {
    EXPECT_EQ(e["state"], "running");
    ports.insert(int(e["ports"]["jupyter"]));
    auto r = dlenv({"exec", e["name"], "--project", project.string(), "--", "python3", "-c", "import torch; print(torch.__version__)"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, expected[e["name"]].size()), expected[e["name"]]) << e["name"] << ": " << r.out;
    std::string url = e["jupyter"]["url"];
    EXPECT_EQ(http_status(url.substr(0, url.find('?')) + "api/status", {"Authorization: token " + url.substr(url.find("token=") + 6)}), 200)
        << e["name"];
  }
  EXPECT_EQ(ports.size(), 3u);
}

}  // namespace
}  // namespace dlenv::itest
