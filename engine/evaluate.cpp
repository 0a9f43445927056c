// The observables of every image, their W1 distances, and the eval folder.
#include "engine/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/plot.hpp"
#include "engine/jets.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

// One observable: how to take it from an image's figures, and how to plot it.
struct Observable {
  const char* name;
  const char* label;
  std::function<double(const JetObservables&)> get;
  bool log_x = false, log_y = false, integer = false;
};

const std::vector<Observable>& observables() {
  static const std::vector<Observable> k = {
      {"multiplicity", "lit pixels (above the threshold)",
       [](const JetObservables& o) { return double(o.multiplicity); }, false, false, true},
      {"total_intensity", "total intensity", [](const JetObservables& o) { return o.total; }},
      {"max_share", "hottest pixel's share", [](const JetObservables& o) { return o.max_share; }},
      {"mass_over_pt", "jet mass / pT", [](const JetObservables& o) { return o.mass_over_pt; }},
      {"girth", "girth", [](const JetObservables& o) { return o.girth; }},
      {"tau1", "N-subjettiness tau1", [](const JetObservables& o) { return o.tau1; }},
      {"tau2", "N-subjettiness tau2", [](const JetObservables& o) { return o.tau2; }},
      {"tau21", "tau2 / tau1", [](const JetObservables& o) { return o.tau21; }},
  };
  return k;
}

struct Figures {
  std::vector<JetObservables> jets;
  std::vector<double> mean_image;
};

Figures figures_of(const ImageSet& s, double threshold) {
  Figures f;
  int c = int(s.image[0]), h = int(s.image[1]), w = int(s.image[2]);
  f.mean_image.assign(size_t(h * w), 0.0);
  for (int64_t i = 0; i < s.count; ++i) {
    const float* p = s.at(i);
    f.jets.push_back(jet_observables(p, c, h, w, threshold));
    for (int k = 0; k < c * h * w; ++k) f.mean_image[size_t(k % (h * w))] += p[k];
  }
  for (double& v : f.mean_image) v /= double(s.count);
  return f;
}

// Every non-zero pixel of the images `which` (summed over channels).
std::vector<double> intensities(const ImageSet& s, const std::vector<int64_t>& which) {
  std::vector<double> v;
  int64_t hw = s.image[1] * s.image[2];
  for (int64_t i : which) {
    const float* p = s.at(i);
    for (int64_t k = 0; k < hw; ++k) {
      double sum = 0;
      for (int64_t c = 0; c < s.image[0]; ++c) sum += p[c * hw + k];
      if (sum > 0) v.push_back(sum);
    }
  }
  return v;
}

