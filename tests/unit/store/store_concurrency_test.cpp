// Several dlenv processes leasing ports from the same database at the same moment.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "store/store.hpp"
#include "store_test_support.hpp"

namespace dlenv::store {
namespace {

using testing::TempDir;

constexpr PortRange kRange{30000, 30099};
constexpr int kProcesses = 8;
constexpr int kRounds = 5;

struct LeaseRequest {
  std::string env_key;
  std::string service;
};

// What one child sends back; small enough (< PIPE_BUF) that each write is atomic.
struct ChildReport {
  int32_t child = -1;
  int32_t port = -1;  // -1: the child failed, see error
  char error[480] = {};
};

void copy_message(char (&to)[480], const std::string& message) {
  std::strncpy(to, message.c_str(), sizeof(to) - 1);
}

bool read_exact(int fd, void* buffer, size_t size) {
  auto* bytes = static_cast<char*>(buffer);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Runs in the child: waits for the start signal, opens its own Store, leases, reports.
[[noreturn]] void lease_in_child(int index, const std::filesystem::path& db_path, const LeaseRequest& request,
                                 int start_fd, int report_fd) {
  ::alarm(60);  // a hung child must not hang the test run
  char byte;
  while (::read(start_fd, &byte, 1) < 0 && errno == EINTR) {
  }
  ChildReport report;
  report.child = index;
  {
    auto store = Store::open(db_path);
    if (!store) {
      copy_message(report.error, "open: " + store.error().describe());
    } else {
      // A slow `usable` (like the real one, which asks the engine) widens any race window.
      auto port = (*store)->lease_port(request.env_key, request.service, kRange, [](int) {
        ::usleep(2000);
        return true;
      });
      if (port) {
        report.port = *port;
      } else {
        copy_message(report.error, "lease: " + port.error().describe());
      }
    }
  }
  ssize_t written = ::write(report_fd, &report, sizeof(report));
  ::_exit(written == static_cast<ssize_t>(sizeof(report)) ? 0 : 3);
}

// Forks one process per request; they all start when the parent closes the start pipe, so
// their opens and leases overlap. Returns the reports in arrival order.
std::vector<ChildReport> lease_in_processes(const std::filesystem::path& db_path,
                                            const std::vector<LeaseRequest>& requests) {
  int start[2];
  int reports[2];
  if (::pipe(start) != 0 || ::pipe(reports) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  std::vector<pid_t> children;
  for (size_t i = 0; i < requests.size(); ++i) {
    pid_t pid = ::fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      break;
    }
    if (pid == 0) {
      ::close(start[1]);
      ::close(reports[0]);
      lease_in_child(static_cast<int>(i), db_path, requests[i], start[0], reports[1]);
    }
    children.push_back(pid);
  }
  ::close(start[0]);
  ::close(reports[1]);
  ::close(start[1]);  // go: every child's read returns at once

  std::vector<ChildReport> received;
  ChildReport report;
  while (read_exact(reports[0], &report, sizeof(report))) received.push_back(report);
  ::close(reports[0]);

  for (pid_t pid : children) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << pid << " status " << status;
  }
  EXPECT_EQ(received.size(), requests.size());
  return received;
}

// Even rounds start from no file at all (the children race to create the schema too);
// odd rounds from a database that already exists.
std::filesystem::path database_for_round(const TempDir& tmp, int round) {
  auto path = tmp.path() / ("round" + std::to_string(round)) / "dlenv.db";
  if (round % 2 == 1) {
    auto store = Store::open(path);
    EXPECT_TRUE(store) << store.error().describe();
  }
  return path;
}

TEST(StoreConcurrency, DistinctEnvsGetDistinctPortsAcrossProcesses) {
  TempDir tmp;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto db_path = database_for_round(tmp, round);
    std::vector<LeaseRequest> requests;
    for (int i = 0; i < kProcesses; ++i) requests.push_back({"/proj#env" + std::to_string(i), "jupyter"});

    auto reports = lease_in_processes(db_path, requests);
    std::set<int> ports;
    std::map<std::string, int> port_of_env;
    for (const auto& report : reports) {
      EXPECT_NE(report.port, -1) << "child " << report.child << ": " << report.error;
      if (report.port == -1) continue;
      EXPECT_GE(report.port, kRange.first);
      EXPECT_LE(report.port, kRange.last);
      ports.insert(report.port);
      port_of_env[requests[static_cast<size_t>(report.child)].env_key] = report.port;
    }
    EXPECT_EQ(ports.size(), static_cast<size_t>(kProcesses)) << "two processes got the same port";

    // The database agrees with what the children were told.
    auto store = Store::open(db_path);
    ASSERT_TRUE(store) << store.error().describe();
    auto leases = (*store)->all_ports();
    ASSERT_TRUE(leases) << leases.error().describe();
    EXPECT_EQ(leases->size(), static_cast<size_t>(kProcesses));
    for (const auto& lease : *leases) EXPECT_EQ(port_of_env[lease.env_key], lease.port) << lease.env_key;
  }
}

TEST(StoreConcurrency, SameEnvAndServiceShareOnePortAcrossProcesses) {
  TempDir tmp;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto db_path = database_for_round(tmp, round);
    std::vector<LeaseRequest> requests(kProcesses, LeaseRequest{"/proj#shared", "ssh"});

    auto reports = lease_in_processes(db_path, requests);
    std::set<int> ports;
    for (const auto& report : reports) {
      EXPECT_NE(report.port, -1) << "child " << report.child << ": " << report.error;
      if (report.port != -1) ports.insert(report.port);
    }
    EXPECT_EQ(ports, std::set<int>{kRange.first}) << "the processes disagree on the lease";

    auto store = Store::open(db_path);
    ASSERT_TRUE(store) << store.error().describe();
    auto leases = (*store)->all_ports();
    ASSERT_TRUE(leases) << leases.error().describe();
    EXPECT_EQ(leases->size(), 1u);
  }
}

}  // namespace
}  // namespace dlenv::store
