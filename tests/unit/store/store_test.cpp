#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "store/sqlite_db.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

namespace dlenv::store {
namespace {

using testing::RawDb;
using testing::TempDir;

constexpr PortRange kRange{20000, 20009};

bool any_port(int) { return true; }

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::unique_ptr<Store> open_or_die(const std::filesystem::path& path) {
  auto store = Store::open(path);
  if (!store) {
    ADD_FAILURE() << "open " << path << ": " << store.error().describe() << " / " << store.error().hint;
    return nullptr;
  }
  return std::move(*store);
}

EnvRecord sample_env(std::string project, std::string name, std::string state = "running") {
  EnvRecord record;
  record.key = project + "#" + name;
  record.project = std::move(project);
  record.name = std::move(name);
  record.container_name = "dlenv-" + record.name;
  record.container_id = "c0ffee";
  record.image = "dlenv/" + record.name + ":abc";
  record.spec_hash = "sha256:1234";
  record.state = std::move(state);
  record.updated_at = 1700000000;
  return record;
}

void expect_same(const EnvRecord& got, const EnvRecord& want) {
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.project, want.project);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.container_name, want.container_name);
  EXPECT_EQ(got.container_id, want.container_id);
  EXPECT_EQ(got.image, want.image);
  EXPECT_EQ(got.spec_hash, want.spec_hash);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.updated_at, want.updated_at);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = tmp_.path() / "state" / "dlenv.db";
    store_ = open_or_die(db_path_);
    ASSERT_NE(store_, nullptr);
  }

  int lease(const std::string& env, const std::string& service, PortRange range = kRange) {
    auto port = store_->lease_port(env, service, range, any_port);
    EXPECT_TRUE(port) << port.error().describe();
    return port.value_or(-1);
  }

  TempDir tmp_;
  std::filesystem::path db_path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreatesPrivateFileAndDirectory) {
  EXPECT_EQ(mode_of(db_path_), 0600u);
  EXPECT_EQ(mode_of(db_path_.parent_path()), 0700u);
  ASSERT_TRUE(store_->put_env(sample_env("/p", "a")));
  // SQLite's side files inherit the database's mode.
  std::filesystem::path wal = db_path_.string() + "-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_EQ(mode_of(wal), 0600u);
}

TEST(StoreOpen, TightensAnExistingFile) {
  TempDir tmp;
  auto path = tmp.path() / "dlenv.db";
  std::ofstream(path).close();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST_F(StoreTest, UsesWalJournal) {
  RawDb raw(db_path_);
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), "1");
}

TEST_F(StoreTest, LeaseIsStableForSameEnvAndService) {
  int first = lease("/p#a", "jupyter");
  EXPECT_EQ(first, kRange.first);
  EXPECT_EQ(lease("/p#a", "jupyter"), first);
  // Even when `usable` now rejects it: an existing lease is returned as is.
  auto again = store_->lease_port("/p#a", "jupyter", kRange, [](int) { return false; });
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, first);
}

TEST_F(StoreTest, DifferentServicesAndEnvsGetDifferentPorts) {
  int a_jupyter = lease("/p#a", "jupyter");
  int a_ssh = lease("/p#a", "ssh");
  int b_jupyter = lease("/p#b", "jupyter");
  std::set<int> ports{a_jupyter, a_ssh, b_jupyter};
  EXPECT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports, (std::set<int>{20000, 20001, 20002}));  // lowest free first

  auto all = store_->all_ports();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].port, a_jupyter);
  EXPECT_EQ((*all)[0].env_key, "/p#a");
  EXPECT_EQ((*all)[0].service, "jupyter");

  auto of_a = store_->ports_of("/p#a");
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].service, "jupyter");
  EXPECT_EQ((*of_a)[1].service, "ssh");
  EXPECT_EQ((*of_a)[1].port, a_ssh);
}

