// Line plots of training curves (losses against step) and overlaid
// histograms written as PNG with cairo: nice 1-2-5 ticks, grid, legend, one
// colour per series; and image panels on a colour scale. Points that are
// NaN or infinite, or not positive on a log axis, are left out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vkgan {

struct Series {
  std::string label;
  std::vector<double> x, y;
};

// Draws every series as a line (broken where points are left out) and
// replaces `file` atomically. Empty and constant series are fine; with no
// drawable point at all the axes are drawn around a "no data" note.
void plot_lines_png(const std::filesystem::path& file, const std::string& title,
                    const std::string& xlabel, const std::string& ylabel,
                    const std::vector<Series>& series, bool log_y = false, int width = 900,
                    int height = 500);

struct Histogram {
  std::string label;
  std::vector<double> edges;    // bins + 1 edges, increasing
  std::vector<double> density;  // per bin
};

// Overlaid histograms drawn as step outlines; log_x wants positive edges.
void plot_histograms_png(const std::filesystem::path& file, const std::string& title,
                         const std::string& xlabel, const std::vector<Histogram>& hists,
                         bool log_x = false, bool log_y = false, int width = 700, int height = 450);

struct ImagePanel {
  std::string label;
  int height = 0, width = 0;
  std::vector<double> values;  // row-major
};

// Panels side by side under one colour bar; with log_scale, values map by
// their log10 over the decades `decades` below the largest value of all
// panels, and values at or under the bottom (zeros too) are the darkest.
void plot_images_png(const std::filesystem::path& file, const std::string& title,
                     const std::vector<ImagePanel>& panels, bool log_scale = true,
                     double decades = 5, int cell = 10);

}  // namespace vkgan
