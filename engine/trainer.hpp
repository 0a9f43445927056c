// The training job behind `vkgan train`: runs k D steps per G step with the
// data, noise and optimiser state on the device, uploads each batch while
// the previous iteration computes (double-buffered staging), and writes the
// run folder:
//   config.json            every setting, the device, the engine version
//   losses.csv             step, epoch, loss_d, loss_g, D(x), D(G(z)), seconds
//   losses.png             the loss curves
//   samples/epoch-NNN.png  an 8x8 grid from a fixed noise batch, each epoch
//   checkpoint.safetensors weights, Adam state, step and counters; written
//                          atomically after every epoch, at the end and on
//                          Ctrl-C
//   eval/epoch-NNN/        with --eval-every K: `vkgan eval` of as many
//                          generated images as --holdout keeps aside, every
//                          K epochs (HDF5 data only)
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/dataset.hpp"
#include "engine/gan.hpp"

namespace vkgan {

struct TrainConfig {
  std::string model = "dcgan28";  // "layout" for a model given as layout strings
  // TMVA-style strings (engine/layout.hpp): when `layout` is set the model
  // is built from it and `input_layout`. The strategy's optimiser keys are
  // applied by train(); its BatchSize, MaxEpochs and DSteps must already be
  // in `batch`, `epochs` and `d_steps` (apply_training_strategy does it).
  std::string input_layout, layout, training_strategy;
  std::filesystem::path data;  // empty: Fashion-MNIST from Debian's package
  // HDF5 data (a .h5 file): the dataset, the preprocessing, the last images
  // kept aside for evaluation, and how often to evaluate (0: never).
  std::string key = "image";
  Preprocess preprocess;
  int64_t holdout = 0;
  int64_t eval_every = 0;
  double threshold = 1e-3;
  // Read back from config.json: the HDF5 dataset's stored shape, which
  // `vkgan sample --out FILE.h5` keeps.
  std::vector<int64_t> data_dims;
  std::filesystem::path out = "runs/dcgan28";
  int64_t epochs = 5;
  int64_t max_steps = 0;  // 0: no limit
  int64_t batch = 64;
  int64_t d_steps = 1;
  double lr = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;
  uint64_t seed = 1;
  std::string loss = "bce";
  std::string device;
  int64_t log_every = 10;
  int64_t limit = 0;  // use at most this many training images (0: all)
  bool force = false;
  bool resume = false;
  bool quiet = false;
};

struct TrainResult {
  int64_t steps = 0;        // iterations completed in total
  bool interrupted = false;
  double seconds = 0;
  std::filesystem::path checkpoint;
  // Messages of the Vulkan validation layer (VKGAN_VALIDATE=1), each also
  // printed to stderr as it came.
  size_t validation_messages = 0;
};

// Set from a signal handler to stop at the next iteration boundary.
extern std::atomic<bool> g_stop_training;

// A lost device (VK_ERROR_DEVICE_LOST) ends it with an Error naming the
// device, the step and the checkpoint kept; none is written after the loss.
TrainResult train(const TrainConfig& config);

// Reads a run folder's config.json back (for --resume).
TrainConfig read_run_config(const std::filesystem::path& out);

// Copies the training strategy's BatchSize, MaxEpochs and DSteps into `c`.
void apply_training_strategy(TrainConfig& c);

// The model a run trains: the registered one, or the one its layout
// strings describe, held by `own`.
const GanModel& model_of(const TrainConfig& c, std::optional<GanModel>& own);

}  // namespace vkgan