TEST_F(StoreTest, UnusablePortIsSkipped) {
  lease("/p#a", "jupyter");  // takes 20000
  std::vector<int> asked;
  auto port = store_->lease_port("/p#b", "jupyter", kRange, [&](int p) {
    asked.push_back(p);
    return p != 20001;
  });
  ASSERT_TRUE(port) << port.error().describe();
  EXPECT_EQ(*port, 20002);
  // Leased ports are never offered to `usable`.
  EXPECT_EQ(asked, (std::vector<int>{20001, 20002}));
}

TEST_F(StoreTest, ExhaustedRangeIsConflictWithHint) {
  PortRange tiny{20000, 20001};
  lease("/p#a", "jupyter", tiny);
  lease("/p#a", "ssh", tiny);
  auto port = store_->lease_port("/p#b", "jupyter", tiny, any_port);
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code, ErrorCode::conflict);
  EXPECT_NE(port.error().message.find("20000-20001"), std::string::npos) << port.error().message;
  EXPECT_NE(port.error().hint.find("DLENV_PORT_RANGE=FIRST-LAST"), std::string::npos) << port.error().hint;
  // The failed attempt leased nothing.
  auto of_b = store_->ports_of("/p#b");
  ASSERT_TRUE(of_b);
  EXPECT_TRUE(of_b->empty());
}

TEST_F(StoreTest, AllUnusableIsConflict) {
  auto port = store_->lease_port("/p#a", "jupyter", kRange, [](int) { return false; });
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code, ErrorCode::conflict);
}

TEST_F(StoreTest, InvalidRangeIsRejected) {
  auto reversed = store_->lease_port("/p#a", "jupyter", PortRange{20010, 20000}, any_port);
  ASSERT_FALSE(reversed);
  EXPECT_EQ(reversed.error().code, ErrorCode::config);
  auto too_high = store_->lease_port("/p#a", "jupyter", PortRange{65000, 70000}, any_port);
  ASSERT_FALSE(too_high);
  EXPECT_EQ(too_high.error().code, ErrorCode::config);
}

TEST_F(StoreTest, ReplacePortMovesAndBlocks) {
  int bad = lease("/p#a", "jupyter");
  ASSERT_EQ(bad, 20000);
  auto moved = store_->replace_port("/p#a", "jupyter", bad, kRange, any_port);
  ASSERT_TRUE(moved) << moved.error().describe();
  EXPECT_EQ(*moved, 20001);

  auto of_a = store_->ports_of("/p#a");
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->size(), 1u);
  EXPECT_EQ((*of_a)[0].port, 20001);

  // The bad port is blocked for everyone, though nobody leases it now.
  EXPECT_EQ(lease("/p#b", "jupyter"), 20002);
  RawDb raw(db_path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM blocked_ports WHERE port=20000"), "1");

  // A second replace for the same bad port (another process got there first) keeps the move.
  auto again = store_->replace_port("/p#a", "jupyter", bad, kRange, any_port);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 20001);
}

TEST_F(StoreTest, ExpiredBlockFreesThePort) {
  int bad = lease("/p#a", "jupyter");
  ASSERT_TRUE(store_->replace_port("/p#a", "jupyter", bad, kRange, any_port));
  {
    RawDb raw(db_path_);
    ASSERT_EQ(raw.exec("UPDATE blocked_ports SET until = 0"), SQLITE_OK);
  }
  EXPECT_EQ(lease("/p#b", "jupyter"), bad);
}

