// Tests for loss-curve plots: the PNG is valid, the size asked for, and
// really drawn in colour, for ordinary and awkward data alike.
#include "engine/io/plot.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "engine/error.hpp"
#include "engine/io/png.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<Series> two_losses(int points) {
  Series d{"discriminator", {}, {}}, g{"generator", {}, {}};
  for (int i = 0; i < points; ++i) {
    double step = 10.0 * i;
    d.x.push_back(step);
    d.y.push_back(0.69 + 0.4 * std::exp(-i / 40.0) * std::cos(i / 5.0));
    g.x.push_back(step);
    g.y.push_back(0.7 + 1.8 * (1 - std::exp(-i / 60.0)) + 0.1 * std::sin(i / 3.0));
  }
  return {d, g};
}

bool starts_as_png(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return std::string(sig, 8) == "\x89PNG\r\n\x1a\n";
}

// Distinct colours in the decoded PNG, and checks its size on the way.
size_t colours_in(const fs::path& file, int width, int height) {
  int w = 0, h = 0;
  std::vector<uint8_t> rgba = read_png_rgba(file, &w, &h);
  CHECK(w == width);
  CHECK(h == height);
  std::set<uint32_t> colours;
  for (size_t i = 0; i + 3 < rgba.size(); i += 4)
    colours.insert(uint32_t(rgba[i]) << 16 | uint32_t(rgba[i + 1]) << 8 | rgba[i + 2]);
  return colours.size();
}

}  // namespace

TEST_CASE("plot_lines_png draws two loss series of 200 points into a PNG of the asked size") {
  fs::path dir = test::scratch_dir("plot-losses");
  fs::path file = dir / "losses.png";
  plot_lines_png(file, "GAN losses", "step", "loss", two_losses(200));
  CHECK(starts_as_png(file));
  CHECK(colours_in(file, 900, 500) > 2);
}

TEST_CASE("plot_lines_png copes with empty, constant, NaN and log-scale plot data") {
  fs::path dir = test::scratch_dir("plot-awkward");
  std::vector<Series> losses = two_losses(200);
  losses[0].y[50] = kNaN;
  losses[0].y[51] = kInf;
  losses[1].y[10] = -kInf;
  losses.push_back({"constant", {0, 1000, 2000}, {0.5, 0.5, 0.5}});
  losses.push_back({"empty", {}, {}});
  plot_lines_png(dir / "nan.png", "with gaps", "step", "loss", losses, false, 640, 360);
  CHECK(colours_in(dir / "nan.png", 640, 360) > 2);

  losses[1].y[20] = 0;  // not drawable on a log axis
  losses[1].y[21] = -3;
  plot_lines_png(dir / "log.png", "log scale", "step", "loss", losses, true);
  CHECK(colours_in(dir / "log.png", 900, 500) > 2);

  plot_lines_png(dir / "none.png", "nothing yet", "step", "loss", {{"d", {kNaN}, {1}}});
  plot_lines_png(dir / "flat.png", "", "", "", {{"", {3}, {0}}}, true);
  CHECK(starts_as_png(dir / "none.png"));
  CHECK(starts_as_png(dir / "flat.png"));
}

TEST_CASE("plot_lines_png rejects a series whose x and y lengths differ, naming the plot file") {
  fs::path dir = test::scratch_dir("plot-lengths");
  fs::path file = dir / "bad.png";
  try {
    plot_lines_png(file, "t", "x", "y", {{"d loss", {1, 2, 3}, {1, 2}}});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          file.string() + ": series 'd loss' has 3 x values but 2 y values");
  }
  CHECK(!fs::exists(file));
}

}  // namespace vkgan