std::vector<int64_t> all_of(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = i;
  return v;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, size_t(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

// Bins shared by both sets: 40 over the central 99.8% of the two together
// (log-spaced on a log axis), one per integer for counts.
std::vector<double> bin_edges(const std::vector<double>& a, const std::vector<double>& b,
                              bool log_x, bool integer) {
  std::vector<double> both = a;
  both.insert(both.end(), b.begin(), b.end());
  if (log_x) std::erase_if(both, [](double x) { return !(x > 0); });
  double lo = quantile(both, 0.001), hi = quantile(both, 0.999);
  if (integer && hi - lo <= 80) {
    std::vector<double> e;
    for (double x = std::floor(lo) - 0.5; x <= std::ceil(hi) + 0.5; x += 1) e.push_back(x);
    return e;
  }
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::abs(lo) * 0.1), lo -= (hi - lo) * 0.5;
  std::vector<double> e;
  for (int i = 0; i <= 40; ++i) {
    double t = i / 40.0;
    e.push_back(log_x ? lo * std::pow(hi / lo, t) : lo + t * (hi - lo));
  }
  return e;
}

Histogram histogram(const std::string& label, const std::vector<double>& v,
                    const std::vector<double>& edges) {
  Histogram h{label, edges, std::vector<double>(edges.size() - 1, 0.0)};
  for (double x : v) {
    auto it = std::upper_bound(edges.begin(), edges.end(), x);
    if (it == edges.begin() || it == edges.end()) continue;
    h.density[size_t(it - edges.begin() - 1)] += 1;
  }
  for (size_t i = 0; i < h.density.size(); ++i)
    h.density[i] /= double(std::max<size_t>(v.size(), 1)) * (edges[i + 1] - edges[i]);
  return h;
}

void plot_row(const fs::path& file, const std::string& label, const std::vector<double>& real,
              const std::vector<double>& gen, bool log_x, bool log_y, bool integer) {
  std::vector<double> edges = bin_edges(real, gen, log_x, integer);
  plot_histograms_png(file, label, label,
                      {histogram(fmt::format("real ({})", real.size()), real, edges),
                       histogram(fmt::format("generated ({})", gen.size()), gen, edges)},
                      log_x, log_y);
}

nlohmann::json result_json(const EvalResult& r, const EvalOptions& o, const ImageSet& real,
                           const ImageSet& gen) {
  nlohmann::json rows = nlohmann::json::array();
  for (const EvalRow& row : r.rows)
    rows.push_back({{"name", row.name},
                    {"label", row.label},
                    {"w1", row.w1},
                    {"floor", row.floor},
                    {"ratio", row.has_ratio() ? nlohmann::json(row.ratio()) : nlohmann::json()},
                    {"real_mean", row.real_mean},
                    {"generated_mean", row.generated_mean}});
  return {{"real", {{"source", real.source}, {"images", r.real}}},
          {"generated", {{"source", gen.source}, {"images", r.generated}}},
          {"threshold", o.threshold},
          {"seed", o.seed},
          {"definitions",
           {{"grid", fmt::format("{}x{} pixels over {} x {} in rapidity (rows) and azimuth",
                                 real.image[1], real.image[2], kJetImageSpan, kJetImageSpan)},
            {"pixel_intensity", "every non-zero pixel, pooled over the images"},
            {"mass_over_pt", "m of the summed massless pixel four-vectors / scalar sum of pT"},
            {"girth", "sum pt_i R_i / sum pt_i, R_i from the image centre"},
            {"tau_n", fmt::format("sum pt_i min_k dR_ik / (sum pt_i * R0), R0 = {}, axes from "
                                  "exclusive kT clustering (FastJet)",
                                  kJetR0)},
            {"w1", "exact 1D Wasserstein-1 between the empirical distributions"},
            {"floor", "W1 between two disjoint random halves of the real images"}}},
          {"observables", rows}};
}

}  // namespace

double wasserstein1(std::vector<double> a, std::vector<double> b) {
  VKGAN_ASSERT(!a.empty() && !b.empty(), "W1 of {} and {} values", a.size(), b.size());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  // Both quantile functions step at multiples of 1/n and 1/m: walk the
  // merged steps in units of 1/(n m), exactly in integers.
  uint64_t n = a.size(), m = b.size(), t = 0;
  size_t i = 0, j = 0;
  double sum = 0;
  while (i < n && j < m) {
    uint64_t ta = (i + 1) * m, tb = (j + 1) * n, next = std::min(ta, tb);
    sum += double(next - t) * std::abs(a[i] - b[j]);
    t = next;
    if (ta == next) ++i;
    if (tb == next) ++j;
  }
  return sum / (double(n) * double(m));
}

