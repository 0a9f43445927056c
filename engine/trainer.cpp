// The training loop and the run folder.
#include "engine/trainer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checkpoint.hpp"
#include "engine/dataset.hpp"
#include "engine/diagnose.hpp"
#include "engine/evaluate.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/plot.hpp"
#include "engine/io/png.hpp"
#include "engine/layout.hpp"
#include "engine/vulkan/context.hpp"

namespace vkgan {

std::atomic<bool> g_stop_training{false};

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct LossRow {
  int64_t step, epoch;
  double loss_d, loss_g, d_real, d_fake, seconds;
};

nlohmann::json optimizer_json(const OptimizerOptions& o) {
  nlohmann::json j = {
      {"kind", optimizer_name(o.kind)}, {"lr", o.lr}, {"weight_decay", o.weight_decay}};
  if (o.kind == Optimizer::kSgd)
    j["momentum"] = o.momentum;
  else
    j["beta1"] = o.beta1, j["beta2"] = o.beta2;
  return j;
}

nlohmann::json config_json(const TrainConfig& c, const Context& ctx, const GanOptions& go) {
  // "optimizer" records what the training strategy resolved to, for the
  // reader; a resumed run resolves it again from the strategy and lr, betas.
  return {
      {"vkgan", VKGAN_VERSION},
      {"model", c.model},
      {"input_layout", c.input_layout},
      {"layout", c.layout},
      {"training_strategy", c.training_strategy},
      {"optimizer", {{"gen", optimizer_json(go.optim_g)}, {"disc", optimizer_json(go.optim_d)}}},
      {"data", c.data.string()},
      {"epochs", c.epochs},
      {"max_steps", c.max_steps},
      {"batch", c.batch},
      {"d_steps", c.d_steps},
      {"lr", c.lr},
      {"beta1", c.beta1},
      {"beta2", c.beta2},
      {"seed", c.seed},
      {"loss", c.loss},
      {"limit", c.limit},
      {"key", c.key},
      {"preprocess", {{"scale", c.preprocess.scale}, {"log1p", c.preprocess.log1p}}},
      {"holdout", c.holdout},
      {"eval_every", c.eval_every},
      {"threshold", c.threshold},
      {"device",
       {{"name", ctx.info().name}, {"driver", ctx.info().driver}, {"type", ctx.info().type}}}};
}

// A folder holding nothing but the lock and temporary files of a run
// killed before its config.json was in place.
bool holds_nothing(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name != ".lock" && name.find(".tmp.") == std::string::npos) return false;
  }
  return true;
}

// The output folder must be new, empty, or (with --force or --resume) a
// previous vkgan run.
void prepare_out(const TrainConfig& c) {
  if (c.resume) {
    if (!fs::exists(c.out / "checkpoint.safetensors"))
      fail(
          "{}: no checkpoint.safetensors to resume from (the run stopped before its first "
          "checkpoint); start it again with --force",
          c.out.string());
    return;
  }
  if (fs::exists(c.out) && !fs::is_directory(c.out))
    fail("{}: exists and is not a folder", c.out.string());
  if (fs::exists(c.out) && !holds_nothing(c.out)) {
    bool is_run = fs::exists(c.out / "config.json");
    // A run that never wrote a checkpoint holds nothing to lose.
    if (is_run && !fs::exists(c.out / "checkpoint.safetensors")) return;
    if (!is_run && !c.force)
      fail("{}: folder exists and is not a vkgan run; choose another --out or pass --force",
           c.out.string());
    if (is_run && !c.force)
      fail("{}: holds a previous run; continue it with --resume, or pass --force to start over",
           c.out.string());
  }
}

void write_csv(const fs::path& file, const std::vector<LossRow>& rows) {
  std::string s = "step,epoch,loss_d,loss_g,d_real,d_fake,seconds\n";
  for (const LossRow& r : rows)
    s += fmt::format("{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.3f}\n", r.step, r.epoch, r.loss_d,
                     r.loss_g, r.d_real, r.d_fake, r.seconds);
  write_file_atomic(file, s);
}

