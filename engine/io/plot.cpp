// plot_lines_png with cairo's image surface and toy text API. The frame is
// laid out from the measured tick labels, everything is drawn, and the PNG is
// encoded into memory and written with write_file_atomic.
#include "engine/io/plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <numbers>

#include "engine/error.hpp"
#include "engine/io/atomic_file.hpp"

namespace vkgan {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Values beyond this are left out so that axis spans stay finite.
constexpr double kHuge = 1e300;
// Bounds every tick loop, whatever the data.
constexpr int kMaxTicks = 40;
constexpr double kTickFont = 11, kLabelFont = 13, kTitleFont = 16, kLegendFont = 12;

struct Rgb {
  double r, g, b;
};

// Distinct on white and for most colour-blind readers (after Okabe and Ito);
// series past the palette get hues spread by the golden ratio.
constexpr Rgb kPalette[] = {{0.00, 0.45, 0.70}, {0.84, 0.37, 0.00}, {0.00, 0.62, 0.45},
                            {0.80, 0.47, 0.65}, {0.90, 0.62, 0.00}, {0.34, 0.71, 0.91},
                            {0.55, 0.35, 0.16}, {0.40, 0.40, 0.40}};

// Series past the palette are also dashed, as generated hues can come close
// to the palette's.
void set_series_dash(cairo_t* cr, size_t i) {
  const double dash[] = {6, 3};
  cairo_set_dash(cr, dash, i < std::size(kPalette) ? 0 : 2, 0);
}

Rgb series_colour(size_t i) {
  if (i < std::size(kPalette)) return kPalette[i];
  double h = std::fmod(double(i) * 0.618034, 1.0) * 6.0;
  double f = h - std::floor(h), v = 0.75, s = 0.8;
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (int(h)) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
  }
}

struct Range {
  double lo = kInf, hi = -kInf;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

struct Tick {
  double at;  // in axis units
  std::string label;
};

// One axis in axis units, which are log10 of the value on a log axis.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<Tick> ticks;
  std::vector<double> minor;  // unlabelled grid lines
  double unit(double v) const { return log ? std::log10(v) : v; }
};

struct Logs {
  bool x = false, y = false;
};

struct Frame {
  double left, top, right, bottom;
};

struct Plot {
  cairo_t* cr;
  Frame f;
  Axis x, y;
  double px(double ux) const { return f.left + (ux - x.lo) / (x.hi - x.lo) * (f.right - f.left); }
  double py(double uy) const { return f.bottom - (uy - y.lo) / (y.hi - y.lo) * (f.bottom - f.top); }
  Logs logs() const { return {x.log, y.log}; }
};

bool drawable(double x, double y, Logs log) {
  return std::abs(x) < kHuge && std::abs(y) < kHuge && (!log.x || x > 0) && (!log.y || y > 0);
}

// --- axes -------------------------------------------------------------

// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`.
double nice_step(double raw) {
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  double m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

// "2e7" rather than printf's "2e+07", which reads badly under an axis.
std::string short_exponent(double v, int digits_wanted) {
  std::string s = fmt::format("{:.{}g}", v, digits_wanted);
  size_t e = s.find('e');
  if (e == s.npos) return s;
  size_t digits = s.find_first_not_of("+-0", e + 1);
  std::string sign = s[e + 1] == '-' ? "-" : "";
  return s.substr(0, e + 1) + sign + (digits == s.npos ? "0" : s.substr(digits));
}

std::string linear_label(double v, double step) {
  if (std::abs(v) < step * 1e-6) v = 0;  // no "-0" from accumulated error
  double mag = std::max(std::abs(v), step);
  // Enough significant digits that neighbouring ticks never print the same.
  int digits = 1 + int(std::floor(std::log10(mag)) - std::floor(std::log10(step) + 1e-9));
  if (mag >= 1e6 || step < 1e-5) return short_exponent(v, std::clamp(digits, 1, 17));
  int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", v, decimals);
}

// An empty or single-valued range gets an extent around its value.
Range widened(Range r) {
  if (r.empty()) return {0, 1};
  if (r.hi - r.lo > 1e-9 * std::max(std::abs(r.lo), std::abs(r.hi))) return r;
  double pad = r.lo == 0 ? 1 : std::abs(r.lo) * 0.1;
  return {r.lo - pad, r.hi + pad};
}

Axis linear_axis(Range r, int target_ticks) {
  r = widened(r);
  double step = nice_step((r.hi - r.lo) / target_ticks);
  Axis a;
  a.lo = std::floor(r.lo / step) * step;
  a.hi = std::ceil(r.hi / step) * step;
  int n = std::min(kMaxTicks, int(std::lround((a.hi - a.lo) / step)));
  for (int i = 0; i <= n; ++i) {
    double v = a.lo + i * step;
    a.ticks.push_back({v, linear_label(v, step)});
  }
  return a;
}

// m * 10^k, plainly where that stays short.
std::string power_label(int m, int k) {
  if (k >= -4 && k <= 5) return fmt::format("{:g}", m * std::pow(10.0, k));
  return fmt::format("{}e{}", m, k);
}

// Decade ticks; within two decades 2x and 5x are labelled too, so a curve
// that moves little still gets numbers beside it.
Axis log_axis(Range r, int target_ticks) {
  if (r.empty()) r = {1, 10};
  Axis a;
  a.log = true;
  a.lo = std::floor(std::log10(r.lo));
  a.hi = std::max(std::ceil(std::log10(r.hi)), a.lo + 1);
  int decades = int(a.hi - a.lo);
  int every = std::max(1, (decades + target_ticks - 1) / target_ticks);
  for (int k = int(a.lo); k <= int(a.hi); k += every)
    a.ticks.push_back({double(k), power_label(1, k)});
  for (int k = int(a.lo); decades <= 8 && k < int(a.hi); ++k)
    for (int m = 2; m < 10; ++m) {
      double at = k + std::log10(double(m));
      if (decades <= 2 && (m == 2 || m == 5)) a.ticks.push_back({at, power_label(m, k)});
      else a.minor.push_back(at);
    }
  return a;
}

// The drawable extent of all series on each axis.
std::pair<Range, Range> data_ranges(const std::vector<Series>& series, Logs log) {
  Range xr, yr;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i)
      if (drawable(s.x[i], s.y[i], log)) {
        xr.add(s.x[i]);
        yr.add(s.y[i]);
      }
  return {xr, yr};
}

// --- text -------------------------------------------------------------

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t te;
  cairo_text_extents(cr, s.c_str(), &te);
  return te.x_advance;
}

double font_height(cairo_t* cr) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  return fe.ascent + fe.descent;
}

// Draws `s` anchored at (x, y): ha is 0, 0.5 or 1 for its left, centre or
// right; va likewise for the top, middle or bottom of the font's line.
void text_at(cairo_t* cr, const std::string& s, double x, double y, double ha, double va) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_move_to(cr, x - ha * text_width(cr, s), y - va * (fe.ascent + fe.descent) + fe.ascent);
  cairo_show_text(cr, s.c_str());
}

// --- drawing ----------------------------------------------------------

// Margins wide enough for the y tick labels and for half the last x tick
// label, which is centred on the frame's right edge.
Frame layout(cairo_t* cr, int width, int height, const Axis& x, const Axis& y,
             bool has_title) {
  set_font(cr, kTickFont);
  double tick_w = 0, tick_h = font_height(cr);
  for (const Tick& t : y.ticks) tick_w = std::max(tick_w, text_width(cr, t.label));
  double right = std::max(24.0, text_width(cr, x.ticks.back().label) / 2 + 8);
  set_font(cr, kLabelFont);
  double label_h = font_height(cr);
  return {14 + label_h + 10 + tick_w + 8, has_title ? 44.0 : 16.0, width - right,
          height - (8 + tick_h + 8 + label_h + 12)};
}