TEST_F(StoreTest, RemoveEnvReleasesItsPorts) {
  ASSERT_TRUE(store_->put_env(sample_env("/p", "a")));
  ASSERT_TRUE(store_->put_env(sample_env("/p", "b")));
  lease("/p#a", "jupyter");
  lease("/p#a", "ssh");
  int b_port = lease("/p#b", "jupyter");

  ASSERT_TRUE(store_->remove_env("/p#a"));
  auto a = store_->get_env("/p#a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->has_value());
  auto of_a = store_->ports_of("/p#a");
  ASSERT_TRUE(of_a);
  EXPECT_TRUE(of_a->empty());
  // b is untouched and a's ports are free again.
  auto of_b = store_->ports_of("/p#b");
  ASSERT_TRUE(of_b);
  ASSERT_EQ(of_b->size(), 1u);
  EXPECT_EQ((*of_b)[0].port, b_port);
  EXPECT_EQ(lease("/p#c", "jupyter"), 20000);
  // Removing what is not there is fine.
  EXPECT_TRUE(store_->remove_env("/p#nope"));
}

TEST_F(StoreTest, ReleasePortsKeepsTheEnv) {
  ASSERT_TRUE(store_->put_env(sample_env("/p", "a")));
  lease("/p#a", "jupyter");
  ASSERT_TRUE(store_->release_ports("/p#a"));
  auto of_a = store_->ports_of("/p#a");
  ASSERT_TRUE(of_a);
  EXPECT_TRUE(of_a->empty());
  auto a = store_->get_env("/p#a");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->has_value());
}

TEST_F(StoreTest, AdoptPortRecordsTheEnginesLease) {
  ASSERT_TRUE(store_->adopt_port(PortLease{20005, "/p#a", "jupyter"}));
  EXPECT_EQ(lease("/p#a", "jupyter"), 20005);
  // The engine wins: adopting another port for the same pair moves the lease...
  ASSERT_TRUE(store_->adopt_port(PortLease{20007, "/p#a", "jupyter"}));
  // ...and adopting a port someone else leased hands it over.
  ASSERT_TRUE(store_->adopt_port(PortLease{20007, "/p#b", "ssh"}));
  auto all = store_->all_ports();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].port, 20007);
  EXPECT_EQ((*all)[0].env_key, "/p#b");
  EXPECT_EQ((*all)[0].service, "ssh");
}

TEST_F(StoreTest, EnvsRoundTripAndListInOrder) {
  auto zb = sample_env("/z", "b");
  auto aa = sample_env("/a", "a", "stopped");
  auto ab = sample_env("/a", "b", "creating");
  ab.container_id = "";
  for (const auto& record : {zb, ab, aa}) ASSERT_TRUE(store_->put_env(record));

  auto got = store_->get_env(ab.key);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  expect_same(**got, ab);

  auto listed = store_->list_envs();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  expect_same((*listed)[0], aa);
  expect_same((*listed)[1], ab);
  expect_same((*listed)[2], zb);

  // put_env replaces by key.
  ab.state = "running";
  ab.container_id = "deadbeef";
  ab.updated_at = 1800000000;
  ASSERT_TRUE(store_->put_env(ab));
  got = store_->get_env(ab.key);
  ASSERT_TRUE(got && got->has_value());
  expect_same(**got, ab);
  listed = store_->list_envs();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 3u);
}

TEST_F(StoreTest, ReopeningKeepsData) {
  auto record = sample_env("/p", "a");
  ASSERT_TRUE(store_->put_env(record));
  int port = lease("/p#a", "jupyter");
  ASSERT_TRUE(store_->record_history("/p#a", "up", "created"));
  store_.reset();

  store_ = open_or_die(db_path_);
  ASSERT_NE(store_, nullptr);
  auto got = store_->get_env(record.key);
  ASSERT_TRUE(got && got->has_value());
  expect_same(**got, record);
  EXPECT_EQ(lease("/p#a", "jupyter"), port);
  EXPECT_EQ(lease("/p#a", "ssh"), port + 1);
  RawDb raw(db_path_);
  EXPECT_EQ(raw.scalar("SELECT action || ':' || detail FROM history WHERE env_key='/p#a'"), "up:created");
}

