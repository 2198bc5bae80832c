// run_process: a program that cannot be executed is an error naming why; a program's own
// exit status (127 too) is a value, with its output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "scratch_dir.hpp"
#include "util/subprocess.hpp"

using namespace dlenv;

TEST(Subprocess, ExitStatus127IsTheProgramsOwnWithItsStderr) {
  auto r = run_process({"sh", "-c", "echo 'dlenv: command not found' >&2; exit 127"});
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_EQ(r->err, "dlenv: command not found\n");
}

TEST(Subprocess, AFileThatCannotBeExecutedIsAnErrorWithTheReason) {
  dlenv::testing::ScratchDir scratch;
  auto script = scratch.write("not-a-program", "\x7f" "ELF garbage");
  ::chmod(script.c_str(), 0755);
  auto r = run_process({script.string()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io);
  EXPECT_NE(r.error().message.find("could not run"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Exec format error"), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(Subprocess, ManyRunsLeakNoDescriptors) {
  auto count_fds = [] {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  const int before = count_fds();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(run_process({"true"}));
    SubprocessOptions to_missing_folder;
    to_missing_folder.stdout_file = "/nonexistent-dir/out";
    EXPECT_FALSE(run_process({"true"}, to_missing_folder));  // an early return closes its pipes
  }
  EXPECT_EQ(count_fds(), before);
}