// Lines land on pixel centres, so one-pixel lines stay sharp.
double crisp(double v) { return std::floor(v) + 0.5; }

void vline(cairo_t* cr, double x, double y0, double y1) {
  cairo_move_to(cr, crisp(x), y0);
  cairo_line_to(cr, crisp(x), y1);
}

void hline(cairo_t* cr, double y, double x0, double x1) {
  cairo_move_to(cr, x0, crisp(y));
  cairo_line_to(cr, x1, crisp(y));
}

void draw_grid(const Plot& p) {
  cairo_t* cr = p.cr;
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.94, 0.94, 0.94);
  for (double u : p.y.minor) hline(cr, p.py(u), p.f.left, p.f.right);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.86, 0.86, 0.86);
  for (const Tick& t : p.x.ticks) vline(cr, p.px(t.at), p.f.top, p.f.bottom);
  for (const Tick& t : p.y.ticks) hline(cr, p.py(t.at), p.f.left, p.f.right);
  cairo_stroke(cr);
}

void draw_axes(const Plot& p) {
  cairo_t* cr = p.cr;
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, crisp(p.f.left), crisp(p.f.top), std::round(p.f.right - p.f.left),
                  std::round(p.f.bottom - p.f.top));
  for (const Tick& t : p.x.ticks) vline(cr, p.px(t.at), p.f.bottom, p.f.bottom + 5);
  for (const Tick& t : p.y.ticks) hline(cr, p.py(t.at), p.f.left - 5, p.f.left);
  cairo_stroke(cr);

  set_font(cr, kTickFont);
  for (const Tick& t : p.x.ticks) text_at(cr, t.label, p.px(t.at), p.f.bottom + 8, 0.5, 0);
  for (const Tick& t : p.y.ticks) text_at(cr, t.label, p.f.left - 8, p.py(t.at), 1, 0.5);
}

void draw_titles(const Plot& p, const std::string& title, const std::string& xlabel,
                 const std::string& ylabel, int width, int height) {
  cairo_t* cr = p.cr;
  cairo_set_source_rgb(cr, 0, 0, 0);
  set_font(cr, kTitleFont, true);
  text_at(cr, title, width / 2.0, 14, 0.5, 0);
  set_font(cr, kLabelFont);
  double mid_x = (p.f.left + p.f.right) / 2, mid_y = (p.f.top + p.f.bottom) / 2;
  text_at(cr, xlabel, mid_x, height - 12.0, 0.5, 1);
  // The y label reads bottom to top, along the axis.
  cairo_save(cr);
  cairo_translate(cr, 14, mid_y);
  cairo_rotate(cr, -std::numbers::pi / 2);
  text_at(cr, ylabel, 0, 0, 0.5, 0);
  cairo_restore(cr);
}

// Each run of drawable points is one polyline; a lone point is a dot, so a
// point between two NaNs still shows.
void draw_series(const Plot& p, const Series& s, Rgb c) {
  cairo_t* cr = p.cr;
  size_t run = 0;
  double last_x = 0, last_y = 0;
  auto end_run = [&] {
    if (run == 1) cairo_arc(cr, last_x, last_y, 1.2, 0, 2 * std::numbers::pi);
    run = 0;
  };
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!drawable(s.x[i], s.y[i], p.logs())) {
      end_run();
      continue;
    }
    last_x = p.px(p.x.unit(s.x[i]));
    last_y = p.py(p.y.unit(s.y[i]));
    if (run++ == 0) cairo_move_to(cr, last_x, last_y);
    else cairo_line_to(cr, last_x, last_y);
  }
  end_run();
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
  cairo_stroke(cr);
}

void draw_all_series(const Plot& p, const std::vector<Series>& series) {
  cairo_t* cr = p.cr;
  cairo_save(cr);
  cairo_rectangle(cr, p.f.left, p.f.top, p.f.right - p.f.left, p.f.bottom - p.f.top);
  cairo_clip(cr);
  cairo_set_line_width(cr, 1.6);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (size_t i = 0; i < series.size(); ++i) {
    set_series_dash(cr, i);
    draw_series(p, series[i], series_colour(i));
  }
  cairo_restore(cr);
}

