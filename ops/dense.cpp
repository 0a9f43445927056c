// dense: y[n, o] = sum_i x[n, i] w[o, i] + b[o], with w [out, in] as in the
// common convention. Derivative rules, each one matrix product:
//   grad_x = grad_y w          (dense_backward_data)
//   grad_w = grad_y^T x        (dense_backward_weight)
//   grad_b = sum_n grad_y      (channel_sum)
#include "ops/matmul.hpp"

namespace vkgan::ops {
namespace {

Shape dense_infer(const InferContext& ic) {
  const Shape &x = ic.inputs[0], &w = ic.inputs[1];
  if (x.rank() != 2) ic.fail("x must be [N, in], got {}", x);
  if (w.rank() != 2) ic.fail("w must be [out, in], got {}", w);
  if (w[1] != x[1]) ic.fail("w {} expects {} input features, got x {}", w, w[1], x);
  if (ic.has(2) && ic.inputs[2] != Shape{w[0]})
    ic.fail("b {} must be [{}] to match w {}", ic.inputs[2], w[0], w);
  return Shape{x[0], w[0]};
}

void dense_cpu(const Node&, std::span<const CpuTensor* const> in, CpuTensor& y) {
  const CpuTensor &x = *in[0], &w = *in[1];
  int64_t n = x.shape[0], k = x.shape[1], o = w.shape[0];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < o; ++j) {
      double s = in[2] ? in[2]->data[size_t(j)] : 0.0;
      for (int64_t l = 0; l < k; ++l) s += x.data[size_t(i * k + l)] * w.data[size_t(j * k + l)];
      y.data[size_t(i * o + j)] = s;
    }
}

std::vector<NodeId> dense_grad(GradBuilder& g) {
  std::vector<NodeId> out(3, kNoNode);
  if (g.wants(0)) out[0] = g.add("dense_backward_data", "grad_x", {g.output(), g.input(1)});
  if (g.wants(1)) out[1] = g.add("dense_backward_weight", "grad_w", {g.output(), g.input(0)});
  if (g.wants(2)) out[2] = g.add("channel_sum", "grad_b", {g.output()});
  return out;
}

Cost matmul_cost(const Node& n, const std::vector<Shape>& in, int64_t k) {
  Cost c;
  c.flops = 2.0 * double(n.shape.elements()) * double(k);
  c.bytes = double(n.shape.bytes());
  for (const Shape& s : in) c.bytes += double(s.bytes());
  return c;
}

OpDef dense_op() {
  OpDef d;
  d.name = "dense";
  d.inputs = {"x", "w", "b?"};
  d.infer = dense_infer;
  d.cpu = dense_cpu;
  d.grad = dense_grad;
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape &x = kc.inputs[0], &w = kc.inputs[1];
    uint32_t n = uint32_t(x[0]), k = uint32_t(x[1]), o = uint32_t(w[0]);
    matmul_kernel(kc, dp, {n, o, k, k, 1, 1, k, 0}, kc.present[2]);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return matmul_cost(n, in, in[0][1]);
  };
  return d;
}

// grad_x [N, in] = grad_y [N, out] * w [out, in].
OpDef backward_data_op() {
  OpDef d;
  d.name = "dense_backward_data";
  d.inputs = {"grad_y", "w", "unused?"};
  d.infer = [](const InferContext& ic) {
    const Shape &gy = ic.inputs[0], &w = ic.inputs[1];
    if (gy.rank() != 2 || w.rank() != 2 || gy[1] != w[0])
      ic.fail("grad_y {} does not match w {}", gy, w);
    return Shape{gy[0], w[1]};
  };
  d.cpu = [](const Node&, std::span<const CpuTensor* const> in, CpuTensor& gx) {
    const CpuTensor &gy = *in[0], &w = *in[1];
    int64_t n = gy.shape[0], o = gy.shape[1], k = w.shape[1];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t l = 0; l < k; ++l) {
        double s = 0;
        for (int64_t j = 0; j < o; ++j) s += gy.data[size_t(i * o + j)] * w.data[size_t(j * k + l)];
        gx.data[size_t(i * k + l)] = s;
      }
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape &gy = kc.inputs[0], &w = kc.inputs[1];
    uint32_t n = uint32_t(gy[0]), o = uint32_t(gy[1]), k = uint32_t(w[1]);
    matmul_kernel(kc, dp, {n, k, o, o, 1, k, 1, 0}, false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return matmul_cost(n, in, in[0][1]);
  };
  return d;
}

// grad_w [out, in] = grad_y^T [out, N] * x [N, in].
OpDef backward_weight_op() {
  OpDef d;
  d.name = "dense_backward_weight";
  d.inputs = {"grad_y", "x", "unused?"};
  d.infer = [](const InferContext& ic) {
    const Shape &gy = ic.inputs[0], &x = ic.inputs[1];
    if (gy.rank() != 2 || x.rank() != 2 || gy[0] != x[0])
      ic.fail("grad_y {} does not match x {}", gy, x);
    return Shape{gy[1], x[1]};
  };
  d.cpu = [](const Node&, std::span<const CpuTensor* const> in, CpuTensor& gw) {
    const CpuTensor &gy = *in[0], &x = *in[1];
    int64_t n = gy.shape[0], o = gy.shape[1], k = x.shape[1];
    for (int64_t j = 0; j < o; ++j)
      for (int64_t l = 0; l < k; ++l) {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += gy.data[size_t(i * o + j)] * x.data[size_t(i * k + l)];
        gw.data[size_t(j * k + l)] = s;
      }
  };
  d.kernel = [](const KernelContext& kc, Dispatch& dp) {
    const Shape &gy = kc.inputs[0], &x = kc.inputs[1];
    uint32_t n = uint32_t(gy[0]), o = uint32_t(gy[1]), k = uint32_t(x[1]);
    matmul_kernel(kc, dp, {o, k, n, 1, o, k, 1, 0}, false);
  };
  d.cost = [](const Node& n, const std::vector<Shape>& in) {
    return matmul_cost(n, in, in[0][0]);
  };
  return d;
}

}  // namespace

void register_dense(std::vector<OpDef>& out) {
  out.push_back(dense_op());
  out.push_back(backward_data_op());
  out.push_back(backward_weight_op());
}

}  // namespace vkgan::ops
