// ssh client config and known_hosts text: a value can never add a directive.
#include <gtest/gtest.h>

#include "render/ssh_config.hpp"
#include <functional>

#include "util/text.hpp"

namespace dlenv::render {
namespace {

SshHostBlock sample() {
  SshHostBlock b;
  b.alias = "dlenv-demo";
  b.comment = "demo in /srv/p";
  b.port = 20001;
  b.user = "ada";
  b.identity_file = "/home/ada/.ssh/dlenv/id_ed25519";
  b.host_key_alias = "dlenv-demo-1234abcd";
  b.known_hosts_file = "/home/ada/.ssh/dlenv/known_hosts";
  return b;
}

TEST(SshConfig, ABlockHasOneDirectivePerLine) {
  auto text = ssh_host_block(sample());
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_EQ(*text,
            "Host dlenv-demo\n"
            "  # demo in /srv/p\n"
            "  HostName 127.0.0.1\n"
            "  Port 20001\n"
            "  User ada\n"
            "  IdentityFile /home/ada/.ssh/dlenv/id_ed25519\n"
            "  IdentitiesOnly yes\n"
            "  HostKeyAlias dlenv-demo-1234abcd\n"
            "  UserKnownHostsFile /home/ada/.ssh/dlenv/known_hosts\n"
            "  StrictHostKeyChecking yes\n");
}

TEST(SshConfig, ANewlineInTheProjectPathStaysInsideTheComment) {
  auto b = sample();
  b.comment = "demo in /tmp/p/nl\n  ProxyCommand sh -c \"touch /tmp/PWNED; nc %h %p\"\n#";
  auto text = ssh_host_block(b);
  ASSERT_TRUE(text) << text.error().describe();
  for (const auto& line : split(*text, '\n')) EXPECT_FALSE(trim(line).starts_with("ProxyCommand")) << *text;
  EXPECT_EQ(split(*text, '\n').size(), 11u) << *text;  // ten lines and the final newline
}

TEST(SshConfig, NamesWithSpacesOrControlCharactersAreRefused) {
  for (auto change : std::vector<std::function<void(SshHostBlock&)>>{
           [](SshHostBlock& b) { b.alias = "*"; },
           [](SshHostBlock& b) { b.alias = "dlenv-x\nHost *"; },
           [](SshHostBlock& b) { b.user = "ada ProxyCommand x"; },
           [](SshHostBlock& b) { b.host_key_alias = "x\ry"; },
           [](SshHostBlock& b) { b.proxy_jump = "-oProxyCommand=x"; },
           [](SshHostBlock& b) { b.identity_file = "/home/a\n  ProxyCommand x"; },
           [](SshHostBlock& b) { b.known_hosts_file = "/x\"y"; },
           [](SshHostBlock& b) { b.port = 0; }}) {
    auto b = sample();
    change(b);
    auto text = ssh_host_block(b);
    EXPECT_FALSE(text) << *text;
    if (!text) {
      EXPECT_EQ(text.error().describe().find('\n'), std::string::npos) << text.error().describe();
    }
  }
}

TEST(SshConfig, PathsAreQuotedAndTheirTokensEscaped) {
  auto b = sample();
  b.identity_file = "/home/my user/%h/key";
  auto text = ssh_host_block(b);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("  IdentityFile \"/home/my user/%%h/key\"\n"), std::string::npos) << *text;
}

TEST(KnownHosts, OnlyTypeAndBase64PassAndTheCommentIsDropped) {
  auto line = known_hosts_line("dlenv-demo-1234abcd", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/x+y= dlenv host key of demo");
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "dlenv-demo-1234abcd ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/x+y=\n");
  EXPECT_FALSE(known_hosts_line("dlenv-x", "ssh-ed25519"));
  EXPECT_FALSE(known_hosts_line("dlenv-x", "ssh-ed25519 AAAA\nevil"));
  EXPECT_FALSE(known_hosts_line("a b", "ssh-ed25519 AAAA"));
}

}  // namespace
}  // namespace dlenv::render

namespace dlenv::render {
namespace {

TEST(AuthorizedKeys, OnlyPlainPublicKeysPass) {
  EXPECT_EQ(public_key_line("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB+abc ada@laptop "),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB+abc ada@laptop");
  EXPECT_FALSE(public_key_line("-----BEGIN OPENSSH PRIVATE KEY-----"));
  EXPECT_FALSE(public_key_line("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
  EXPECT_FALSE(public_key_line("aws_secret_access_key = abc"));
  EXPECT_FALSE(public_key_line("command=\"x\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB+abc"));
  EXPECT_FALSE(public_key_line("ssh-ed25519 AAAA"));
}

}  // namespace
}  // namespace dlenv::render
