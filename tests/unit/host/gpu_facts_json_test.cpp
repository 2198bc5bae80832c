#include "host/gpu_facts_json.hpp"

#include <gtest/gtest.h>

#include "fake_driver_tree.hpp"
#include "test_settings.hpp"

using dlenv::testing::settings_from_environment;

using namespace dlenv;
using dlenv::testing::ScopedEnv;
using dlenv::testing::ScratchDir;

namespace {

host::GpuFacts sample_facts() {
  host::GpuFacts f;
  host::GpuDriver d;
  d.version = *Version::parse("580.65.06");
  d.version_text = "580.65.06";
  d.cuda_driver_version = *Version::parse("13.0");
  d.version_source = "nvml";
  d.cuda_source = "cuDriverGetVersion";
  f.driver = d;
  f.gpus.push_back({0, "NVIDIA H100 80GB HBM3", dlenv::testing::kH100Uuid, *Version::parse("9.0"), 81559, "nvml"});
  f.gpus.push_back({1, "Tesla T4", dlenv::testing::kT4Uuid, *Version::parse("7.5"), 15360, "nvml"});
  f.gpus.push_back({2, "Mystery \"GPU\"", "", Version(), 0, "nvidia-smi"});
  f.origin = "probe";
  f.notes = {"nvidia-smi: not used", "a note with \"quotes\" and \\ backslash"};
  return f;
}

// Saved then read back: the same facts, origin apart.
void expect_round_trip(const host::GpuFacts& facts) {
  for (bool pretty : {true, false}) {
    auto back = host::gpu_facts_from_json(host::gpu_facts_to_json(facts, pretty), "facts.json");
    ASSERT_TRUE(back) << back.error().describe();
    EXPECT_EQ(back->origin, "facts.json");
    back->origin = facts.origin;
    EXPECT_TRUE(*back == facts) << host::gpu_facts_to_json(*back, true) << "\nvs\n"
                                << host::gpu_facts_to_json(facts, true);
    EXPECT_EQ(host::gpu_facts_to_json(*back, pretty), host::gpu_facts_to_json(facts, pretty));
  }
}

Error parse_error(const std::string& text) {
  auto r = host::gpu_facts_from_json(text, "/etc/dlenv/host.json");
  EXPECT_FALSE(r) << text;
  return r ? Error() : r.error();
}

}  // namespace

TEST(GpuFactsJson, WritesTheDocumentedSchema) {
  std::string text = host::gpu_facts_to_json(sample_facts(), false);
  EXPECT_NE(text.find(R"("driver_version":"580.65.06")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("cuda_driver_version":"13.0")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"index":0,"name":"NVIDIA H100 80GB HBM3","uuid":")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("compute_capability":"9.0","memory_mib":81559)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("compute_capability":null)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("sources":{"driver_version":"nvml","cuda_driver_version":"cuDriverGetVersion"})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("notes":["nvidia-smi: not used")"), std::string::npos) << text;
}

TEST(GpuFactsJson, NoDriverIsWrittenAsNull) {
  host::GpuFacts none;
  none.notes = {"no NVIDIA driver found"};
  std::string text = host::gpu_facts_to_json(none, false);
  EXPECT_NE(text.find(R"("driver_version":null,"cuda_driver_version":null,"gpus":[])"), std::string::npos) << text;
}

TEST(GpuFactsJson, RoundTrips) {
  expect_round_trip(sample_facts());

  host::GpuFacts none;
  none.origin = "probe";
  none.notes = {"no NVIDIA driver found"};
  expect_round_trip(none);

  auto no_cuda = sample_facts();
  no_cuda.driver->cuda_driver_version = Version();
  no_cuda.driver->cuda_source = "";
  no_cuda.driver->version_source = "/proc/driver/nvidia/version";
  no_cuda.gpus.clear();
  expect_round_trip(no_cuda);
}

TEST(GpuFactsJson, SavedFileLoadsBack) {
  ScratchDir dir;
  auto path = dir.path() / "host.json";
  ASSERT_TRUE(host::save_gpu_facts(sample_facts(), path));
  auto back = host::load_gpu_facts(path);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->origin, path.string());
  back->origin = "probe";
  EXPECT_TRUE(*back == sample_facts());
}

TEST(GpuFactsJson, HandWrittenFileWithExtraKeysAndNoSources) {
  auto r = host::gpu_facts_from_json(
      R"({"user": {"name": "ada"}, "driver_version": "535.183.01", "cuda_driver_version": "12.2",
          "gpus": [{"index": 0, "name": "Tesla T4", "compute_capability": "7.5", "memory_mib": 15360}]})",
      "hand.json");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_TRUE(r->driver);
  EXPECT_EQ(r->driver->version_string(), "535.183.01");
  EXPECT_EQ(r->driver->version_source, "file");
  EXPECT_EQ(r->driver->cuda_source, "file");
  ASSERT_EQ(r->gpus.size(), 1u);
  EXPECT_EQ(r->gpus[0].source, "file");
  EXPECT_EQ(r->gpus[0].compute_capability.str(), "7.5");
  EXPECT_TRUE(r->notes.empty());
}

