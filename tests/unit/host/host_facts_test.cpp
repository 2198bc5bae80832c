#include <gtest/gtest.h>
#include <unistd.h>

#include "ci.hpp"
#include "host/host_facts.hpp"
#include "scratch_dir.hpp"
#include "test_settings.hpp"

using dlenv::testing::settings_from_environment;

using namespace dlenv;

TEST(PortRange, ParsesFirstDashLast) {
  auto r = host::parse_port_range("30000-30099");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 30000);
  EXPECT_EQ(r->last, 30099);
}

TEST(PortRange, RejectsMalformedAndPrivilegedRanges) {
  for (const char* bad : {"", "30000", "30000-", "a-b", "300-400", "40000-30000", "30000-70000", "1x-2"}) {
    auto r = host::parse_port_range(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::usage);
    EXPECT_NE(r.error().hint.find("DLENV_PORT_RANGE=20000-20999"), std::string::npos);
  }
}

TEST(AptMirror, ReadsTheMainArchiveFromDeb822Sources) {
  dlenv::testing::ScratchDir etc;
  etc.write("sources.list.d/debian.sources",
            "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
            "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n");
  EXPECT_EQ(host::configured_apt_mirror(etc.path()), "http://mirror.example/debian");
}

TEST(AptMirror, ReadsOneLineSources) {
  dlenv::testing::ScratchDir etc;
  etc.write("sources.list", "# comment\ndeb [arch=amd64] http://ftp.example.org/debian bookworm main\n");
  EXPECT_EQ(host::configured_apt_mirror(etc.path()), "http://ftp.example.org/debian");
}

TEST(AptMirror, FallsBackToDebiansOwn) {
  dlenv::testing::ScratchDir etc;
  EXPECT_EQ(host::configured_apt_mirror(etc.path()), "http://deb.debian.org/debian");
}

TEST(HostFacts, OverridesComeFromTheEnvironment) {
  ::setenv("DLENV_HOME", "/srv/dlenv-home-test", 1);
  ::setenv("DLENV_CACHE_HOME", "/srv/dlenv-cache-test", 1);
  ::setenv("DLENV_PORT_RANGE", "25000-25009", 1);
  auto facts = host::probe_host(settings_from_environment());
  ::unsetenv("DLENV_HOME");
  ::unsetenv("DLENV_CACHE_HOME");
  ::unsetenv("DLENV_PORT_RANGE");
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->paths.data_dir, "/srv/dlenv-home-test");
  EXPECT_EQ(facts->paths.state_db(), "/srv/dlenv-home-test/state.db");
  EXPECT_EQ(facts->paths.cache_dir, "/srv/dlenv-cache-test");
  EXPECT_EQ(facts->ports.first, 25000);
  EXPECT_EQ(facts->ports.last, 25009);
}

TEST(HostFacts, SudoUserIsTheOneServedWhenRunningAsRoot) {
  if (::getuid() != 0) DLENV_SKIP_OUTSIDE_CI("SUDO_UID is honoured only as root");
  ::setenv("SUDO_UID", "4321", 1);
  ::setenv("SUDO_GID", "8765", 1);
  auto user = host::invoking_user();
  ::unsetenv("SUDO_UID");
  ::unsetenv("SUDO_GID");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->uid, 4321u);
  EXPECT_EQ(user->gid, 8765u);
  EXPECT_TRUE(user->via_sudo);
}

TEST(HostFacts, WithoutSudoTheRealUserIsServed) {
  ::unsetenv("SUDO_UID");
  ::unsetenv("SUDO_GID");
  auto user = host::invoking_user();
  ASSERT_TRUE(user);
  EXPECT_EQ(user->uid, ::getuid());
  EXPECT_FALSE(user->via_sudo);
}
