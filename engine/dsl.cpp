// Layers of the model DSL, built from the primitive ops.
#include "engine/dsl.hpp"

namespace vkgan {
namespace {

Attrs normal_init() { return {{"init", std::string("normal")}, {"std", 0.02}}; }
Attrs constant_init(const char* v) { return {{"init", std::string(v)}}; }

std::vector<int64_t> pair(int64_t v) { return {v, v}; }
// Height and width, the width falling back to the height when 0.
std::vector<int64_t> pair(int64_t h, int64_t w) { return {h, w ? w : h}; }

}  // namespace

std::string Net::node_name(const std::string& layer) const {
  return g_.unique_name(net_.empty() ? layer : net_ + "." + layer);
}

Tensor Net::param(const std::string& name, const Shape& shape, const Attrs& init) {
  std::string full = net_ + "." + name;
  if (NodeId id = g_.find(full); id != kNoNode) {
    const Node& n = g_.node(id);
    if (n.role != Role::kParam) fail("'{}' names a node that is not a parameter", full);
    if (n.shape != shape)
      fail("parameter '{}': exists with shape {}, asked for {}", full, n.shape, shape);
    return {&g_, id};
  }
  Attrs a = init;
  a.set("shape", shape.dims());
  return {&g_, g_.add("param", full, {}, a, Role::kParam, net_)};
}

Tensor Net::op(const std::string& op, const std::string& layer, std::vector<Tensor> inputs,
               Attrs attrs) {
  std::vector<NodeId> ids;
  for (const Tensor& t : inputs) ids.push_back(t.graph ? t.id : kNoNode);
  return {&g_, g_.add(op, node_name(layer), ids, std::move(attrs), Role::kForward, net_)};
}

Tensor Net::unary(const std::string& op_name, Tensor x, Attrs attrs) {
  std::string base = g_.node(x.id).name + "." + op_name;
  return {&g_,
          g_.add(op_name, g_.unique_name(base), {x.id}, std::move(attrs), Role::kForward, net_)};
}

Tensor Net::dense(const std::string& layer, Tensor x, int64_t out, bool bias) {
  if (x.shape().rank() != 2)
    fail("dense '{}.{}': x must be [N, features], got {}", net_, layer, x.shape());
  Tensor w = param(layer + ".w", Shape{out, x.shape()[1]}, normal_init());
  Tensor b = bias ? param(layer + ".b", Shape{out}, constant_init("zeros")) : Tensor{};
  return op("dense", layer, {x, w, b});
}

static Attrs conv_attrs(const ConvOptions& o, bool transposed) {
  Attrs a{{"stride", pair(o.stride, o.stride_w)},
          {"padding", std::vector<int64_t>{o.padding, o.padding_w < 0 ? o.padding : o.padding_w}},
          {"dilation", pair(o.dilation)},
          {"groups", o.groups}};
  if (transposed) a.set("output_padding", pair(o.output_padding));
  return a;
}

Tensor Net::conv2d(const std::string& layer, Tensor x, int64_t out, ConvOptions o) {
  const Shape& s = x.shape();
  if (s.rank() != 4) fail("conv2d '{}.{}': x must be [N, C, H, W], got {}", net_, layer, s);
  if (o.groups <= 0 || s[1] % o.groups)
    fail("conv2d '{}.{}': {} channels do not split into {} groups", net_, layer, s[1], o.groups);
  int64_t kw = o.kernel_w ? o.kernel_w : o.kernel;
  Tensor w = param(layer + ".w", Shape{out, s[1] / o.groups, o.kernel, kw}, normal_init());
  Tensor b = o.bias ? param(layer + ".b", Shape{out}, constant_init("zeros")) : Tensor{};
  return op("conv2d", layer, {x, w, b}, conv_attrs(o, false));
}

Tensor Net::conv_transpose2d(const std::string& layer, Tensor x, int64_t out, ConvOptions o) {
  const Shape& s = x.shape();
  if (s.rank() != 4)
    fail("conv_transpose2d '{}.{}': x must be [N, C, H, W], got {}", net_, layer, s);
  if (o.groups <= 0 || out % o.groups)
    fail("conv_transpose2d '{}.{}': {} outputs do not split into {} groups", net_, layer, out,
         o.groups);
  int64_t kw = o.kernel_w ? o.kernel_w : o.kernel;
  Tensor w = param(layer + ".w", Shape{s[1], out / o.groups, o.kernel, kw}, normal_init());
  Tensor b = o.bias ? param(layer + ".b", Shape{out}, constant_init("zeros")) : Tensor{};
  return op("conv_transpose2d", layer, {x, w, b}, conv_attrs(o, true));
}

Tensor Net::batch_norm(const std::string& layer, Tensor x, double eps) {
  if (x.shape().rank() != 2 && x.shape().rank() != 4)
    fail("batch_norm '{}.{}': x must be [N, C] or [N, C, H, W], got {}", net_, layer, x.shape());
  int64_t c = x.shape()[1];
  Tensor gamma = param(layer + ".gamma", Shape{c}, constant_init("ones"));
  Tensor beta = param(layer + ".beta", Shape{c}, constant_init("zeros"));
  Tensor stats = op("batch_norm_stats", layer + ".stats", {x}, {{"eps", eps}});
  return op("batch_norm_apply", layer, {x, stats, gamma, beta});
}

Tensor Net::leaky_relu(Tensor x, double slope) {
  return unary("leaky_relu", x, {{"slope", slope}});
}

Tensor Net::reshape(Tensor x, std::vector<int64_t> dims) {
  return unary("reshape", x, {{"shape", std::move(dims)}});
}

Tensor Net::flatten(Tensor x) { return reshape(x, {x.shape()[0], -1}); }

Tensor Net::upsample_nearest(Tensor x, int64_t s, int64_t s_w) {
  return unary("upsample_nearest2d", x, {{"scale", pair(s, s_w)}});
}

Tensor Net::upsample_bilinear(Tensor x, int64_t s, bool align_corners, int64_t s_w) {
  return unary("upsample_bilinear2d", x,
               {{"scale", pair(s, s_w)}, {"align_corners", align_corners}});
}

static Attrs pool_attrs(const PoolOptions& o, bool avg) {
  int64_t kw = o.kernel_w ? o.kernel_w : o.kernel;
  Attrs a{{"kernel", pair(o.kernel, kw)},
          {"stride", o.stride ? pair(o.stride, o.stride_w) : pair(o.kernel, kw)},
          {"padding", pair(o.padding)},
          {"ceil_mode", o.ceil_mode}};
  if (avg) a.set("count_include_pad", o.count_include_pad);
  return a;
}

Tensor Net::max_pool(Tensor x, PoolOptions o) {
  return unary("max_pool2d", x, pool_attrs(o, false));
}
Tensor Net::avg_pool(Tensor x, PoolOptions o) {
  return unary("avg_pool2d", x, pool_attrs(o, true));
}

Tensor input(Graph& g, const std::string& name, const Shape& shape) {
  return {&g, g.add("input", name, {}, {{"shape", shape.dims()}}, Role::kInput)};
}

Tensor constant(Graph& g, const std::string& name, const Shape& shape, double value) {
  return {&g, g.add("fill", g.unique_name(name), {}, {{"shape", shape.dims()}, {"value", value}})};
}

Tensor noise(Graph& g, const std::string& name, const Shape& shape, uint64_t seed, uint32_t stream,
             int64_t counter) {
  Attrs a{{"shape", shape.dims()},
          {"seed", int64_t(seed)},
          {"stream", int64_t(stream)},
          {"counter", counter}};
  return {&g, g.add("noise", g.unique_name(name), {}, a)};
}

static std::string name_or(Tensor x, const std::string& name, const char* suffix) {
  return x.graph->unique_name(name.empty() ? x.name() + "." + suffix : name);
}

Tensor add(Tensor a, Tensor b, const std::string& name) {
  return {a.graph, a.graph->add("add", name_or(a, name, "add"), {a.id, b.id})};
}

Tensor scale(Tensor x, double a, double b, const std::string& name) {
  return {x.graph, x.graph->add("scale", name_or(x, name, "scale"), {x.id}, {{"a", a}, {"b", b}})};
}

Tensor mean(Tensor x, const std::string& name) {
  return {x.graph, x.graph->add("mean", name_or(x, name, "mean"), {x.id})};
}

Tensor stop_gradient(Tensor x) {
  return {x.graph, x.graph->add("stop_gradient", name_or(x, "", "stop"), {x.id})};
}

Tensor loss_against(const std::string& op, Tensor x, double target, const std::string& name) {
  Graph& g = *x.graph;
  Tensor t = constant(g, name + ".target", x.shape(), target);
  return {&g, g.add(op, g.unique_name(name), {x.id, t.id})};
}

NodeId build_op(Graph& g, const std::string& op, const std::string& name,
                const std::vector<NodeId>& inputs, const Attrs& attrs) {
  if (op != "batch_norm") return g.add(op, name, inputs, attrs);
  if (inputs.size() != 3)
    fail("batch_norm '{}': takes x, gamma and beta, got {} inputs", name, inputs.size());
  Attrs eps{{"eps", attrs.real("eps", 1e-5)}};
  NodeId stats = g.add("batch_norm_stats", name + ".stats", {inputs[0]}, eps);
  return g.add("batch_norm_apply", name, {inputs[0], stats, inputs[1], inputs[2]});
}

}  // namespace vkgan