std::vector<LossRow> read_csv(const fs::path& file, int64_t up_to_step) {
  std::vector<LossRow> rows;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    LossRow r{};
    if (std::sscanf(line.c_str(), "%ld,%ld,%lf,%lf,%lf,%lf,%lf", &r.step, &r.epoch, &r.loss_d,
                    &r.loss_g, &r.d_real, &r.d_fake, &r.seconds) == 7 &&
        r.step <= up_to_step)
      rows.push_back(r);
  }
  return rows;
}

void plot_losses(const fs::path& file, const std::vector<LossRow>& rows) {
  if (rows.empty()) return;
  Series d{"discriminator", {}, {}}, g{"generator", {}, {}};
  for (const LossRow& r : rows) {
    d.x.push_back(double(r.step));
    d.y.push_back(r.loss_d);
    g.x.push_back(double(r.step));
    g.y.push_back(r.loss_g);
  }
  plot_lines_png(file, "GAN losses", "iteration", "loss", {d, g});
}

std::string duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  int64_t t = int64_t(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

class Run {
 public:
  explicit Run(const TrainConfig& c);
  TrainResult go();
  [[noreturn]] void device_lost() const;

 private:
  void fill_batch(float* dst, int64_t step, int64_t sub);
  void read_logs(int64_t from, int64_t to);
  [[noreturn]] void diverged(int64_t step, float loss_d, float loss_g);
  std::string kept_checkpoint() const;
  void load_data();
  void write_samples(const std::string& label);
  void evaluate(int64_t epoch);
  void checkpoint();
  void report(int64_t step, bool final);

  TrainConfig c_;
  std::unique_ptr<Context> ctx_;
  ImageSet data_, holdout_;
  std::vector<int64_t> dims_;  // an HDF5 dataset's stored shape
  std::unique_ptr<EpochFeed> feed_;
  std::optional<GanModel> own_model_;  // a layout-string model
  const GanModel& model_;
  std::unique_ptr<Gan> gan_;
  int64_t per_epoch_ = 0, total_ = 0, start_ = 0, step_ = 0;
  int64_t saved_step_ = 0;  // the step of the workspace's saved state
  int64_t checkpoint_step_ = -1;  // the step of the checkpoint on disk
  int64_t doing_ = 1;  // the step whose work is on the device or being saved
  uint32_t counter_base_ = 0;
  std::vector<LossRow> rows_;
  Clock::time_point t0_;
  double seconds_before_ = 0;
  bool tty_ = false;
};

Run::Run(const TrainConfig& c) : c_(c), model_(model_of(c, own_model_)) {
  prepare_out(c_);
  load_data();
  if (data_.image != model_.image)
    fail("{}: images are {}, model {} takes {}", data_.source, data_.image, model_.name,
         model_.image);
  if (data_.count < c_.batch * c_.d_steps)
    fail("{}: {} images, fewer than one iteration needs (batch {} x {} D steps)", data_.source,
         data_.count, c_.batch, c_.d_steps);

  ContextOptions opts = options_from_env();
  if (!c_.device.empty()) opts.device = c_.device;
  ctx_ = std::make_unique<Context>(opts);
  GanOptions go;
  go.batch = c_.batch;
  go.seed = c_.seed;
  go.loss = parse_gan_loss(c_.loss);
  OptimizerOptions base{c_.lr, c_.beta1, c_.beta2, 1e-8};
  TrainingStrategy strategy = parse_training_strategy(c_.training_strategy, base);
  check_latent_dim(strategy, c_.training_strategy, model_.latent);
  go.optim_d = strategy.disc;
  go.optim_g = strategy.gen;
  gan_ = std::make_unique<Gan>(*ctx_, model_, go);

  per_epoch_ = data_.count / (c_.batch * c_.d_steps);
  total_ = per_epoch_ * c_.epochs;
  if (c_.max_steps > 0) total_ = std::min(total_, c_.max_steps);
  tty_ = isatty(STDOUT_FILENO) && !c_.quiet;
}

void Run::load_data() {
  if (c_.data.empty()) c_.data = default_fashion_mnist();
  bool hdf5 = is_hdf5_path(c_.data);
  if (!hdf5 && (c_.holdout > 0 || c_.eval_every > 0 || !c_.preprocess.identity()))
    fail("{}: --holdout, --eval-every, --scale and --log1p are for HDF5 (.h5) data",
         c_.data.string());
  if (!hdf5) {
    data_ = load_idx_dataset(c_.data, c_.limit);
  } else {
    Hdf5Options o;
    o.key = c_.key;
    o.preprocess = c_.preprocess;
    o.limit = c_.limit;
    o.holdout = c_.holdout;
    Hdf5Sets sets = load_hdf5_dataset(c_.data, o);
    data_ = std::move(sets.train);
    holdout_ = std::move(sets.holdout);
    dims_ = sets.dims;
  }
  if (c_.eval_every > 0 && holdout_.count < 2)
    fail("--eval-every needs held-out images to judge against: pass --holdout N (N >= 2)");
  feed_ = std::make_unique<EpochFeed>(data_, c_.seed);
}

// --force over a previous run: its own files go before anything new is
// written, so no old checkpoint outlives the settings it was trained with.
void remove_previous_run(const fs::path& out) {
  std::error_code ec;
  for (const char* f : {"checkpoint.safetensors", "losses.csv", "losses.png", "config.json"})
    fs::remove(out / f, ec);
  for (const char* d : {"samples", "eval"}) fs::remove_all(out / d, ec);
}

void Run::fill_batch(float* dst, int64_t step, int64_t sub) {
  int64_t first = ((step % per_epoch_) * c_.d_steps + sub) * c_.batch;
  int64_t n = data_.image.elements();
  for (int64_t i = 0; i < c_.batch; ++i) feed_->copy(step / per_epoch_, first + i, dst + i * n);
}

// Row of the log ring for iteration `step`: its D steps log at the draw
// counters base + step*(k+1) + j, its G step at base + step*(k+1) + k.
void Run::read_logs(int64_t from, int64_t to) {
  Workspace& ws = gan_->workspace();
  double now = seconds_before_ + std::chrono::duration<double>(Clock::now() - t0_).count();
  for (int64_t s = from; s < to; ++s) {
    uint32_t row = counter_base_ + uint32_t(s * (c_.d_steps + 1));
    std::vector<float> d = ws.logged(row + uint32_t(c_.d_steps - 1));
    std::vector<float> g = ws.logged(row + uint32_t(c_.d_steps));
    rows_.push_back({s + 1, s / per_epoch_ + 1, d[kSlotLossD], g[kSlotLossG], d[kSlotDReal],
                     d[kSlotDFake], now});
    if (!std::isfinite(d[kSlotLossD]) || !std::isfinite(g[kSlotLossG]))
      diverged(s, d[kSlotLossD], g[kSlotLossG]);
  }
  // Every loss so far was finite: this is the state to roll back to.
  ws.save_state();
  saved_step_ = to;
}

// Rolls back to the last state whose losses were all finite, replays up to
// iteration `step` (0-based) and runs that one node by node to name where
// the first non-finite value appeared. Nothing is written to the run folder.
void Run::diverged(int64_t step, float loss_d, float loss_g) {
  Workspace& ws = gan_->workspace();
  ws.restore_state();
  std::vector<float> batch(size_t(c_.batch * data_.image.elements()));
  GanStep& ds = gan_->d_step();
  GanStep& gs = gan_->g_step();
  NonFinite f;
  std::string where;
  for (int64_t s = saved_step_; s <= step; ++s) {
    for (int64_t j = 0; j < c_.d_steps && !f; ++j) {
      fill_batch(batch.data(), s, j);
      if (s < step) {
        ds.program->write(ds.x, batch);
        ds.program->run();
      } else {
        f = first_nonfinite(ws, ds, &batch);
        where = "D step";
      }
    }
    if (f) break;
    if (s < step) {
      gs.program->run();
    } else {
      f = first_nonfinite(ws, gs, nullptr);
      where = "G step";
    }
  }
  std::string at = f ? fmt::format("; first non-finite value ({}) in the {} at node '{}' ({})",
                                   f.value, where, f.node, f.op)
                     : "";
  fail("training diverged at step {}: loss_d {} loss_g {}{}; {}", step + 1, loss_d, loss_g, at,
       kept_checkpoint());
}

std::string Run::kept_checkpoint() const {
  return checkpoint_step_ >= 0 ? fmt::format("the checkpoint of step {} is kept", checkpoint_step_)
                               : std::string("no checkpoint had been written yet");
}

// Nothing more is written: what the device computed since the last
// checkpoint cannot be trusted, so that checkpoint stays as it is.
void Run::device_lost() const {
  std::string resume = checkpoint_step_ >= 0 || c_.resume
                           ? "; resume with vkgan train --resume " + c_.out.string()
                           : std::string();
  if (c_.resume && checkpoint_step_ < 0)
    fail("device {} '{}' was lost while the checkpoint was being loaded; {} is kept as it "
         "was{}",
         ctx_->info().index, ctx_->info().name,
         (c_.out / "checkpoint.safetensors").string(), resume);
  fail("device {} '{}' was lost at step {}; {}{}", ctx_->info().index, ctx_->info().name, doing_,
       kept_checkpoint(), resume);
}

void Run::write_samples(const std::string& label) {
  fs::create_directories(c_.out / "samples");
  std::vector<float> img = gan_->sample(64, c_.seed, 0);
  // Physics values span decades: the grid shows them on a log scale.
  if (!dims_.empty()) {
    for (float& v : img) v = c_.preprocess.inverse(v);
    log_display(img.data(), img.size());
  }
  const Shape& s = model_.image;
  write_image_grid_png(c_.out / "samples" / (label + ".png"), img.data(), 64, int(s[1]), int(s[2]),
                       8);
}

void Run::evaluate(int64_t epoch) {
  // The same noise at every eval, apart from the sample grid's, so epochs
  // differ only by the weights.
  std::vector<float> img = gan_->sample_many(holdout_.count, c_.seed ^ 0x5EEDull);
  for (float& v : img) v = c_.preprocess.inverse(v);
  ImageSet gen;
  gen.source = "generated";
  gen.image = model_.image;
  gen.count = holdout_.count;
  gen.pixels = std::move(img);
  EvalOptions o;
  o.threshold = c_.threshold;
  o.seed = c_.seed;
  fs::path dir = c_.out / "eval" / fmt::format("epoch-{:03}", epoch);
  EvalResult r;
  try {
    r = evaluate_jets(holdout_, gen, dir, o);
  } catch (const Error& e) {
    // A generator that collapsed (all-zero images, say) leaves nothing to
    // judge; training goes on and the next eval tries again.
    fmt::print(stderr, "{}vkgan train: eval of epoch {} skipped: {}\n", tty_ ? "\n" : "", epoch,
               e.what());
    return;
  }
  if (c_.quiet) return;
  // One line: each observable's W1 over its floor, 1 being as good as it gets.
  std::string line = fmt::format("eval epoch {} | W1/floor", epoch);
  for (const EvalRow& row : r.rows)
    line += row.has_ratio() ? fmt::format(" {} {:.1f}", row.name, row.ratio())
                          : fmt::format(" {} (no floor: W1 {:.3g})", row.name, row.w1);
  fmt::print("{}{} | {}\n", tty_ ? "\n" : "", line, dir.string());
}

void Run::checkpoint() {
  CheckpointInfo info;
  info.model = model_.name;
  info.step = step_;
  info.seed = c_.seed;
  info.counters = gan_->workspace().read_counters();
  info.metadata["vkgan.seconds"] = fmt::format(
      "{:.3f}", seconds_before_ + std::chrono::duration<double>(Clock::now() - t0_).count());
  // The loss records first: a crash between the two files leaves records
  // ahead of the checkpoint, which a resume trims, never behind it.
  write_csv(c_.out / "losses.csv", rows_);
  plot_losses(c_.out / "losses.png", rows_);
  save_checkpoint(c_.out / "checkpoint.safetensors", gan_->workspace(), info);
  checkpoint_step_ = step_;
}

void Run::report(int64_t step, bool final) {
  if (c_.quiet || rows_.empty()) return;
  const LossRow& r = rows_.back();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0_).count();
  double per_iter = elapsed / double(std::max<int64_t>(step - start_, 1));
  std::string line = fmt::format(
      "epoch {}/{} step {}/{} | d {:.3f} g {:.3f} | D(x) {:.2f} D(G(z)) {:.2f} | {:.1f} ms | "
      "{:.0f} img/s | eta {}",
      r.epoch, c_.epochs, step, total_, r.loss_d, r.loss_g, r.d_real, r.d_fake, per_iter * 1e3,
      double(c_.batch * c_.d_steps) / per_iter, duration(per_iter * double(total_ - step)));
  if (tty_)
    fmt::print("\r\033[K{}{}", line, final ? "\n" : "");
  else
    fmt::print("{}\n", line);
  std::fflush(stdout);
}

