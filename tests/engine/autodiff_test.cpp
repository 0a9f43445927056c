// Autodiff as a graph transformation: fan-out sums, stop-gradient, pruning.
#include <doctest/doctest.h>

#include "engine/autodiff.hpp"
#include "engine/dsl.hpp"
#include "engine/reference.hpp"

namespace vkgan {
namespace {

CpuTensor values(Shape s, std::vector<double> v) {
  CpuTensor t(std::move(s));
  t.data = std::move(v);
  return t;
}

size_t count_op(const Graph& g, const std::string& op) {
  size_t n = 0;
  for (NodeId i = 0; i < g.size(); ++i) n += g.node(i).op == op;
  return n;
}

TEST_CASE("a tensor that fans out gets the sum of its consumers' gradients") {
  // loss = sum(relu(w x) + tanh(w x)) with h = w x used twice.
  Graph g;
  Tensor x = input(g, "x", Shape{2, 3});
  Net n(g, "net");
  Tensor h = n.dense("fc", x, 2, false);
  Tensor loss = {&g, g.add("sum", "loss", {add(n.relu(h), n.tanh(h)).id})};
  NodeId w = g.find("net.fc.w");
  Gradients grads = differentiate(g, loss.id, {w});
  REQUIRE(grads.of.count(w));
  CHECK(count_op(g, "add") == 2);  // the forward add and one gradient sum

  std::map<NodeId, CpuTensor> feeds{{x.id, values({2, 3}, {0.5, -1, 2, 1, 0.25, -0.5})},
                                    {w, values({2, 3}, {0.3, 0.2, -0.1, -0.4, 0.1, 0.6})}};
  auto v = evaluate_reference(g, feeds);
  // d/dw[o,i] = sum_n (relu'(h) + tanh'(h))[n,o] * x[n,i]
  const CpuTensor& hv = v.at(h.id);
  const CpuTensor& gw = v.at(grads.of.at(w));
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 3; ++i) {
      double expect = 0;
      for (int b = 0; b < 2; ++b) {
        double hh = hv.data[size_t(b * 2 + o)], t = std::tanh(hh);
        expect += ((hh > 0 ? 1 : 0) + (1 - t * t)) * feeds.at(x.id).data[size_t(b * 3 + i)];
      }
      CHECK(gw.data[size_t(o * 3 + i)] == doctest::Approx(expect));
    }
}

TEST_CASE("stop_gradient blocks gradients") {
  Graph g;
  Net n(g, "net");
  Tensor p = n.param("p", Shape{3}, {{"init", std::string("ones")}});
  Tensor loss = mean(stop_gradient(n.tanh(p)));
  Gradients grads = differentiate(g, loss.id, {p.id});
  CHECK(grads.of.empty());
  CHECK(grads.nodes_added == 0);
}

TEST_CASE("autodiff computes only the gradients something needs") {
  // A two-network chain: loss depends on a and b, but only b's gradient is
  // asked for, so nothing may compute a weight gradient of the first layer.
  Graph g;
  Tensor x = input(g, "x", Shape{4, 5});
  Net first(g, "first"), second(g, "second");
  Tensor h = first.dense("fc", x, 6);
  Tensor y = second.dense("fc", first.relu(h), 1);
  Tensor loss = mean(y);
  size_t before = g.size();
  Gradients grads = differentiate(g, loss.id, g.params("second"));
  CHECK(grads.of.size() == 2);
  CHECK(count_op(g, "dense_backward_weight") == 1);
  CHECK(count_op(g, "dense_backward_data") == 0);  // x's side needs nothing
  CHECK(count_op(g, "relu_backward") == 0);
  // seed, broadcast (mean), dense weight grad, bias channel_sum
  CHECK(g.size() - before == 4);

  // Asking for the first network's weights adds the path through the second.
  Gradients all = differentiate(g, loss.id, g.params("first"));
  CHECK(all.of.size() == 2);
  CHECK(count_op(g, "dense_backward_data") == 1);
  CHECK(count_op(g, "relu_backward") == 1);
}

TEST_CASE("a missing derivative rule is an error naming the op") {
  Graph g;
  Net n(g, "net");
  Tensor p = n.param("p", Shape{2}, {{"init", std::string("ones")}});
  // channel_sum has no rule: it only ever appears in backward graphs.
  Tensor s = {&g, g.add("channel_sum", "cs", {n.reshape(p, {1, 2}).id})};
  Tensor loss = mean(s);
  CHECK_THROWS_WITH(differentiate(g, loss.id, {p.id}),
                    doctest::Contains("op channel_sum (node 'cs') has no derivative rule"));
}

TEST_CASE("a bad model fails where it is written, naming op, node and shapes") {
  Graph g;
  Tensor x = input(g, "x", Shape{8, 10});
  Net n(g, "disc");
  Tensor w = n.param("fc.w", Shape{4, 12}, {});
  CHECK_THROWS_WITH(n.op("dense", "fc", {x, w}),
                    doctest::Contains("dense 'disc.fc': w [4,12] expects 12 input features, got "
                                      "x [8,10]"));
}

}  // namespace
}  // namespace vkgan
