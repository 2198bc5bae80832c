// A damaged state database: labels are the truth, so `ls` moves the file aside (kept, named
// with the time), rebuilds from the containers' labels, says so once on stderr and exits 0.
#include "harness.hpp"

namespace dlenv::itest {
namespace {

const char* kProject = R"(
[envs.demo]
base = "dlenv/debian:bookworm"
)";

class StoreRecoveryTest : public DlenvTest {
 protected:
  void SetUp() override {
    DlenvTest::SetUp();
    port_range = "38200-38299";
  }
  // The files in DLENV_HOME whose names start with "state.db.corrupt-" (their -wal/-shm aside).
  std::vector<fs::path> kept_files() const {
    std::vector<fs::path> kept;
    for (const auto& entry : fs::directory_iterator(home)) {
      std::string name = entry.path().filename().string();
      bool side_file = name.ends_with("-wal") || name.ends_with("-shm");
      if (name.rfind("state.db.corrupt-", 0) == 0 && !side_file) kept.push_back(entry.path());
    }
    return kept;
  }
};

TEST_F(StoreRecoveryTest, LsRebuildsFromLabelsAfterGarbageAndSaysSoOnce) {
  write_project(kProject);
  auto envs = up();
  ASSERT_EQ(envs.size(), 1u);
  json ports = envs[0]["ports"];
  ASSERT_TRUE(ports.contains("jupyter")) << ports.dump();

  fs::path db = home / "state.db";
  ASSERT_TRUE(fs::exists(db));
  std::string junk;
  for (int i = 0; i < 1000; ++i) junk += "not a database ";
  {
    std::ofstream out(db, std::ios::binary | std::ios::trunc);
    out << junk;
  }

  auto first = dlenv({"ls", "--json"});
  ASSERT_EQ(first.code, 0) << first.err << first.out;
  json listed = json::parse(first.out);
  json mine;
  for (const auto& e : listed)
    if (e["project"] == project.string() && e["name"] == "demo") mine = e;
  ASSERT_FALSE(mine.is_null()) << first.out;
  EXPECT_EQ(mine["ports"], ports) << "the same ports, from the labels";

  auto kept = kept_files();
  ASSERT_EQ(kept.size(), 1u) << first.err;
  EXPECT_EQ(read_text(kept[0]), junk) << "the damaged file is kept as it was";
  EXPECT_NE(first.err.find("moved it aside"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find(kept[0].string()), std::string::npos) << first.err;
  EXPECT_EQ(first.err.find("error"), std::string::npos) << first.err;

  // Said once: the next command finds a healthy database and says nothing about it.
  auto second = dlenv({"ls", "--json"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.err.find("aside"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("state database"), std::string::npos) << second.err;
  EXPECT_EQ(json::parse(second.out), listed);
  EXPECT_EQ(kept_files().size(), 1u);

  // The rebuilt leases are the ports the container publishes: `up` keeps them.
  auto again = up();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["ports"], ports);
  EXPECT_EQ(again[0]["container_id"], envs[0]["container_id"]);
}

// Every command recovers, not only `ls`: `down` on a damaged database works and says so.
TEST_F(StoreRecoveryTest, OtherCommandsRecoverToo) {
  write_project(kProject);
  ASSERT_EQ(up().size(), 1u);
  {
    std::ofstream out(home / "state.db", std::ios::binary | std::ios::trunc);
    out << std::string(8192, 'x');
  }
  auto down = dlenv({"-q", "down", "demo", "--project", project.string()});
  EXPECT_EQ(down.code, 0) << down.err;
  EXPECT_NE(down.err.find("moved it aside"), std::string::npos) << "even with -q: " << down.err;
  EXPECT_EQ(kept_files().size(), 1u);
  auto listed = ls();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["state"], "stopped");
}

}  // namespace
}  // namespace dlenv::itest
