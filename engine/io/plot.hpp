// Line plots of training curves (losses against step) written as PNG with
// cairo: nice 1-2-5 ticks, grid, legend, one colour per series. Points that
// are NaN or infinite, or not positive on a log axis, are left out.
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

}  // namespace vkgan