std::string legend_label(const std::vector<Series>& series, size_t i) {
  return series[i].label.empty() ? fmt::format("series {}", i + 1) : series[i].label;
}

struct Box {
  double x, y, w, h;
  bool holds(double px, double py) const {
    return px >= x && px <= x + w && py >= y && py <= y + h;
  }
};

// How much of the drawn lines falls inside `b`, sampled along each segment.
size_t ink_under(const Plot& p, const std::vector<Series>& series, const Box& b) {
  size_t n = 0;
  for (const Series& s : series)
    for (size_t i = 0; i + 1 < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i], p.logs()) || !drawable(s.x[i + 1], s.y[i + 1], p.logs()))
        continue;
      double x0 = p.px(p.x.unit(s.x[i])), y0 = p.py(p.y.unit(s.y[i]));
      double x1 = p.px(p.x.unit(s.x[i + 1])), y1 = p.py(p.y.unit(s.y[i + 1]));
      for (double t : {0.0, 0.25, 0.5, 0.75}) n += b.holds(x0 + t * (x1 - x0), y0 + t * (y1 - y0));
    }
  return n;
}

// The corner of the frame where the legend hides least of the lines; top
// right wins a tie, as readers look there first.
Box legend_box(const Plot& p, const std::vector<Series>& series, double w, double h) {
  const double m = 10, left = p.f.left + m, right = p.f.right - m - w;
  const double top = p.f.top + m, bottom = p.f.bottom - m - h;
  Box best{right, top, w, h};
  size_t least = ink_under(p, series, best);
  for (Box b : {Box{left, top, w, h}, Box{right, bottom, w, h}, Box{left, bottom, w, h}}) {
    size_t n = least == 0 ? 0 : ink_under(p, series, b);
    if (n < least) least = n, best = b;
  }
  return {std::round(best.x), std::round(best.y), w, h};
}

void draw_legend_row(cairo_t* cr, const std::string& label, size_t i, double x, double mid,
                     double sample) {
  Rgb c = series_colour(i);
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
  cairo_set_line_width(cr, 2);
  set_series_dash(cr, i);
  hline(cr, mid, x, x + sample);
  cairo_stroke(cr);
  set_series_dash(cr, 0);
  cairo_set_source_rgb(cr, 0, 0, 0);
  text_at(cr, label, x + sample + 6, mid, 0, 0.5);
}

// A line sample and the label of each series, over nearly opaque white so
// the grid behind stays faint.
void draw_legend(const Plot& p, const std::vector<Series>& series) {
  cairo_t* cr = p.cr;
  set_font(cr, kLegendFont);
  double text_w = 0, row_h = font_height(cr) + 4, pad = 8, sample = 24;
  for (size_t i = 0; i < series.size(); ++i)
    text_w = std::max(text_w, text_width(cr, legend_label(series, i)));
  Box b = legend_box(p, series, std::round(pad + sample + 6 + text_w + pad),
                     std::round(2 * pad + row_h * double(series.size())));

  cairo_rectangle(cr, b.x + 0.5, b.y + 0.5, b.w, b.h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t i = 0; i < series.size(); ++i)
    draw_legend_row(cr, legend_label(series, i), i, b.x + pad,
                    b.y + pad + row_h * (double(i) + 0.5), sample);
}

void draw_no_data(const Plot& p) {
  cairo_set_source_rgb(p.cr, 0.5, 0.5, 0.5);
  set_font(p.cr, kLabelFont);
  text_at(p.cr, "no data", (p.f.left + p.f.right) / 2, (p.f.top + p.f.bottom) / 2, 0.5, 0.5);
}

// --- output -----------------------------------------------------------

struct SurfaceFree {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextFree {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  // No exception may cross cairo's C frames.
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_NO_MEMORY;
  }
}

