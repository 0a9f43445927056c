// The product probe: one dispatch recorded once and timed over replays.
#include "engine/ceiling.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "engine/cost.hpp"
#include "engine/error.hpp"
#include "engine/vulkan/commands.hpp"

namespace vkgan {
namespace {

struct ProbeParams {
  uint32_t m, n, k, tiles_n;
};

// The probe's tensors, its recorded dispatch and a way to replay it.
class Probe {
 public:
  Probe(Context& ctx, const ProbeShape& s, ProbeOperands operands)
      : ctx_(ctx),
        a_(ctx.allocator().allocate(bytes(s.m * s.k))),
        b_(ctx.allocator().allocate(bytes(s.k * s.n))),
        c_(ctx.allocator().allocate(bytes(s.m * s.n))),
        list_(ctx) {
    VKGAN_ASSERT(s.block_m <= 32 && s.block_n <= 32, "probe blocks {}x{} over 32", s.block_m,
                 s.block_n);
    bool texel = operands == ProbeOperands::kTexel;
    uint32_t lanes = probe_lanes(ctx);
    KernelSpec spec{texel ? "probe_gemm_texel" : "probe_gemm", 3, {lanes, 1, 1},
                    {s.block_m, s.block_n, operands == ProbeOperands::kRegisters ? 0u : 1u},
                    texel ? 0b11u : 0u};
    Dispatch d;
    d.kernel = &ctx.pipelines().get(spec);
    d.bindings = {bind(a_), bind(b_), bind(c_)};
    uint32_t tile_n = lanes * s.block_n;
    ProbeParams p{uint32_t(s.m), uint32_t(s.n), uint32_t(s.k),
                  uint32_t((s.n + tile_n - 1) / tile_n)};
    d.set_push(p);
    d.groups = uint64_t((s.m + s.block_m - 1) / s.block_m) * p.tiles_n;
    d.label = "probe_gemm";
    list_.record({d});
  }

  void upload(const std::vector<float>& a, const std::vector<float>& b) {
    vkgan::upload(ctx_, a_, a.data(), a.size() * sizeof(float));
    vkgan::upload(ctx_, b_, b.data(), b.size() * sizeof(float));
  }
  void run() { submit_and_wait(ctx_, {&list_}); }
  std::vector<float> result() {
    std::vector<float> c(c_.size() / sizeof(float));
    download(ctx_, c_, c.data(), c_.size());
    return c;
  }

 private:
  static VkDeviceSize bytes(int64_t elements) { return VkDeviceSize(elements) * sizeof(float); }
  Context& ctx_;
  Buffer a_, b_, c_;
  CommandList list_;
};

}  // namespace

uint32_t probe_lanes(const Context& ctx) {
  return std::clamp(ctx.limits().subgroup_size, 4u, 64u);
}

const char* probe_operands_name(ProbeOperands o) {
  switch (o) {
    case ProbeOperands::kStorage: return "storage buffers";
    case ProbeOperands::kTexel: return "texel buffers";
    case ProbeOperands::kRegisters: return "registers (no loads)";
  }
  return "?";
}

std::vector<float> probe_product(Context& ctx, const ProbeShape& s, ProbeOperands operands,
                                 const std::vector<float>& a, const std::vector<float>& b) {
  VKGAN_ASSERT(int64_t(a.size()) == s.m * s.k && int64_t(b.size()) == s.k * s.n,
               "probe operands of {} and {} elements for {}x{}x{}", a.size(), b.size(), s.m,
               s.n, s.k);
  Probe probe(ctx, s, operands);
  probe.upload(a, b);
  probe.run();
  return probe.result();
}

std::vector<CeilingRow> measure_ceiling(Context& ctx, int runs) {
  std::vector<ProbeOperands> kinds = {ProbeOperands::kStorage, ProbeOperands::kRegisters};
  if (ctx.features().texel_buffers) kinds.insert(kinds.begin() + 1, ProbeOperands::kTexel);
  // One pair of operands for every case: only the blocks and bindings vary.
  ProbeShape s;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(size_t(s.m * s.k)), b(size_t(s.k * s.n));
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  std::vector<CeilingRow> rows;
  for (auto [bm, bn] : {std::pair{16u, 24u}, {8u, 16u}, {4u, 3u}})
    for (ProbeOperands kind : kinds) {
      s.block_m = bm, s.block_n = bn;
      Probe probe(ctx, s, kind);
      probe.upload(a, b);
      probe.run();  // the first run also compiles the pipeline on some drivers
      std::vector<double> ms;
      for (int r = 0; r < runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        probe.run();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
      }
      double t = median(ms);
      rows.push_back({kind, s, t, 2.0 * double(s.m * s.n * s.k) / t * 1e-6});
    }
  return rows;
}

}  // namespace vkgan
