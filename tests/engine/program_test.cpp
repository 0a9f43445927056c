// Programs: replay is exact and allocation-free, barriers order dependent
// dispatches, long chains fit their descriptor pools, and the memory plan
// shares memory without overlapping live tensors.
#include "engine/program.hpp"

#include <doctest/doctest.h>

#include "engine/dsl.hpp"
#include "engine/vulkan/context.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

// x -> scale -> scale -> ... (n times), each reading the previous result.
struct Chain {
  Graph g;
  NodeId x = kNoNode, y = kNoNode;
  Chain(int64_t elements, int n, double a, double b) {
    Tensor t = input(g, "x", Shape{elements});
    x = t.id;
    for (int i = 0; i < n; ++i) t = scale(t, a, b, "s" + std::to_string(i));
    y = t.id;
  }
};

TEST_CASE_FIXTURE(test::GpuTest,
                  "dependent dispatches ping-ponging over millions of floats are exact") {
  const int64_t n = 3 << 20;
  Chain c(n, 64, 1.0, 1.0);  // y = x + 64, exact in float32 for small x
  Workspace ws(ctx, 0);
  Program p(ws, c.g, {{c.y}, {}, false});
  CHECK(p.stats().barriers == 63);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[size_t(i)] = float(i % 1000);
  p.write(c.x, x);
  for (int run = 0; run < 3; ++run) {
    p.run();
    std::vector<float> y = p.read(c.y);
    size_t bad = 0;
    for (int64_t i = 0; i < n; ++i) bad += y[size_t(i)] != float(i % 1000) + 64.0f;
    CHECK(bad == 0);
  }
  // Ping-pong: intermediate tensors share two slots of the arena.
  CHECK(p.stats().planned_bytes < p.stats().naive_bytes / 10);
}

TEST_CASE_FIXTURE(test::GpuTest, "replaying a program is bit-identical and allocates nothing") {
  Graph g;
  Tensor x = input(g, "x", Shape{64, 37});
  Net n(g, "net");
  Tensor y = mean(n.tanh(n.dense("fc2", n.relu(n.dense("fc1", x, 29)), 3)));
  Workspace ws(ctx, 5);
  Program p(ws, g, {{y.id}, {}, false});
  std::vector<float> xv(64 * 37);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = std::sin(float(i));
  p.write(x.id, xv);
  p.run();
  std::vector<float> first = p.read(y.id);
  uint64_t in_use = ctx.allocator().bytes_in_use();
  size_t blocks = ctx.allocator().block_count();
  Fence fence(ctx);
  for (int i = 0; i < 100; ++i) {
    p.submit(fence.handle());
    fence.wait();
    fence.reset();
  }
  CHECK(ctx.allocator().bytes_in_use() == in_use);
  CHECK(ctx.allocator().block_count() == blocks);
  CHECK(p.read(y.id) == first);
}

TEST_CASE_FIXTURE(test::GpuTest, "a chain of 2000 small dispatches records and runs") {
  Chain c(16, 2000, 1.0, 0.5);
  Workspace ws(ctx, 0);
  Program p(ws, c.g, {{c.y}, {}, false});
  CHECK(p.stats().dispatches == 2000);
  p.write(c.x, std::vector<float>(16, 0.0f));
  p.run();
  CHECK(p.read(c.y) == std::vector<float>(16, 1000.0f));
}

TEST_CASE_FIXTURE(test::GpuTest, "independent dispatches share one barrier") {
  Graph g;
  Tensor x = input(g, "x", Shape{100});
  Tensor a = scale(x, 2.0, 0.0, "a"), b = scale(x, 3.0, 0.0, "b"), c = scale(x, 4.0, 0.0, "c");
  Tensor s = add(add(a, b, "ab"), c, "abc");
  Workspace ws(ctx, 0);
  Program p(ws, g, {{s.id}, {}, false});
  // a, b, c read only x: no barrier among them; then ab, then abc.
  CHECK(p.stats().dispatches == 5);
  CHECK(p.stats().barriers == 2);
  p.write(x.id, std::vector<float>(100, 1.0f));
  p.run();
  CHECK(p.read(s.id) == std::vector<float>(100, 9.0f));
}

TEST_CASE_FIXTURE(test::GpuTest,
                  "a tensor just above maxStorageBufferRange is processed to its last element") {
  uint64_t range = ctx.limits().max_storage_buffer_range;
  if (range > (uint64_t(512) << 20)) {
    MESSAGE("skipped: this device binds " << (range >> 20) << " MiB; too large to exceed here");
    return;
  }
  int64_t n = int64_t(range / sizeof(float)) + 1000;
  Graph g;
  Tensor x = input(g, "x", Shape{n});
  Net none(g, "");
  Tensor y = none.relu(scale(x, 2.0, 1.0, "y"));
  Workspace ws(ctx, 0);
  Program p(ws, g, {{y.id}, {}, false});
  CHECK(p.stats().dispatches == 4);  // two windows for each of the two nodes
  std::vector<float> xv(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) xv[size_t(i)] = float(i % 4096) - 2048.0f;
  p.write(x.id, xv);
  p.run();
  std::vector<float> yv = p.read(y.id);
  size_t bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += yv[size_t(i)] != std::max(2.0f * xv[size_t(i)] + 1.0f, 0.0f);
  CHECK(bad == 0);
  CHECK(yv.back() == std::max(2.0f * xv.back() + 1.0f, 0.0f));
}

TEST_CASE_FIXTURE(
    test::GpuTest,
    "a tensor above maxStorageBufferRange for a kernel that cannot split is refused") {
  uint64_t range = ctx.limits().max_storage_buffer_range;
  if (range > (uint64_t(512) << 20)) {
    MESSAGE("skipped: this device binds " << (range >> 20) << " MiB; too large to exceed here");
    return;
  }
  Graph g;
  Tensor x = input(g, "x", Shape{int64_t(range / sizeof(float)) + 1000});
  Tensor s = mean(x, "m");
  Workspace ws(ctx, 0);
  CHECK_THROWS_WITH(Program(ws, g, {{s.id}, {}, false}),
                    doctest::Contains("mean 'm': a tensor of 128.0 MiB exceeds"));
}

}  // namespace
}  // namespace vkgan