void check_cairo(cairo_status_t status, const std::filesystem::path& file, const char* doing) {
  if (status != CAIRO_STATUS_SUCCESS)
    fail("{}: cannot {}: cairo: {}", file.string(), doing, cairo_status_to_string(status));
}

void check_series(const std::filesystem::path& file, const std::vector<Series>& series) {
  for (size_t i = 0; i < series.size(); ++i)
    if (series[i].x.size() != series[i].y.size())
      fail("{}: series '{}' has {} x values but {} y values", file.string(),
           legend_label(series, i), series[i].x.size(), series[i].y.size());
}

struct Labels {
  const std::string &title, &xlabel, &ylabel;
};

// Paints the whole figure; what fails shows in the context's status.
void draw_plot(const Plot& p, const Labels& text, const std::vector<Series>& series,
               bool has_data, int width, int height) {
  cairo_set_source_rgb(p.cr, 1, 1, 1);
  cairo_paint(p.cr);
  draw_grid(p);
  draw_all_series(p, series);
  draw_axes(p);
  draw_titles(p, text.title, text.xlabel, text.ylabel, width, height);
  if (!has_data) draw_no_data(p);
  if (!series.empty()) draw_legend(p, series);
}

void plot_png(const std::filesystem::path& file, const std::string& title,
              const std::string& xlabel, const std::string& ylabel,
              const std::vector<Series>& series, Logs log, int width, int height) {
  VKGAN_ASSERT(width >= 200 && height >= 150 && width <= 16384 && height <= 16384,
               "plot of {}x{} pixels", width, height);
  check_series(file, series);
  auto [xr, yr] = data_ranges(series, log);
  int x_ticks = std::max(2, width / 110), y_ticks = std::max(2, height / 70);
  Axis x = log.x ? log_axis(xr, x_ticks) : linear_axis(xr, x_ticks);
  Axis y = log.y ? log_axis(yr, y_ticks) : linear_axis(yr, y_ticks);

  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  std::unique_ptr<cairo_t, ContextFree> cr(cairo_create(surface.get()));
  Frame frame = layout(cr.get(), width, height, x, y, !title.empty());
  Plot p{cr.get(), frame, std::move(x), std::move(y)};
  draw_plot(p, {title, xlabel, ylabel}, series, !xr.empty(), width, height);
  check_cairo(cairo_status(p.cr), file, "draw the plot");

  std::string png;
  check_cairo(cairo_surface_write_to_png_stream(surface.get(), append_png, &png), file,
              "encode the plot as PNG");
  write_file_atomic(file, png);
}

}  // namespace

void plot_lines_png(const std::filesystem::path& file, const std::string& title,
                    const std::string& xlabel, const std::string& ylabel,
                    const std::vector<Series>& series, bool log_y, int width, int height) {
  plot_png(file, title, xlabel, ylabel, series, {false, log_y}, width, height);
}

// Each series becomes its outline: up and down at every bin edge, so a
// histogram reads as steps; on a log y axis empty bins break the outline.
void plot_histograms_png(const std::filesystem::path& file, const std::string& title,
                         const std::string& xlabel, const std::vector<Histogram>& hists,
                         bool log_x, bool log_y, int width, int height) {
  std::vector<Series> series;
  for (const Histogram& h : hists) {
    VKGAN_ASSERT(h.edges.size() == h.density.size() + 1, "{} edges for {} bins", h.edges.size(),
                 h.density.size());
    Series s{h.label, {}, {}};
    for (size_t i = 0; i < h.density.size(); ++i) {
      s.x.insert(s.x.end(), {h.edges[i], h.edges[i + 1]});
      s.y.insert(s.y.end(), {h.density[i], h.density[i]});
    }
    series.push_back(std::move(s));
  }
  plot_png(file, title, xlabel, "density", series, {log_x, log_y}, width, height);
}

