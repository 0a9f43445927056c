// Device-vs-reference and finite-difference checks for one op.
#include "tests/ops/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "tests/support.hpp"

namespace vkgan::test {
namespace {

double rel_error(const std::vector<float>& got, const std::vector<double>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double d = double(got[i]) - ref[i];
    if (!std::isfinite(got[i])) return INFINITY;
    num += d * d;
    den += ref[i] * ref[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

std::string describe(const std::string& op, const Attrs& attrs, const OpCall& call) {
  std::string s = op + " {" + attrs.str() + "}";
  for (const auto& [name, t] : call.inputs) s += " " + name + t.shape.str();
  return s;
}

// L = sum(y * dy) in float64 for the given exact inputs.
double objective(const OpCall& call, const std::map<std::string, CpuTensor>& exact) {
  OpCall fwd = call;
  fwd.dy.reset();
  fwd.wanted.clear();
  CpuOpResult r = run_op_cpu(fwd, exact);
  double l = 0;
  for (size_t i = 0; i < r.output.data.size(); ++i)
    l += r.output.data[i] * double(call.dy->data[i]);
  return l;
}

bool check_finite_differences(const OpCall& call, const CpuOpResult& ref, const OpCheckOptions& o,
                              std::mt19937& rng, const std::string& what) {
  std::map<std::string, CpuTensor> exact;
  for (const auto& [name, t] : call.inputs) {
    CpuTensor c(t.shape);
    std::copy(t.data.begin(), t.data.end(), c.data.begin());
    exact[name] = c;
  }
  bool ok = true;
  for (const std::string& w : call.wanted) {
    CpuTensor& x = exact[w];
    std::uniform_int_distribution<size_t> pick(0, x.data.size() - 1);
    for (int s = 0; s < o.fd_samples; ++s) {
      size_t i = pick(rng);
      double keep = x.data[i];
      x.data[i] = keep + o.fd_step;
      double up = objective(call, exact);
      x.data[i] = keep - o.fd_step;
      double down = objective(call, exact);
      x.data[i] = keep;
      double fd = (up - down) / (2 * o.fd_step), an = ref.grads.at(w).data[i];
      double err = std::abs(fd - an) / std::max({std::abs(fd), std::abs(an), 1e-3});
      if (err > o.fd_tol) {
        FAIL_CHECK(what << ": grad_" << w << "[" << i << "] analytic " << an << " vs finite "
                        << "difference " << fd << " (relative error " << err << ", tolerance "
                        << o.fd_tol << ")");
        ok = false;
      }
    }
  }
  return ok;
}

}  // namespace

Shape random_shape(std::mt19937& rng, size_t rank, int64_t max_dim) {
  std::uniform_int_distribution<int64_t> d(1, max_dim);
  std::vector<int64_t> dims(rank);
  for (auto& v : dims) v = d(rng);
  return Shape(dims);
}

HostTensor random_tensor(const Shape& s, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  HostTensor t{s, std::vector<float>(size_t(s.elements()))};
  for (float& v : t.data) v = float(dist(rng));
  return t;
}

bool check_op(const std::string& op, const Attrs& attrs, const std::vector<OpCheckInput>& inputs,
              uint32_t seed, const OpCheckOptions& o) {
  std::mt19937 rng(seed);
  OpCall call{op, attrs, {}, std::nullopt, {}};
  for (const OpCheckInput& in : inputs) {
    call.inputs.push_back({in.name, random_tensor(in.shape, rng, in.lo, in.hi)});
    if (in.differentiable) call.wanted.push_back(in.name);
  }
  std::string what = describe(op, attrs, call);
  CpuOpResult shape_probe = run_op_cpu({op, attrs, call.inputs, std::nullopt, {}});
  call.dy = random_tensor(shape_probe.output.shape, rng);
  CpuOpResult ref = run_op_cpu(call);

  bool ok = true;
  if (o.check_device) {
    OpResult got = run_op_device(gpu(), call);
    double e = rel_error(got.output.data, ref.output.data);
    if (!(e <= o.device_tol)) {
      FAIL_CHECK(what << ": output differs from the reference by " << e << " (tolerance "
                      << o.device_tol << ")");
      ok = false;
    }
    for (const std::string& w : call.wanted) {
      double eg = rel_error(got.grads.at(w).data, ref.grads.at(w).data);
      if (!(eg <= o.device_tol)) {
        FAIL_CHECK(what << ": grad_" << w << " differs from the reference by " << eg
                        << " (tolerance " << o.device_tol << ")");
        ok = false;
      }
    }
  }
  return check_finite_differences(call, ref, o, rng, what) && ok;
}

}  // namespace vkgan::test
