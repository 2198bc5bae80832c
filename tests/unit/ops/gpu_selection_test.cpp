#include <gtest/gtest.h>

#include "ops/environments/gpu_selection.hpp"

using namespace dlenv;
using Kind = spec::GpuRequest::Kind;

namespace {

host::GpuFacts four_gpus() {
  host::GpuFacts f;
  for (int i = 0; i < 4; ++i) {
    host::Gpu g;
    g.index = i;
    g.name = "NVIDIA A100-SXM4-40GB";
    g.uuid = "GPU-000" + std::to_string(i);
    g.compute_capability = *Version::parse("8.0");
    f.gpus.push_back(g);
  }
  return f;
}

spec::GpuRequest request(Kind kind, int count = 0, std::vector<std::string> devices = {}) {
  spec::GpuRequest r;
  r.kind = kind;
  r.count = count;
  r.devices = std::move(devices);
  return r;
}

std::vector<std::string> uuids(const ops::GpuChoice& c) {
  std::vector<std::string> out;
  for (const auto& g : c.gpus) out.push_back(g.uuid);
  return out;
}

}  // namespace

TEST(GpuSelection, UnspecifiedMeansEveryGpuWhenThereAreAny) {
  auto c = ops::select_gpus(request(Kind::unspecified), four_gpus(), {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->all);
  EXPECT_EQ(c->gpus.size(), 4u);
  auto none = ops::select_gpus(request(Kind::unspecified), {}, {});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->gpus.empty());
  EXPECT_FALSE(none->all);
}

TEST(GpuSelection, AllWithoutGpusIsAnError) {
  auto c = ops::select_gpus(request(Kind::all), {}, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::incompatible);
  EXPECT_NE(c.error().hint.find("dlenv host"), std::string::npos);
}

TEST(GpuSelection, CountPicksFreeGpusLeastUsedFirst) {
  std::map<std::string, ops::GpuUse> use = {
      {"GPU-0000", {1, 1}},  // held by a running env
      {"GPU-0001", {0, 3}},  // free, but often assigned
      {"GPU-0002", {0, 0}},
      {"GPU-0003", {0, 1}},
  };
  auto c = ops::select_gpus(request(Kind::count, 2), four_gpus(), use);
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(uuids(*c), (std::vector<std::string>{"GPU-0002", "GPU-0003"}));
  EXPECT_FALSE(c->all);
}

TEST(GpuSelection, CountBeyondTheFreeGpusSaysHowManyAreFree) {
  std::map<std::string, ops::GpuUse> use = {{"GPU-0000", {1, 1}}, {"GPU-0001", {2, 2}}};
  auto c = ops::select_gpus(request(Kind::count, 3), four_gpus(), use);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::conflict);
  EXPECT_EQ(c.error().message, "3 GPUs asked for, 2 of 4 free (the others are held by running environments)");
}

TEST(GpuSelection, DevicesByIndexOrUuid) {
  auto c = ops::select_gpus(request(Kind::devices, 0, {"2", "GPU-0000", "0"}), four_gpus(), {});
  ASSERT_TRUE(c);
  EXPECT_EQ(uuids(*c), (std::vector<std::string>{"GPU-0002", "GPU-0000"}));
  auto missing = ops::select_gpus(request(Kind::devices, 0, {"GPU-ffff"}), four_gpus(), {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "GPU 'GPU-ffff' is not on this host");
  EXPECT_NE(missing.error().hint.find("0 NVIDIA A100-SXM4-40GB (GPU-0000)"), std::string::npos);
}

TEST(GpuSelection, NoneIsNone) {
  auto c = ops::select_gpus(request(Kind::none), four_gpus(), {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->gpus.empty());
}
