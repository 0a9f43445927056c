// The eval job on small hand-made sets: identical sets are at distance 0,
// every observable gets a row, and the folder holds the table and plots.
#include "engine/evaluate.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support.hpp"

namespace vkgan {
namespace {

namespace fs = std::filesystem;

// n 33x33 images: image i lights the centre and one pixel i % 5 columns off.
ImageSet toy_jets(int64_t n, const std::string& name) {
  ImageSet s;
  s.source = name;
  s.image = Shape{1, 33, 33};
  s.count = n;
  s.pixels.assign(size_t(n * 33 * 33), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    float* p = s.pixels.data() + i * 33 * 33;
    p[16 * 33 + 16] = 0.7f;
    p[16 * 33 + 17 + i % 5] = 0.3f;
  }
  return s;
}

TEST_CASE("eval of a set against itself gives zero distances and writes its folder") {
  fs::path out = test::scratch_dir("eval-same");
  ImageSet a = toy_jets(40, "a"), b = toy_jets(40, "b");
  EvalResult r = evaluate_jets(a, b, out, {});
  CHECK(r.rows.size() == 9);
  for (const EvalRow& row : r.rows) {
    INFO(row.name);
    CHECK(row.w1 == doctest::Approx(0.0));
    CHECK(row.real_mean == doctest::Approx(row.generated_mean));
  }
  for (const char* f : {"eval.json", "eval.md", "average.png", "tau21.png", "girth.png"})
    CHECK_MESSAGE(fs::exists(out / f), f);
}

TEST_CASE("eval refuses sets of different image shapes, naming both") {
  ImageSet a = toy_jets(4, "real.h5:image"), b = toy_jets(4, "gen.h5:image");
  b.image = Shape{1, 3, 363};
  std::string e = test::error_of([&] { evaluate_jets(a, b, test::scratch_dir("eval-bad"), {}); });
  CHECK(e == "real.h5:image holds images [1,33,33], gen.h5:image holds [1,3,363]; eval compares "
             "images of one shape");
}

}  // namespace
}  // namespace vkgan