TEST(GpuFactsJson, MalformedValueIsAConfigErrorNamingFileAndKey) {
  auto e = parse_error(R"({"driver_version": "580.65.06", "cuda_driver_version": "13.0",
      "gpus": [{"index": 0, "memory_mib": 81559}, {"index": 1, "memory_mib": "lots"}]})");
  EXPECT_EQ(e.code, ErrorCode::config);
  EXPECT_NE(e.message.find("/etc/dlenv/host.json"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("\"gpus[1].memory_mib\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("lots"), std::string::npos) << e.message;
  EXPECT_NE(e.hint.find("MiB"), std::string::npos) << e.hint;
}

TEST(GpuFactsJson, OtherMalformedKeysAreNamed) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c : {
           Case{R"({"driver_version": "five-eighty"})", "\"driver_version\""},
           Case{R"({"driver_version": 580})", "\"driver_version\""},
           Case{R"({"driver_version": "580.65.06", "cuda_driver_version": "x"})", "\"cuda_driver_version\""},
           Case{R"({"driver_version": null, "cuda_driver_version": "13.0"})", "\"cuda_driver_version\""},
           Case{R"({"gpus": {"index": 0}})", "\"gpus\""},
           Case{R"({"gpus": [{"name": "T4"}]})", "\"gpus[0].index\""},
           Case{R"({"gpus": [{"index": 0}, {"index": 0}]})", "\"gpus[1].index\""},
           Case{R"({"gpus": [{"index": 0, "compute_capability": 7.5}]})", "\"gpus[0].compute_capability\""},
           Case{R"({"gpus": [{"index": 0, "uuid": 7}]})", "\"gpus[0].uuid\""},
           Case{R"({"driver_version": "1.2", "sources": {"driver_version": 3}})", "\"sources.driver_version\""},
           Case{R"({"notes": ["ok", 3]})", "\"notes[1]\""},
           Case{R"([1, 2])", "(top level)"},
       }) {
    auto e = parse_error(c.text);
    EXPECT_EQ(e.code, ErrorCode::config) << c.text;
    EXPECT_NE(e.message.find(c.key), std::string::npos) << c.text << " -> " << e.message;
    EXPECT_NE(e.message.find("/etc/dlenv/host.json"), std::string::npos) << e.message;
    EXPECT_FALSE(e.hint.empty()) << c.text;
  }
}

TEST(GpuFactsJson, SyntaxErrorHasALocation) {
  auto e = parse_error("{\n  \"driver_version\": \"580.65.06\",\n  \"gpus\": [,]\n}\n");
  EXPECT_EQ(e.code, ErrorCode::config);
  ASSERT_TRUE(e.where);
  EXPECT_EQ(e.where->file, "/etc/dlenv/host.json");
  EXPECT_EQ(e.where->line, 3);
  EXPECT_FALSE(e.hint.empty());
}

TEST(GpuFactsForHost, HonoursDlenvHostFacts) {
  ScratchDir dir;
  auto path = dir.write("saved.json", host::gpu_facts_to_json(sample_facts(), true));
  ScopedEnv facts_env("DLENV_HOST_FACTS", path.string());
  ScopedEnv root_env("DLENV_HOST_ROOT", (dir.path() / "empty-root").string());
  auto facts = host::gpu_facts_for_host(settings_from_environment());
  ASSERT_TRUE(facts) << facts.error().describe();
  EXPECT_EQ(facts->origin, path.string());
  ASSERT_TRUE(facts->driver);
  EXPECT_EQ(facts->driver->version_string(), "580.65.06");
  ASSERT_EQ(facts->gpus.size(), 3u);
  EXPECT_EQ(facts->gpus[1].name, "Tesla T4");
}

TEST(GpuFactsForHost, ABadDlenvHostFactsFileIsAnError) {
  ScratchDir dir;
  auto path = dir.write("bad.json", R"({"gpus": [{"index": "zero"}]})");
  {
    ScopedEnv facts_env("DLENV_HOST_FACTS", path.string());
    auto facts = host::gpu_facts_for_host(settings_from_environment());
    ASSERT_FALSE(facts);
    EXPECT_EQ(facts.error().code, ErrorCode::config);
    EXPECT_NE(facts.error().message.find("gpus[0].index"), std::string::npos);
    ASSERT_FALSE(facts.error().context.empty());
    EXPECT_NE(facts.error().context.back().find("DLENV_HOST_FACTS"), std::string::npos);
  }
  {
    ScopedEnv facts_env("DLENV_HOST_FACTS", (dir.path() / "missing.json").string());
    auto facts = host::gpu_facts_for_host(settings_from_environment());
    ASSERT_FALSE(facts);
    EXPECT_EQ(facts.error().code, ErrorCode::not_found);
    EXPECT_NE(facts.error().hint.find("dlenv host --json"), std::string::npos);
  }
}