// An exclusive lock on the run folder while a training runs, so two
// trainings cannot write into one folder; released when the run ends.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& out) {
    fd_ = ::open((out / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("{}: cannot create its lock file: {}", out.string(), std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail("{}: another vkgan train is using this folder", out.string());
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

TrainResult Run::go() {
  fs::create_directories(c_.out);
  FolderLock lock(c_.out);
  // Temporary files of a killed run (checkpoint.safetensors.tmp.<pid>, ...).
  for (const fs::path& dir : {c_.out, c_.out / "samples"}) remove_dead_temporaries(dir);
  if (c_.force && !c_.resume) remove_previous_run(c_.out);
  Workspace& ws = gan_->workspace();
  if (c_.resume) {
    CheckpointInfo info = load_checkpoint(c_.out / "checkpoint.safetensors", ws, model_.name);
    start_ = info.step;
    checkpoint_step_ = start_;
    if (start_ < 0 || start_ > int64_t(1) << 40)
      fail("{}: metadata vkgan.step {} is out of range",
           (c_.out / "checkpoint.safetensors").string(), start_);
    seconds_before_ =
        std::stod(info.metadata.count("vkgan.seconds") ? info.metadata.at("vkgan.seconds") : "0");
    rows_ = read_csv(c_.out / "losses.csv", start_);
  } else {
    nlohmann::json j = config_json(c_, *ctx_, gan_->options());
    if (!dims_.empty()) j["data_dims"] = dims_;
    write_file_atomic(c_.out / "config.json", j.dump(2) + "\n");
  }
  step_ = start_;
  doing_ = start_ + 1;
  saved_step_ = start_;
  ws.save_state();
  counter_base_ = ws.read_counters()[kDrawCounter] - uint32_t(start_ * (c_.d_steps + 1));

  // Two staging slots, each with k batches and one upload list per D step.
  Context& ctx = *ctx_;
  Program& dp = *gan_->d_step().program;
  Program& gp = *gan_->g_step().program;
  size_t batch_bytes = size_t(c_.batch * data_.image.elements()) * sizeof(float);
  Binding x = dp.binding(gan_->d_step().x);
  struct Slot {
    Buffer staging;
    std::vector<std::unique_ptr<CommandList>> uploads;
    std::unique_ptr<Fence> fence;
    bool busy = false;
  };
  Slot slots[2];
  for (Slot& s : slots) {
    s.staging = ctx.allocator().allocate(batch_bytes * size_t(c_.d_steps), MemoryKind::kUpload);
    for (int64_t j = 0; j < c_.d_steps; ++j) {
      auto list = std::make_unique<CommandList>(ctx);
      list->record_with([&](VkCommandBuffer cb) {
        barrier_full(cb);
        VkBufferCopy region{s.staging.offset() + size_t(j) * batch_bytes, x.offset, batch_bytes};
        vkCmdCopyBuffer(cb, s.staging.handle(), x.buffer, 1, &region);
      });
      s.uploads.push_back(std::move(list));
    }
    s.fence = std::make_unique<Fence>(ctx);
  }

  t0_ = Clock::now();
  int64_t logged_to = start_;
  int64_t next_epoch_end = (start_ / per_epoch_ + 1) * per_epoch_;
  auto drain = [&]() {
    for (Slot& s : slots)
      if (s.busy) s.fence->wait(), s.fence->reset(), s.busy = false;
    read_logs(logged_to, step_);
    logged_to = step_;
  };
  while (step_ < total_ && !g_stop_training) {
    doing_ = step_ + 1;
    Slot& s = slots[step_ % 2];
    if (s.busy) s.fence->wait(), s.fence->reset(), s.busy = false;
    for (int64_t j = 0; j < c_.d_steps; ++j)
      fill_batch(static_cast<float*>(s.staging.mapped()) + j * c_.batch * data_.image.elements(),
                 step_, j);
    for (int64_t j = 0; j < c_.d_steps; ++j) dp.submit(VK_NULL_HANDLE, s.uploads[size_t(j)].get());
    gp.submit(s.fence->handle());
    s.busy = true;
    ++step_;
    bool epoch_end = step_ == next_epoch_end;
    if (step_ % c_.log_every == 0 || epoch_end || step_ == total_) {
      drain();
      report(step_, step_ == total_);
    }
    if (epoch_end) {
      write_samples(fmt::format("epoch-{:03}", step_ / per_epoch_));
      checkpoint();
      if (c_.eval_every > 0 && (step_ / per_epoch_) % c_.eval_every == 0)
        evaluate(step_ / per_epoch_);
      next_epoch_end += per_epoch_;
    }
  }
  drain();
  TrainResult result;
  result.interrupted = g_stop_training;
  if (step_ % per_epoch_ != 0 || step_ == start_) write_samples(fmt::format("step-{:06}", step_));
  checkpoint();
  if (tty_ && result.interrupted) fmt::print("\n");
  result.steps = step_;
  result.validation_messages = ctx_->take_validation_messages().size();
  result.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
  result.checkpoint = c_.out / "checkpoint.safetensors";
  return result;
}

}  // namespace

TrainResult train(const TrainConfig& config) {
  if (config.batch < 2) fail("--batch must be at least 2, got {}", config.batch);
  if (config.epochs < 1) fail("--epochs must be at least 1, got {}", config.epochs);
  if (config.d_steps < 1) fail("--d-steps must be at least 1, got {}", config.d_steps);
  if (config.log_every < 1 || config.log_every * (config.d_steps + 1) > Workspace::kLogCapacity)
    fail("--log-every must be between 1 and {}", Workspace::kLogCapacity / (config.d_steps + 1));
  Run run(config);
  try {
    return run.go();
  } catch (const VulkanError& e) {
    if (e.result() != VK_ERROR_DEVICE_LOST) throw;
    run.device_lost();
  }
}

TrainConfig read_run_config(const fs::path& out) {
  fs::path file = out / "config.json";
  std::ifstream in(file);
  if (!in) fail("{}: cannot open; is {} a vkgan run?", file.string(), out.string());
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    fail("{}: not valid JSON ({})", file.string(), e.what());
  }
  TrainConfig c;
  try {
    c.model = j.at("model");
    c.data = std::string(j.at("data"));
    c.epochs = j.at("epochs");
    c.max_steps = j.at("max_steps");
    c.batch = j.at("batch");
    c.d_steps = j.at("d_steps");
    c.lr = j.at("lr");
    c.beta1 = j.at("beta1");
    c.beta2 = j.at("beta2");
    c.seed = j.at("seed");
    c.loss = j.at("loss");
    c.limit = j.value("limit", int64_t(0));
    c.key = j.value("key", std::string("image"));
    if (j.contains("preprocess")) {
      c.preprocess.scale = j["preprocess"].at("scale");
      c.preprocess.log1p = j["preprocess"].at("log1p");
    }
    c.holdout = j.value("holdout", int64_t(0));
    c.eval_every = j.value("eval_every", int64_t(0));
    c.threshold = j.value("threshold", 1e-3);
    c.data_dims = j.value("data_dims", std::vector<int64_t>{});
    c.input_layout = j.value("input_layout", std::string());
    c.layout = j.value("layout", std::string());
    c.training_strategy = j.value("training_strategy", std::string());
  } catch (const std::exception& e) {
    fail("{}: missing or malformed setting ({})", file.string(), e.what());
  }
  c.out = out;
  c.resume = true;
  return c;
}

void apply_training_strategy(TrainConfig& c) {
  TrainingStrategy s = parse_training_strategy(c.training_strategy, {});
  if (s.batch) c.batch = *s.batch;
  if (s.epochs) c.epochs = *s.epochs;
  if (s.d_steps) c.d_steps = *s.d_steps;
}

const GanModel& model_of(const TrainConfig& c, std::optional<GanModel>& own) {
  if (c.layout.empty() && c.input_layout.empty()) return find_model(c.model);
  own = layout_model(parse_layout(c.input_layout, c.layout), c.model);
  return *own;
}

}  // namespace vkgan
