#include "ops/image_builder.hpp"

#include <fmt/format.h>

#include "plan/env_plan.hpp"
#include "render/build_context.hpp"
#include "util/interrupt.hpp"

namespace dlenv::ops {

Status ensure_images(Context& ctx, const std::string& subject, const plan::BuildPlan& plan) {
  auto& engine = ctx.engine();
  for (const auto& layer : plan.layers) {
    if (interrupted()) return fail(ErrorCode::interrupted, "interrupted", "run 'dlenv up' again to finish");
    auto kind = std::string(plan::to_string(layer.kind));
    if (DLENV_TRY(engine.inspect_image(layer.tag))) {
      ctx.progress().phase(subject, fmt::format("{} layer {} (cached)", kind, layer.tag));
      continue;
    }
    ctx.progress().phase(subject, fmt::format("building {} layer {}", kind, layer.tag));
    auto rendered = render::render_layer(layer);
    engine::BuildRequest request;
    request.tag = layer.tag;
    for (auto& f : rendered.files) request.files.push_back({f.path, f.content, f.mode});
    request.labels = {{plan::label::managed, "1"}, {plan::label::layer, kind}, {plan::label::content_hash, layer.content_hash}};
    if (layer.kind == plan::LayerKind::user) request.labels[plan::label::owner] = std::to_string(layer.user.uid);
    auto built = engine.build_image(request, [&](std::string_view line) { ctx.progress().detail(subject, line); });
    if (!built) return fail(std::move(built.error()).while_(fmt::format("while building the {} layer {}", kind, layer.tag)));
  }
  return {};
}

}  // namespace dlenv::ops
