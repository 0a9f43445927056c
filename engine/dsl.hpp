// The model DSL. A `Net` adds layers of one network to a graph; each call
// adds nodes, infers shapes and checks inputs at once, and creates the
// layer's parameters (named "<net>.<layer>.w", ".b", ".gamma", ".beta")
// or reuses them when the same layer is applied again, as a discriminator
// is to real and to generated images. A model reads like its table:
//
//   Net g(graph, "gen");
//   Tensor h = g.dense("fc", z, 128 * 7 * 7);
//   h = g.relu(g.batch_norm("bn1", g.reshape(h, {-1, 128, 7, 7})));
//   h = g.conv_transpose2d("deconv1", h, 64, {.kernel = 4, .stride = 2, .padding = 1});
#pragma once

#include <string>
#include <vector>

#include "engine/graph.hpp"

namespace vkgan {

struct Tensor {
  Graph* graph = nullptr;
  NodeId id = kNoNode;
  const Shape& shape() const { return graph->shape(id); }
  const std::string& name() const { return graph->node(id).name; }
};

struct ConvOptions {
  int64_t kernel = 3;
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  int64_t output_padding = 0;  // transposed convolution only
  bool bias = true;
  // A rectangular kernel, stride or padding: the width's value, with the
  // fields above the height's (0, or -1 for padding: the same as the height's).
  int64_t kernel_w = 0, stride_w = 0, padding_w = -1;
};

struct PoolOptions {
  int64_t kernel = 2;
  int64_t stride = 0;  // 0: the kernel size
  int64_t padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;       // avg_pool2d only
  int64_t kernel_w = 0, stride_w = 0;  // rectangular windows (0: as kernel, stride)
};

class Net {
 public:
  Net(Graph& g, std::string name) : g_(g), net_(std::move(name)) {}
  const std::string& name() const { return net_; }
  Graph& graph() { return g_; }

  Tensor param(const std::string& name, const Shape& shape, const Attrs& init);

  Tensor dense(const std::string& layer, Tensor x, int64_t out, bool bias = true);
  Tensor conv2d(const std::string& layer, Tensor x, int64_t out, ConvOptions o);
  Tensor conv_transpose2d(const std::string& layer, Tensor x, int64_t out, ConvOptions o);
  Tensor batch_norm(const std::string& layer, Tensor x, double eps = 1e-5);

  Tensor relu(Tensor x) { return unary("relu", x); }
  Tensor leaky_relu(Tensor x, double slope = 0.2);
  Tensor sigmoid(Tensor x) { return unary("sigmoid", x); }
  Tensor tanh(Tensor x) { return unary("tanh", x); }

  Tensor reshape(Tensor x, std::vector<int64_t> dims);
  Tensor flatten(Tensor x);
  // scale_w: the width's scale when it differs from the height's (0: same).
  Tensor upsample_nearest(Tensor x, int64_t scale, int64_t scale_w = 0);
  Tensor upsample_bilinear(Tensor x, int64_t scale, bool align_corners = false,
                           int64_t scale_w = 0);
  Tensor max_pool(Tensor x, PoolOptions o);
  Tensor avg_pool(Tensor x, PoolOptions o);

  // Adds any op node of this network; `layer` names it.
  Tensor op(const std::string& op, const std::string& layer, std::vector<Tensor> inputs,
            Attrs attrs = {});

 private:
  Tensor unary(const std::string& op, Tensor x, Attrs attrs = {});
  std::string node_name(const std::string& layer) const;
  Graph& g_;
  std::string net_;
};

// Graph-level helpers outside any network.
Tensor input(Graph& g, const std::string& name, const Shape& shape);
Tensor constant(Graph& g, const std::string& name, const Shape& shape, double value);
Tensor noise(Graph& g, const std::string& name, const Shape& shape, uint64_t seed, uint32_t stream,
             int64_t counter = -1);
Tensor add(Tensor a, Tensor b, const std::string& name = "");
Tensor scale(Tensor x, double a, double b = 0.0, const std::string& name = "");
Tensor mean(Tensor x, const std::string& name = "");
Tensor stop_gradient(Tensor x);
// A loss against a constant target (1 for real, 0 for fake), mean over the batch.
Tensor loss_against(const std::string& op, Tensor x, double target, const std::string& name);

// Builds one op from its conformance-style description: most ops are one
// node; batch_norm expands into its statistics and apply nodes. Returns the
// node holding the op's result.
NodeId build_op(Graph& g, const std::string& op, const std::string& name,
                const std::vector<NodeId>& inputs, const Attrs& attrs);

}  // namespace vkgan