TEST_F(StoreTest, RecordsHistoryInOrder) {
  ASSERT_TRUE(store_->record_history("/p#a", "up", "built image x"));
  ASSERT_TRUE(store_->record_history("/p#a", "down", ""));
  ASSERT_TRUE(store_->record_history("/p#b", "rm", "it's gone"));
  RawDb raw(db_path_);
  EXPECT_EQ(raw.scalar("SELECT group_concat(action, ',') FROM (SELECT action FROM history ORDER BY id)"),
            "up,down,rm");
  EXPECT_EQ(raw.scalar("SELECT detail FROM history WHERE env_key='/p#b'"), "it's gone");
  EXPECT_NE(raw.scalar("SELECT min(at) FROM history"), "0");
}

std::string garbage() {
  std::string text;
  for (int i = 0; i < 512; ++i) text += "this is not a database, just garbage ";
  return text;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file that is not a database at all is moved aside (kept, named with the time) and a new
// database takes its place; the caller learns where the old one went.
TEST(StoreOpen, GarbageFileIsMovedAsideAndReplaced) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  tmp.write("state.db", garbage());
  tmp.write("state.db-wal", "stale wal");
  auto opened = Store::open(path);
  ASSERT_TRUE(opened) << opened.error().describe() << " / " << opened.error().hint;
  auto& store = *opened;
  ASSERT_TRUE(store->moved_aside().has_value());
  auto aside = *store->moved_aside();
  EXPECT_EQ(aside.parent_path(), path.parent_path());
  EXPECT_TRUE(std::regex_match(aside.filename().string(), std::regex(R"(state\.db\.corrupt-\d{8}T\d{6}Z)")))
      << aside;
  EXPECT_EQ(file_text(aside), garbage()) << "the damaged file is kept as it was";
  // The stale WAL (which SQLite drops, having no valid header) is not applied to the new file.
  EXPECT_NE(file_text(path.string() + "-wal"), "stale wal");
  EXPECT_EQ(mode_of(path), 0600u);

  // The new database works and is the one at `path`.
  auto port = store->lease_port("/p#a", "jupyter", kRange, any_port);
  ASSERT_TRUE(port) << port.error().describe();
  EXPECT_EQ(*port, kRange.first);
  ASSERT_TRUE(store->put_env(sample_env("/p", "a")));
  store.reset();

  // Opening it again finds nothing wrong and says nothing.
  auto again = open_or_die(path);
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(again->moved_aside().has_value());
  auto env = again->get_env("/p#a");
  ASSERT_TRUE(env && *env);
}

// Damage past the header (a valid-looking file with a garbled page) is found at open by the
// integrity check, not later by whichever query reads that page.
TEST(StoreOpen, DamagedPageIsFoundAtOpen) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  {
    auto store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(store->record_history("/p#a", "up", std::string(200, static_cast<char>('a' + i % 26))));
  }
  ASSERT_FALSE(std::filesystem::exists(path.string() + "-wal")) << "closing should have checkpointed";
  auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 4 * 4096u);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(2 * 4096);  // the third page: not the header, inside the tables
    std::string junk(4096, '\xa5');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto opened = Store::open(path);
  ASSERT_TRUE(opened) << opened.error().describe();
  ASSERT_TRUE((*opened)->moved_aside().has_value());
  EXPECT_EQ(std::filesystem::file_size(*(*opened)->moved_aside()), size);
  auto envs = (*opened)->list_envs();
  ASSERT_TRUE(envs) << envs.error().describe();
  EXPECT_TRUE(envs->empty());
}

// Two damaged files in the same second are kept under two names.
TEST(StoreOpen, EachDamagedFileIsKept) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  std::set<std::filesystem::path> kept;
  for (int round = 0; round < 2; ++round) {
    tmp.write("state.db", garbage() + std::to_string(round));
    auto store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->moved_aside().has_value());
    EXPECT_EQ(file_text(*store->moved_aside()), garbage() + std::to_string(round));
    kept.insert(*store->moved_aside());
  }
  EXPECT_EQ(kept.size(), 2u);
}