namespace {

// The eval of `real` against `gen`, its files written into the folder `out`.
EvalResult judge(const ImageSet& real, const ImageSet& gen, const fs::path& out,
                 const EvalOptions& o) {
  if (real.image != gen.image)
    fail("{} holds images {}, {} holds {}; eval compares images of one shape", real.source,
         real.image, gen.source, gen.image);
  for (const ImageSet* s : {&real, &gen}) {
    if (s->count < 2) fail("{}: {} images; eval needs at least 2", s->source, s->count);
    VKGAN_ASSERT(!s->streamed(), "eval of a streamed set");
    for (size_t k = 0; k < s->pixels.size(); ++k)
      if (!std::isfinite(s->pixels[k]))
        fail("{}: image {} holds a non-finite pixel ({}) at element {}", s->source,
             int64_t(k) / s->image.elements(), s->pixels[k], int64_t(k) % s->image.elements());
  }
  Figures fr = figures_of(real, o.threshold), fg = figures_of(gen, o.threshold);
  std::vector<int64_t> order = epoch_order(real.count, o.seed, 0);
  std::vector<int64_t> half_a(order.begin(), order.begin() + long(order.size() / 2));
  std::vector<int64_t> half_b(order.begin() + long(order.size() / 2), order.end());

  EvalResult r;
  r.real = real.count;
  r.generated = gen.count;
  // Pixel intensities are pooled over images, not one figure per image.
  std::vector<double> ir = intensities(real, all_of(real.count));
  std::vector<double> ig = intensities(gen, all_of(gen.count));
  std::vector<double> ia = intensities(real, half_a), ib = intensities(real, half_b);
  if (ir.empty() || ig.empty())
    fail("{}: every pixel is zero; no intensity spectrum to compare",
         ir.empty() ? real.source : gen.source);
  r.rows.push_back({"pixel_intensity", "pixel intensity (non-zero pixels)", wasserstein1(ir, ig),
                    ia.empty() || ib.empty() ? 0 : wasserstein1(ia, ib), mean_of(ir), mean_of(ig)});
  if (o.plots)
    plot_row(out / "pixel_intensity.png", r.rows.back().label, ir, ig, true, true, false);

  for (const Observable& ob : observables()) {
    std::vector<double> vr, vg, va, vb;
    for (const JetObservables& j : fr.jets) vr.push_back(ob.get(j));
    for (const JetObservables& j : fg.jets) vg.push_back(ob.get(j));
    for (int64_t i : half_a) va.push_back(vr[size_t(i)]);
    for (int64_t i : half_b) vb.push_back(vr[size_t(i)]);
    r.rows.push_back(
        {ob.name, ob.label, wasserstein1(vr, vg), wasserstein1(va, vb), mean_of(vr), mean_of(vg)});
    if (o.plots)
      plot_row(out / (std::string(ob.name) + ".png"), ob.label, vr, vg, ob.log_x, ob.log_y,
               ob.integer);
  }
  if (o.plots) {
    int h = int(real.image[1]), w = int(real.image[2]);
    plot_images_png(out / "average.png", "average image (log colour scale)",
                    {{"real", h, w, fr.mean_image}, {"generated", h, w, fg.mean_image}});
  }
  write_file_atomic(out / "eval.json", result_json(r, o, real, gen).dump(2) + "\n");
  write_file_atomic(out / "eval.md", eval_table(r));
  return r;
}

// A new eval replaces only an old one (or an empty folder): the swap takes
// every file in the folder with it.
void check_replaceable(const fs::path& dir) {
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir))
    fail("{}: exists and is not a folder; choose another --out", dir.string());
  if (!fs::is_empty(dir) && !fs::exists(dir / "eval.json"))
    fail("{}: holds files but no eval.json, so it is not an eval to replace; choose another --out",
         dir.string());
}

}  // namespace

EvalResult evaluate_jets(const ImageSet& real, const ImageSet& gen, const fs::path& out,
                         const EvalOptions& o) {
  // "eval/" names the folder "eval" too.
  fs::path dir = out.filename().empty() ? out.parent_path() : out;
  check_replaceable(dir);
  // Written into a temporary folder beside `dir` and swapped in at the end,
  // so `dir` holds the whole old eval or the whole new one, never a mix.
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path());
  remove_dead_temporaries_of(dir);
  fs::path tmp = temporary_path(dir);
  fs::remove_all(tmp);
  fs::create_directory(tmp);
  EvalResult r;
  try {
    r = judge(real, gen, tmp, o);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  commit_temporary(tmp, dir);
  return r;
}

std::string eval_table(const EvalResult& r) {
  std::string s = fmt::format(
      "W1 distance, {} real vs {} generated images; floor: two halves of the real images\n\n"
      "| observable | W1 real vs generated | floor | ratio |\n|---|---|---|---|\n",
      r.real, r.generated);
  for (const EvalRow& row : r.rows)
    s += fmt::format("| {} | {:.4g} | {:.4g} | {} |\n", row.name, row.w1, row.floor,
                     row.has_ratio() ? fmt::format("{:.1f}", row.ratio()) : "-");
  return s;
}

}  // namespace vkgan
