#include <gtest/gtest.h>

#include "ops/access/remote.hpp"
#include "render/ssh_config.hpp"

using namespace dlenv;

TEST(TunnelInfo, WhatTheServerPrintsParsesBack) {
  ops::TunnelInfo info{"demo", "dlenv-demo-1234abcd", "ada", "http://127.0.0.1:20001/dlenv/demo/?token=t0k", 20001, 20002,
                       "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"};
  auto parsed = ops::parse_tunnel_info(ops::format_tunnel_info(info).value());
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->container, info.container);
  EXPECT_EQ(parsed->user, "ada");
  EXPECT_EQ(parsed->jupyter_url, info.jupyter_url);
  EXPECT_EQ(parsed->jupyter_port, 20001);
  EXPECT_EQ(parsed->ssh_port, 20002);
  EXPECT_EQ(parsed->host_key, info.host_key);
}

TEST(TunnelInfo, AnAnswerWithoutAnEnvironmentIsAnError) {
  auto parsed = ops::parse_tunnel_info("bash: dlenv: command not found\n");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().hint.find("dlenv remote"), std::string::npos);
}

TEST(RemoteArgv, QuotesEachWordForTheServersShell) {
  ops::RemoteTarget target{"ada@gpu", "jump", "dlenv", {"Port=2222"}};
  auto argv = ops::remote_argv(target, {"exec", "demo", "--", "echo", "two words"});
  EXPECT_EQ(argv, (std::vector<std::string>{"ssh", "-J", "jump", "-o", "Port=2222", "ada@gpu", "--", "dlenv exec demo -- echo 'two words'"}));
}

TEST(JumpHosts, CarryTheServersPortAndTheJumpHost) {
  ops::RemoteTarget target{"ada@gpu", "", "dlenv", {"StrictHostKeyChecking=no", "Port=2222"}};
  EXPECT_EQ(ops::jump_hosts(target), "ada@gpu:2222");
  target.ssh_options = {"port 2200"};
  target.via = "bastion";
  EXPECT_EQ(ops::jump_hosts(target), "bastion,ada@gpu:2200");
  target.ssh_options = {"PortX=1", "Port=notaport"};
  target.via.clear();
  EXPECT_EQ(ops::jump_hosts(target), "ada@gpu") << "only a whole port number counts";
}

TEST(JumpHosts, AQuoteOrNewlineInTheServerNeverReachesTheSshConfig) {
  for (const char* server : {"ada@gpu\"x", "ada@gpu\nProxyCommand sh", "ada@gpu x"}) {
    ops::RemoteTarget target{server, "", "dlenv", {"Port=2222"}};
    render::SshHostBlock block;
    block.alias = "dlenv-demo";
    block.port = 20002;
    block.user = "ada";
    block.host_key_alias = "dlenv-demo-1234abcd";
    block.known_hosts_file = "/home/ada/.ssh/dlenv/known_hosts.remote";
    block.proxy_jump = ops::jump_hosts(target);
    EXPECT_FALSE(render::ssh_host_block(block)) << server;
  }
}

TEST(TunnelInfo, AValueWithANewlineOrQuoteCannotAddALine) {
  ops::TunnelInfo info{"demo", "dlenv-demo-1234abcd", "ada", "http://127.0.0.1:20001/dlenv/demo/\nssh_port=22", 20001, 20002, ""};
  EXPECT_FALSE(ops::format_tunnel_info(info));
  info.jupyter_url = "http://127.0.0.1:20001/dlenv/\"demo'/";  // quotes are plain characters in this form
  auto parsed = ops::parse_tunnel_info(ops::format_tunnel_info(info).value());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->jupyter_url, info.jupyter_url);
  EXPECT_EQ(parsed->ssh_port, 20002);
}