// Processes that find the same damaged file at once: one moves it aside, all of them end up
// on the same new database.
TEST(StoreOpen, ConcurrentOpensOfADamagedFileMoveItOnce) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  tmp.write("state.db", garbage());
  constexpr int kChildren = 6;
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::alarm(60);
      auto store = Store::open(path);
      if (!store) {
        std::fprintf(stderr, "child %d: %s\n", i, store.error().describe().c_str());
        ::_exit(2);
      }
      auto port = (*store)->lease_port("/p#" + std::to_string(i), "jupyter", kRange, any_port);
      ::_exit(port ? ((*store)->moved_aside() ? 10 : 0) : 3);
    }
    children.push_back(child);
  }
  int moved = 0;
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    int code = WEXITSTATUS(status);
    ASSERT_TRUE(code == 0 || code == 10) << "child failed with " << code;
    moved += code == 10;
  }
  EXPECT_EQ(moved, 1);
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  auto ports = store->all_ports();
  ASSERT_TRUE(ports);
  EXPECT_EQ(ports->size(), static_cast<size_t>(kChildren)) << "every child leased in the one new database";
}

// A full disk is not corruption: the file stays where it is and the hint is about space.
TEST(StoreOpen, FullDiskHintsAtSpaceNotAtMovingTheFile) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  std::ofstream(path).close();
  auto opened = detail::Database::open(path, std::chrono::milliseconds(100));
  ASSERT_TRUE(opened) << opened.error().describe();
  auto& db = *opened;
  // SQLite answers SQLITE_FULL once the file would grow past max_page_count pages, as it
  // does when the disk is full.
  ASSERT_TRUE(db->exec("PRAGMA max_page_count=2", "limit the size"));
  Status filled = db->exec("CREATE TABLE t(x TEXT)", "create a table");
  for (int i = 0; filled && i < 100; ++i)
    filled = db->exec("INSERT INTO t VALUES(hex(randomblob(1000)))", "fill the table");
  ASSERT_FALSE(filled) << "the database never became full";
  EXPECT_EQ(db->last_failure(), detail::Failure::full);
  EXPECT_EQ(filled.error().code, ErrorCode::store);
  EXPECT_NE(filled.error().hint.find("space"), std::string::npos) << filled.error().hint;
  EXPECT_NE(filled.error().hint.find(tmp.path().string()), std::string::npos) << filled.error().hint;
  EXPECT_EQ(filled.error().hint.find("aside"), std::string::npos) << filled.error().hint;
  EXPECT_EQ(filled.error().hint.find("mv "), std::string::npos) << filled.error().hint;
}

// Each kind of failure gets its own hint: permission problems point at owners and modes.
TEST(StoreOpen, ErrorsAreClassifiedWithTheirOwnHints) {
  TempDir tmp;
  auto path = tmp.path() / "state.db";
  std::ofstream(path).close();
  auto db = detail::Database::open(path, std::chrono::milliseconds(100));
  ASSERT_TRUE(db);
  auto readonly = (*db)->error(SQLITE_READONLY, "write");
  EXPECT_EQ((*db)->last_failure(), detail::Failure::permission);
  EXPECT_NE(readonly.hint.find("owner and mode"), std::string::npos) << readonly.hint;
  EXPECT_EQ(readonly.hint.find("aside"), std::string::npos) << readonly.hint;
  auto full = (*db)->error(SQLITE_FULL, "write");
  EXPECT_EQ((*db)->last_failure(), detail::Failure::full);
  EXPECT_NE(full.hint.find("space"), std::string::npos) << full.hint;
  auto corrupt = (*db)->error(SQLITE_NOTADB, "read");
  EXPECT_EQ((*db)->last_failure(), detail::Failure::corrupt);
  EXPECT_NE(corrupt.hint.find("aside"), std::string::npos) << corrupt.hint;
  auto busy = (*db)->error(SQLITE_BUSY, "write");
  EXPECT_EQ((*db)->last_failure(), detail::Failure::busy);
  EXPECT_TRUE(busy.retryable);
}

