// The Vulkan runtime on real dispatches: round trips, folded grids, binding
// offsets, push constants, the pipeline cache and device choice.
#include <doctest/doctest.h>

#include <filesystem>
#include <numeric>

#include "engine/error.hpp"
#include "engine/vulkan/commands.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

struct FillParams {
  uint32_t n;
  float a, b;
};

// Runs y = a*x + b*i over `n` elements with work groups of `local` lanes.
std::vector<float> run_fill(Context& ctx, const std::vector<float>& x, float a, float b,
                            uint32_t local = 64) {
  size_t bytes = x.size() * sizeof(float);
  Buffer in = ctx.allocator().allocate(bytes), out = ctx.allocator().allocate(bytes);
  upload(ctx, in, x.data(), bytes);
  KernelSpec spec{"test_transform_forward", 2, {local, 1, 1}, {}};
  Dispatch d;
  d.kernel = &ctx.pipelines().get(spec);
  d.bindings = {bind(in), bind(out)};
  d.set_push(FillParams{uint32_t(x.size()), a, b});
  d.groups = (x.size() + local - 1) / local;
  d.label = "fill";
  CommandList list(ctx);
  list.record({d});
  submit_and_wait(ctx, {&list});
  std::vector<float> y(x.size());
  download(ctx, out, y.data(), bytes);
  return y;
}

TEST_CASE_FIXTURE(test::GpuTest, "upload, transform and read back is exact") {
  std::vector<float> x(1000);
  std::iota(x.begin(), x.end(), -500.0f);
  auto y = run_fill(ctx, x, 2.0f, 0.0f);
  for (size_t i = 0; i < x.size(); ++i) REQUIRE(y[i] == 2.0f * x[i]);
}

TEST_CASE_FIXTURE(test::GpuTest, "push constants reach the kernel") {
  std::vector<float> x(10, 0.0f);
  auto y = run_fill(ctx, x, 1.0f, 3.0f);
  for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == 3.0f * float(i));
}

TEST_CASE_FIXTURE(test::GpuTest, "a dispatch over more than 65535 work groups is folded") {
  const uint32_t local = 1;
  size_t n = size_t(ctx.limits().max_work_group_count[0]) * local + 777;
  std::vector<float> x(n, 1.0f);
  auto y = run_fill(ctx, x, 1.0f, 1.0f, local);
  CHECK(y.front() == 1.0f);
  CHECK(y[65535] == 65536.0f);
  CHECK(y.back() == float(n));
}

TEST_CASE("fold_groups stays within the grid limits") {
  const uint32_t max[3] = {65535, 65535, 65535};
  for (uint64_t g : {uint64_t(1), uint64_t(65535), uint64_t(65536), uint64_t(65535) * 65535 + 1}) {
    auto f = fold_groups(g, max);
    CHECK(uint64_t(f[0]) * f[1] * f[2] >= g);
    CHECK(f[0] <= max[0]);
    CHECK(f[1] <= max[1]);
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "sub-allocations at odd offsets bind without messages") {
  // Allocate sizes that are not multiples of the alignment so that later
  // buffers start at offsets only the alignment rule makes valid.
  std::vector<Buffer> spacers;
  for (size_t s : {4, 12, 20, 36}) spacers.push_back(ctx.allocator().allocate(s));
  std::vector<float> x(37, 1.5f);
  auto y = run_fill(ctx, x, 2.0f, 0.0f);
  for (float v : y) CHECK(v == 3.0f);
}

TEST_CASE("a larger forced alignment gives the same results") {
  ContextOptions o = options_from_env();
  o.min_alignment = 256;
  Context ctx(o);
  std::vector<Buffer> spacers;
  for (size_t s : {4, 12, 20}) spacers.push_back(ctx.allocator().allocate(s));
  Buffer probe = ctx.allocator().allocate(4);
  CHECK(probe.offset() % 256 == 0);
  std::vector<float> x(300);
  std::iota(x.begin(), x.end(), 0.0f);
  auto y = run_fill(ctx, x, -1.0f, 0.5f);
  for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == -x[i] + 0.5f * float(i));
  for (const auto& m : ctx.take_validation_messages()) FAIL_CHECK(m);
}

TEST_CASE("the pipeline cache is written and read on the next start") {
  if (feature_disabled("pipeline_cache")) {
    MESSAGE("skipped: VKGAN_DISABLE switches the pipeline cache off");
    return;
  }
  auto dir = test::scratch_dir("pipeline-cache");
  setenv("XDG_CACHE_HOME", dir.c_str(), 1);
  std::filesystem::path file;
  {
    Context ctx(options_from_env());
    run_fill(ctx, std::vector<float>(4, 1.0f), 1.0f, 0.0f);
    file = ctx.pipelines().file();
    CHECK(ctx.pipelines().loaded_bytes() == 0);
  }
  CHECK(std::filesystem::exists(file));
  CHECK(std::filesystem::file_size(file) > 0);
  {
    Context ctx(options_from_env());
    CHECK(ctx.pipelines().loaded_bytes() == std::filesystem::file_size(file));
  }
  unsetenv("XDG_CACHE_HOME");
}

TEST_CASE("choosing a device that does not exist lists the ones that do") {
  ContextOptions o = options_from_env();
  o.device = "99";
  try {
    Context ctx(o);
    FAIL("no error for device 99");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK(msg.find("device '99' not found") != std::string::npos);
    CHECK(msg.find("0: ") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(test::GpuTest, "the validation layer reports misuse") {
  if (!ctx.validating()) {
    MESSAGE("skipped: VKGAN_VALIDATE is not set");
    return;
  }
  // A zero-sized buffer breaks a valid-usage rule of vkCreateBuffer.
  VkBufferCreateInfo ci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  ci.size = 0;
  ci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer b = VK_NULL_HANDLE;
  vkCreateBuffer(ctx.device(), &ci, nullptr, &b);
  if (b) vkDestroyBuffer(ctx.device(), b, nullptr);
  CHECK(!ctx.take_validation_messages().empty());
}

}  // namespace
}  // namespace vkgan