namespace {

// Viridis at nine stops, interpolated linearly: ordered in lightness, so a
// grey print and most colour-blind readers still see the order.
Rgb viridis(double t) {
  constexpr Rgb kStops[] = {{0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530},
                            {0.207, 0.372, 0.553}, {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551},
                            {0.135, 0.659, 0.518}, {0.478, 0.821, 0.318}, {0.993, 0.906, 0.144}};
  t = std::clamp(t, 0.0, 1.0) * (std::size(kStops) - 1);
  size_t i = std::min(size_t(t), std::size(kStops) - 2);
  double f = t - double(i);
  const Rgb &a = kStops[i], &b = kStops[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

void draw_colour_bar(cairo_t* cr, double x, double top, double h, double hi, bool log_scale,
                     double decades) {
  for (int i = 0; i < int(h); ++i) {
    Rgb c = viridis(1.0 - double(i) / h);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_rectangle(cr, x, top + i, 16, 1);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  set_font(cr, kTickFont);
  int steps = log_scale ? std::max(1, int(decades)) : 4;
  for (int k = 0; k <= steps; ++k) {
    double frac = double(k) / steps;
    double v = log_scale ? hi * std::pow(10.0, -decades * (1 - frac)) : hi * frac;
    text_at(cr, short_exponent(v, 2), x + 22, top + h * (1 - frac), 0, 0.5);
  }
}

}  // namespace

void plot_images_png(const std::filesystem::path& file, const std::string& title,
                     const std::vector<ImagePanel>& panels, bool log_scale, double decades,
                     int cell) {
  double hi = 0;
  int ph = 0, pw = 0;
  for (const ImagePanel& p : panels) {
    VKGAN_ASSERT(p.values.size() == size_t(p.height) * size_t(p.width), "panel {}x{} has {}",
                 p.height, p.width, p.values.size());
    for (double v : p.values)
      if (std::isfinite(v)) hi = std::max(hi, v);
    ph = std::max(ph, p.height * cell);
    pw = std::max(pw, p.width * cell);
  }
  if (!(hi > 0)) hi = 1;
  const int gap = 24, top = 44, label_h = 24;
  int width = gap + int(panels.size()) * (pw + gap) + 80, height = top + label_h + ph + gap;
  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  std::unique_ptr<cairo_t, ContextFree> cr(cairo_create(surface.get()));
  cairo_t* c = cr.get();
  cairo_set_source_rgb(c, 1, 1, 1);
  cairo_paint(c);
  cairo_set_source_rgb(c, 0, 0, 0);
  set_font(c, kTitleFont, true);
  text_at(c, title, width / 2.0, 14, 0.5, 0);

  for (size_t k = 0; k < panels.size(); ++k) {
    const ImagePanel& p = panels[k];
    double x0 = gap + double(k) * (pw + gap), y0 = top + label_h;
    cairo_set_source_rgb(c, 0, 0, 0);
    set_font(c, kLabelFont);
    text_at(c, p.label, x0 + pw / 2.0, top + label_h / 2.0, 0.5, 0.5);
    for (int i = 0; i < p.height; ++i)
      for (int j = 0; j < p.width; ++j) {
        double v = p.values[size_t(i) * size_t(p.width) + size_t(j)];
        double t = !(v > 0) ? 0 : log_scale ? 1 + std::log10(v / hi) / decades : v / hi;
        Rgb col = viridis(t);
        cairo_set_source_rgb(c, col.r, col.g, col.b);
        cairo_rectangle(c, x0 + j * cell, y0 + i * cell, cell, cell);
        cairo_fill(c);
      }
  }
  draw_colour_bar(c, gap + double(panels.size()) * (pw + gap) - gap / 2.0, top + label_h, ph, hi,
                  log_scale, decades);
  check_cairo(cairo_status(c), file, "draw the images");
  std::string png;
  check_cairo(cairo_surface_write_to_png_stream(surface.get(), append_png, &png), file,
              "encode the images as PNG");
  write_file_atomic(file, png);
}

}  // namespace vkgan