// A database its user may not write (here: a directory where the WAL cannot be created) is
// a permission error with that hint, and is left where it is.
TEST(StoreOpen, UnwritableDirectoryIsAPermissionErrorAndNotMoved) {
  TempDir tmp;
  auto dir = tmp.make_dir("ro");
  auto path = dir / "state.db";
  ASSERT_NE(open_or_die(path), nullptr);  // a real database in WAL mode, closed (no -wal left)
  ASSERT_FALSE(std::filesystem::exists(path.string() + "-wal"));
  ::chmod(tmp.path().c_str(), 0755);
  ::chmod(dir.c_str(), 0555);
  const uid_t nobody = 65534;
  if (::getuid() == 0) {
    ASSERT_EQ(::chown(path.c_str(), nobody, nobody), 0);
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(60);
    // Root writes anywhere: drop to an ordinary user, who owns the file but not the directory.
    if (::getuid() == 0 && (::setgid(nobody) != 0 || ::setuid(nobody) != 0)) ::_exit(5);
    auto store = Store::open(path, std::chrono::milliseconds(100));
    if (store) ::_exit(2);
    const auto& hint = store.error().hint;
    if (hint.find("owner and mode") == std::string::npos) {
      std::fprintf(stderr, "%s\nhint: %s\n", store.error().describe().c_str(), hint.c_str());
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::chmod(dir.c_str(), 0700);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: it opened, 3: wrong hint, 5: cannot drop root";
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++entries;
    EXPECT_EQ(entry.path().filename().string().find("corrupt"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(entries, 1u);
}

TEST(StoreOpen, LockedDatabaseIsRetryable) {
  TempDir tmp;
  auto path = tmp.path() / "dlenv.db";
  auto opened = Store::open(path, std::chrono::milliseconds(200));
  ASSERT_TRUE(opened) << opened.error().describe();
  auto& store = *opened;

  RawDb holder(path);
  ASSERT_EQ(holder.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  auto started = std::chrono::steady_clock::now();
  auto port = store->lease_port("/p#a", "jupyter", kRange, any_port);
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code, ErrorCode::store);
  EXPECT_TRUE(port.error().retryable);
  EXPECT_NE(port.error().message.find(path.string()), std::string::npos) << port.error().message;
  EXPECT_NE(port.error().hint.find("retry"), std::string::npos) << port.error().hint;
  EXPECT_GE(waited, std::chrono::milliseconds(150));  // it waited instead of failing at once

  // Once the other writer is done, the same Store works again.
  ASSERT_EQ(holder.exec("COMMIT"), SQLITE_OK);
  auto retried = store->lease_port("/p#a", "jupyter", kRange, any_port);
  ASSERT_TRUE(retried) << retried.error().describe();
  EXPECT_EQ(*retried, kRange.first);
}

TEST(StoreOpen, FailedTransactionLeavesNoTrace) {
  TempDir tmp;
  auto path = tmp.path() / "dlenv.db";
  auto store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  // `usable` throwing mid-transaction must roll back and leave the connection usable.
  EXPECT_THROW((void)store->lease_port("/p#a", "jupyter", kRange, [](int) -> bool { throw std::runtime_error("x"); }),
               std::runtime_error);
  auto port = store->lease_port("/p#b", "jupyter", kRange, any_port);
  ASSERT_TRUE(port) << port.error().describe();
  EXPECT_EQ(*port, kRange.first);
  auto all = store->all_ports();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST(StoreOpen, UseAfterForkIsRefused) {
  TempDir tmp;
  auto store = open_or_die(tmp.path() / "dlenv.db");
  ASSERT_NE(store, nullptr);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto ports = store->all_ports();
    int code = ports ? 1 : (ports.error().code == ErrorCode::internal ? 0 : 2);
    ::_exit(code);  // no destructors: the connection is the parent's
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the child used the parent's connection, 2: wrong error";
  // The parent's Store is unaffected.
  EXPECT_TRUE(store->all_ports());
}

}  // namespace
}  // namespace dlenv::store
