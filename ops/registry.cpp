// The list of op families; adding an op file means adding a line here.
#include "ops/common.hpp"

namespace vkgan {

void register_builtin_ops(std::vector<OpDef>& out) {
  ops::register_values(out);
  ops::register_arith(out);
  ops::register_activation(out);
  ops::register_dense(out);
  ops::register_reduce(out);
  ops::register_loss(out);
  ops::register_noise(out);
  ops::register_adam(out);
  ops::register_pool(out);
  ops::register_upsample(out);
  ops::register_batch_norm(out);
  ops::register_concat(out);
  ops::register_conv(out);
  ops::register_conv_transpose(out);
}

}  // namespace vkgan
