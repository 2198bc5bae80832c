#include "backends/docker/image_builder.hpp"

#include <fmt/format.h>

#include "backend/locks.hpp"
#include "plan/env_plan.hpp"
#include "render/build_context.hpp"
#include "util/digest.hpp"
#include "util/interrupt.hpp"

namespace dlenv::docker {

namespace {

constexpr const char* kContextHashLabel = "dlenv.context-hash";
// The id of the image a layer was built on: a layer found under its tag but built on another
// parent (rebuilt since, by another `up`) is stale.
constexpr const char* kParentIdLabel = "dlenv.parent-id";

bool label_is(const engine::ImageInfo& image, const char* label, const std::string& value) {
  auto it = image.labels.find(label);
  return it != image.labels.end() && it->second == value;
}

std::string context_hash(const render::BuildContext& ctx) {
  std::string all;
  for (const auto& f : ctx.files) all += fmt::format("{}\n{:o}\n{}\n{}\n", f.path, f.mode, f.content.size(), f.content);
  return sha256_hex(all);
}

}  // namespace

Status ensure_images(engine::Engine& engine, const host::HostFacts& host, backend::Progress& progress,
                     const std::string& subject, const plan::BuildPlan& plan) {
  bool rebuild_rest = false;  // once a layer is rebuilt, every layer built on it is too
  std::string parent_id;      // the image id of the layer before (the base's is in the content hash)
  for (const auto& layer : plan.layers) {
    if (interrupted()) return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish");
    auto kind = std::string(plan::to_string(layer.kind));
    auto rendered = DLENV_TRY(render::render_layer(layer));
    auto rendered_hash = context_hash(rendered);
    // Concurrent `up`s that need the same layer build it once: the others wait, then find it.
    auto lock = DLENV_TRY(backend::lock_named(host, "layer-" + layer.content_hash.substr(0, 16)));
    // The tag names the inputs; the context hash label catches a changed recipe under the same tag.
    auto existing = DLENV_TRY(engine.inspect_image(layer.tag));
    if (existing && !rebuild_rest && label_is(*existing, kContextHashLabel, rendered_hash) &&
        (parent_id.empty() || label_is(*existing, kParentIdLabel, parent_id))) {
      progress.phase(subject, fmt::format("{} layer {} (cached)", kind, layer.tag));
      parent_id = existing->id;
      continue;
    }
    rebuild_rest = true;
    progress.phase(subject, fmt::format("building {} layer {}", kind, layer.tag));
    engine::BuildRequest request;
    request.tag = layer.tag;
    for (auto& f : rendered.files) request.files.push_back({f.path, f.content, f.mode});
    request.labels = {{plan::label::managed, "1"},
                      {plan::label::layer, kind},
                      {plan::label::content_hash, layer.content_hash},
                      {kContextHashLabel, rendered_hash}};
    if (!parent_id.empty()) request.labels[kParentIdLabel] = parent_id;
    if (layer.kind == plan::LayerKind::user) request.labels[plan::label::owner] = std::to_string(layer.user.uid);
    auto built = engine.build_image(request, [&](std::string_view line) { progress.detail(subject, line); });
    if (!built) return fail(std::move(built.error()).while_(fmt::format("while building the {} layer {}", kind, layer.tag)));
    auto made = DLENV_TRY(engine.inspect_image(layer.tag));
    if (!made) return fail(ErrorCode::engine_api, fmt::format("the {} layer {} is missing after its build", kind, layer.tag), "run 'dlenv up' again");
    parent_id = made->id;
  }
  return {};
}

}  // namespace dlenv::docker
