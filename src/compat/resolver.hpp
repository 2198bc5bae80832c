#pragma once
// compat::resolve: a framework request × the host's driver and GPUs → the CUDA, framework
// build, Python and base image to use, with every rule that decided and every candidate
// rejected, or the constraint that failed and the nearest ways out.
#include "compat/knowledge_base.hpp"
#include "compat/resolution.hpp"
#include "host/gpu_facts.hpp"

namespace dlenv::compat {

// `gpus` are the GPUs the environment will use (empty: CPU only, or unknown host).
Resolution resolve(const KnowledgeBase& kb, const Request& request, const host::GpuFacts& host_gpus);

// Parses "torch==2.3.1", "torch>=2.7", "tensorflow==1.15.*", "jax" into a request.
Result<Request> parse_framework_request(std::string_view text);

}  // namespace dlenv::compat
