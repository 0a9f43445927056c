// The eval job on small hand-made sets: identical sets are at distance 0,
// every observable gets a row, and the folder holds the table and plots.
#include "engine/evaluate.hpp"

#include <doctest/doctest.h>

#include <algorithm>
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

TEST_CASE("a new eval replaces an older one whole and removes a killed eval's folder") {
  fs::path dir = test::scratch_dir("eval-replace");
  fs::path out = dir / "eval";
  fs::create_directories(out);
  std::ofstream(out / "eval.json") << "{}";
  std::ofstream(out / "tau42.png") << "an observable the new eval does not plot";
  fs::path killed = dir / ("eval.tmp." + std::to_string(test::dead_pid()));
  fs::create_directories(killed);
  std::ofstream(killed / "girth.png") << "half an eval";

  evaluate_jets(toy_jets(8, "a"), toy_jets(8, "b"), out, {});
  CHECK(test::read_file(out / "eval.md").find("| tau21 |") != std::string::npos);
  CHECK(!fs::exists(out / "tau42.png"));
  CHECK(!fs::exists(killed));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("a failed eval leaves the older eval as it was") {
  fs::path dir = test::scratch_dir("eval-keep");
  fs::path out = dir / "eval";
  evaluate_jets(toy_jets(8, "a"), toy_jets(8, "b"), out, {});
  std::string table = test::read_file(out / "eval.md");
  ImageSet dark = toy_jets(8, "dark.h5:image");
  std::fill(dark.pixels.begin(), dark.pixels.end(), 0.0f);
  CHECK(test::error_of([&] { evaluate_jets(toy_jets(8, "a"), dark, out, {}); }) ==
        "dark.h5:image: every pixel is zero; no intensity spectrum to compare");
  CHECK(test::read_file(out / "eval.md") == table);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
}

TEST_CASE("eval refuses to replace a folder that holds no eval") {
  fs::path out = test::scratch_dir("eval-foreign");
  std::ofstream(out / "thesis.tex") << "precious";
  CHECK(test::error_of([&] { evaluate_jets(toy_jets(8, "a"), toy_jets(8, "b"), out, {}); }) ==
        out.string() + ": holds files but no eval.json, so it is not an eval to replace; "
                       "choose another --out");
  CHECK(test::read_file(out / "thesis.tex") == "precious");
  CHECK(!fs::exists(out / "eval.json"));
}

}  // namespace
}  // namespace vkgan
