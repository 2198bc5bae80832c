// Image references, environment names and other name syntax.
#include <gtest/gtest.h>

#include "spec/loader.hpp"
#include "spec/names.hpp"

namespace dlenv::spec {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(ImageReference, AcceptsDockerReferences) {
  for (const std::string& ref : std::vector<std::string>{"debian", "debian:bookworm", "dlenv/debian:bookworm", "library/python:3.12-slim",
                                "ghcr.io/acme/cuda:12.4.1-cudnn-runtime-ubuntu22.04", "localhost:5000/team/img",
                                "registry.example.com:443/a/b/c:v1", "my_org/my__img", "a-b---c.d_e/x", "nvcr.io/nvidia/pytorch:24.05-py3",
                                "debian@" + kDigest, "debian:bookworm@" + kDigest, "Registry.Example.COM/img",
                                "img:_TAG.1-x", "localhost:5000"}) {
    EXPECT_TRUE(is_valid_image_reference(ref)) << ref;
  }
}

TEST(ImageReference, RejectsMalformedReferences) {
  for (const std::string& ref : std::vector<std::string>{
           "", "Debian", "debian:", ":tag", "debian:-bad", "debian:" + std::string(129, 't'), "my_/img", "a__ _b",
        "img/", "/img", "a//b", "-img", "img-", "img.", "a___b", "debian@sha256:abc", "debian@" + kDigest + "x",
        "debian@sha512:" + std::string(64, 'a'), "debian@sha256:" + std::string(64, 'A'), "bad host:5000/img",
        "host:port/img", "my img", "img:tag:extra", std::string(256, 'a')}) {
    EXPECT_FALSE(is_valid_image_reference(ref)) << ref;
  }
  EXPECT_TRUE(is_valid_image_reference(std::string(255, 'a')));
}

TEST(EnvName, DerivedFromFolderNames) {
  EXPECT_EQ(env_name_from_folder("My Project"), "my-project");
  EXPECT_EQ(env_name_from_folder("demo"), "demo");
  EXPECT_EQ(env_name_from_folder("  Deep  Learning!! v2 "), "deep-learning-v2");
  EXPECT_EQ(env_name_from_folder("my.project_x"), "my-project_x");
  EXPECT_EQ(env_name_from_folder("__init__"), "init__");
  EXPECT_EQ(env_name_from_folder("Überprojekt"), "berprojekt");
  EXPECT_EQ(env_name_from_folder(""), "env");
  EXPECT_EQ(env_name_from_folder("!!!"), "env");
  EXPECT_EQ(env_name_from_folder("/"), "env");
  const std::string long_name = env_name_from_folder(std::string(62, 'a') + " b");
  EXPECT_EQ(long_name, std::string(62, 'a'));
}

TEST(EnvName, DerivedNamesAreAlwaysValid) {
  for (std::string_view folder : {"My Project", "", "x", "-lead", "A.B.C", "tab\tname", "ÄÖÜ", "9lives"}) {
    EXPECT_TRUE(is_valid_env_name(env_name_from_folder(folder))) << folder;
  }
}

TEST(EnvName, Grammar) {
  EXPECT_TRUE(is_valid_env_name("demo"));
  EXPECT_TRUE(is_valid_env_name("py3.11"));
  EXPECT_TRUE(is_valid_env_name("0_a-b.c"));
  EXPECT_TRUE(is_valid_env_name(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_env_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_env_name(""));
  EXPECT_FALSE(is_valid_env_name("-demo"));
  EXPECT_FALSE(is_valid_env_name("_demo"));
  EXPECT_FALSE(is_valid_env_name("Demo"));
  EXPECT_FALSE(is_valid_env_name("my env"));
}

TEST(EnvVarName, Grammar) {
  EXPECT_TRUE(is_valid_env_var_name("MY_VAR"));
  EXPECT_TRUE(is_valid_env_var_name("_x1"));
  EXPECT_TRUE(is_valid_env_var_name("lower"));
  EXPECT_FALSE(is_valid_env_var_name(""));
  EXPECT_FALSE(is_valid_env_var_name("1VAR"));
  EXPECT_FALSE(is_valid_env_var_name("MY-VAR"));
  EXPECT_FALSE(is_valid_env_var_name("A=B"));
}

TEST(AptPackage, Grammar) {
  EXPECT_TRUE(is_valid_apt_package("git"));
  EXPECT_TRUE(is_valid_apt_package("g++"));
  EXPECT_TRUE(is_valid_apt_package("libstdc++6"));
  EXPECT_TRUE(is_valid_apt_package("python3.11-venv"));
  EXPECT_TRUE(is_valid_apt_package("curl=7.88.1-10+deb12u5"));
  EXPECT_TRUE(is_valid_apt_package("pkg=1:2.0~rc1"));
  EXPECT_FALSE(is_valid_apt_package("x"));
  EXPECT_FALSE(is_valid_apt_package("Git"));
  EXPECT_FALSE(is_valid_apt_package("-git"));
  EXPECT_FALSE(is_valid_apt_package("git="));
  EXPECT_FALSE(is_valid_apt_package("git=1 2"));
  EXPECT_FALSE(is_valid_apt_package("git; rm -rf /"));
  EXPECT_FALSE(is_valid_apt_package("=1.0"));
}

}  // namespace
}  // namespace dlenv::spec
